#include "video_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <future>

#include "adaptive_table.h"
#include "errors.h"
#include "freq_table.h"
#include "low_bits.h"
#include "packet.h"
#include "motion.h"
#include "range_coder.h"
#include "video_schedule.h"

namespace lmc {

// Rows per model call in the batched encoder: bounds memory (16k x 256 logits).
constexpr int kEncodeChunk = 2048;

VideoCodec::VideoCodec(const StreamHeader &header, std::shared_ptr<ModelRunner> runner)
    : header_(header), runner_(std::move(runner))
{
    const Model &m = runner_->model();
    inter_features_ = m.feature_set == kFeaturesVideoV3;
    adaptive_ = inter_features_;
    ninputs_ = inter_features_ ? kVideoInputsInter : kVideoInputsIntra;
    if (m.kind != kModelVideo || (m.feature_set != kFeaturesVideoV1 && !inter_features_) ||
        m.inputs != ninputs_ || m.outputs != kVideoSymbols)
        fail(LMC_ERR_MODEL_INVALID, "model " + m.path + " is not a video model of feature set 1 or 3");
    int w = header.width, h = header.height;
    int sx = 0, sy = 0;
    switch (header.pix_fmt) {
    case LMC_PIX_GRAY8: nplanes_ = 1; break;
    case LMC_PIX_YUV420P: nplanes_ = 3; sx = sy = 1; break;
    case LMC_PIX_YUV422P: nplanes_ = 3; sx = 1; break;
    case LMC_PIX_YUV444P:
    case LMC_PIX_GBRP: nplanes_ = 3; break;
    case LMC_PIX_YUVA420P: nplanes_ = 4; sx = sy = 1; break;
    case LMC_PIX_YUVA444P:
    case LMC_PIX_GBRAP: nplanes_ = 4; break;
    default: fail(LMC_ERR_UNSUPPORTED, "unsupported pixel format");
    }
    int chroma_class = header.pix_fmt == LMC_PIX_GBRP || header.pix_fmt == LMC_PIX_GBRAP ? -64 : 64;
    for (int p = 0; p < nplanes_; p++) {
        PlaneState &s = planes_[p];
        const bool colour = p == 1 || p == 2; // alpha, plane 3, is full size, classed as luma
        s.sx = colour ? sx : 0;
        s.sy = colour ? sy : 0;
        s.w = w >> s.sx;
        s.h = h >> s.sy;
        s.plane_class = colour ? chroma_class : 0;
        s.px.assign((size_t)s.w * s.h, 0);
        s.res.assign((size_t)s.w * s.h, 0);
        s.aligned.assign((size_t)s.w * s.h, 0);
    }
    motion_.resize(w, h);
    // Stream tools, fixed for the stream (format.md 4), used where a frame has
    // quarter-sample motion / skip blocks.
    motion_.sharp = header.tools & kToolSharpLuma;
    skip_.fine = header.tools & kToolFineSkip;
    skip_.resize(planes_, nplanes_);
    pool_ = std::make_unique<WorkerPool>(runner_->threads());
    depth_ = header.bit_depth;
    if (depth_ > 8)
        for (int p = 0; p < nplanes_; p++)
            low_[p].assign(planes_[p].px.size(), 0);
}

void VideoCodec::load_source(const uint8_t *const planes[], const int strides[])
{
    const int k = depth_ - 8;
    for (int p = 0; p < nplanes_; p++) {
        PlaneState &s = planes_[p];
        source_[p].resize(s.px.size());
        for (int y = 0; y < s.h; y++) {
            if (!k) {
                memcpy(&source_[p][(size_t)y * s.w], planes[p] + (ptrdiff_t)y * strides[p], s.w);
                continue;
            }
            // Deep samples: the network codes the top 8 bits, low_bits.h the rest.
            const uint16_t *row = (const uint16_t *)(planes[p] + (ptrdiff_t)y * strides[p]);
            for (int x = 0; x < s.w; x++) {
                if (row[x] >> depth_)
                    fail(LMC_ERR_INVALID_ARG, "sample value " + std::to_string(row[x]) + " has more than " +
                                                  std::to_string(depth_) + " bits");
                source_[p][(size_t)y * s.w + x] = (uint8_t)(row[x] >> k);
                low_[p][(size_t)y * s.w + x] = (uint16_t)(row[x] & ((1 << k) - 1));
            }
        }
    }
}

// Cumulative frequency below symbol s.
static uint32_t cum_below(const uint32_t *g, int s)
{
    uint32_t c = 0;
    for (int i = 0; i < s; i++)
        c += g[i];
    return c;
}

static void encode_symbol(RangeEncoder &enc, const uint32_t *f, uint32_t total, int sym)
{
    enc.encode(cum_below(f, sym), f[sym], total);
}

static int decode_symbol(RangeDecoder &dec, const uint32_t *f, uint32_t total)
{
    uint32_t target = dec.decode_target(total), c = 0;
    int sym;
    for (sym = 0; sym < kVideoSymbols - 1 && c + f[sym] <= target; sym++)
        c += f[sym];
    dec.consume(c, f[sym]);
    return sym;
}

// lmc_gen bins: the quantised residual q of residual e for error bound d.
static inline int quantise(int e, int d)
{
    return e >= 0 ? (e + d) / (2 * d + 1) : -((-e + d) / (2 * d + 1));
}

// Sums the 256 residual frequencies into the bins reachable from prediction P.
// Returns the bin count; bins[j] is the frequency of q = qmin + j.
static int gen_bins(const uint32_t *g, int P, int d, uint32_t *bins, int *qmin)
{
    *qmin = quantise(-P, d);
    int nb = quantise(255 - P, d) - *qmin + 1;
    memset(bins, 0, sizeof(uint32_t) * nb);
    for (int e = -P; e <= 255 - P; e++)
        bins[quantise(e, d) - *qmin] += g[e & 255];
    return nb;
}

// Every keyframe restarts the adaptive stage, in encoder and decoder alike.
// Lossless inter frames carry skip blocks and background choices.
void VideoCodec::start_frame(bool inter)
{
    inter_ = inter;
    skip_blocks_ = background_ref_ = inter_ && header_.kind == LMC_KIND_VIDEO;
    // liblmc 0.5: quarter-sample vectors and split blocks in lossless inter frames
    motion_.subpel = motion_.split = skip_blocks_;
    if (!inter_ && adaptive_)
        mixer_.reset();
    // Value calibration (7.7): every lossless frame, learnt afresh per frame.
    calibrate_ = header_.kind == LMC_KIND_VIDEO && calibration_on_;
    for (ValueCalibration &c : calibration_)
        c.reset();
}

// Encoder: motion of the source luma against the previous reconstruction;
// a block is intra when the source's own MED residual is cheaper.
void VideoCodec::estimate_and_align()
{
    PlaneState &y = planes_[0];
    y.px = source_[0];
    std::vector<int16_t> med_res(y.px.size());
    for (int r = 0; r < y.h; r++)
        for (int x = 0; x < y.w; x++)
            med_res[(size_t)r * y.w + x] = (int16_t)(y.px[(size_t)r * y.w + x] - predict_sample(y, x, r));
    estimate_motion(source_[0].data(), reference_[0].data(), med_res.data(), y.w, y.h, motion_, pool_.get());
    if (background_ref_) {
        make_background_frames();
        align_plane(reference_[0].data(), nullptr, y.w, y.h, 0, 0, motion_, y.aligned.data());
        std::vector<uint8_t> from_background(y.px.size());
        align_plane(background_frame_[0].data(), nullptr, y.w, y.h, 0, 0, motion_, from_background.data());
        choose_background_blocks(source_[0].data(), y.aligned.data(), from_background.data(), med_res.data(),
                                 y.w, y.h, motion_);
    }
    align_reference();
}

void VideoCodec::make_background_frames()
{
    for (int p = 0; p < nplanes_; p++)
        background_.frame(p, background_frame_[p]);
}

void VideoCodec::align_reference()
{
    for (int p = 0; p < nplanes_; p++) {
        PlaneState &s = planes_[p];
        align_plane(reference_[p].data(), background_frame_[p].data(), s.w, s.h, s.sx, s.sy, motion_,
                    s.aligned.data());
    }
}

LowBitsReference VideoCodec::low_bits_reference(int p) const
{
    LowBitsReference r;
    r.high = reference_[p].data();
    r.low = reference_low_[p].data();
    r.mf = &motion_;
    r.sx = planes_[p].sx;
    r.sy = planes_[p].sy;
    return r;
}

void VideoCodec::keep_reference()
{
    for (int p = 0; p < nplanes_; p++) {
        reference_[p] = planes_[p].px;
        if (depth_ > 8)
            reference_low_[p] = low_[p];
    }
    background_.keep(planes_, nplanes_, !inter_);
    have_reference_ = true;
    frames_since_key_ = inter_ ? frames_since_key_ + 1 : 0;
}

// Lossless encoder: the reconstruction is the source, known in full, so
// every plane's samples and residuals can be set before coding.
void VideoCodec::load_residuals()
{
    const MotionField *mf = inter_ ? &motion_ : nullptr;
    for (int p = 0; p < nplanes_; p++) {
        PlaneState &s = planes_[p];
        s.px = source_[p];
        for (int y = 0; y < s.h; y++)
            for (int x = 0; x < s.w; x++)
                s.res[(size_t)y * s.w + x] = (int16_t)(s.px[(size_t)y * s.w + x] - base_prediction(s, mf, x, y));
    }
}

void VideoCodec::encode_batched(RangeEncoder &enc)
{
    // Lossless: the context comes from the source, known in full, so the
    // residual planes are there already (encode_frame) and the model runs in
    // big batches.
    const MotionField *mf = inter_ ? &motion_ : nullptr;
    int w[kMaxPlanes], h[kMaxPlanes];
    for (int p = 0; p < nplanes_; p++)
        w[p] = planes_[p].w, h[p] = planes_[p].h;
    int steps = schedule_steps(w, h, nplanes_);

    // Sample positions in coding order, packed as plane << 28 | y << 14 | x.
    std::vector<uint32_t> order;
    order.reserve(source_[0].size() * nplanes_);
    for (int t = 0; t < steps; t++)
        for (int p = 0; p < nplanes_; p++)
            for_each_on_step(t - p, w[p], h[p], [&](int y, int x) {
                if (!(skip_blocks_ && skip_.skipped(p, x, y)))
                    order.push_back((uint32_t)p << 28 | (uint32_t)y << 14 | (uint32_t)x);
            });

    coded_samples_ = order.size();

    // Chunks of samples: inputs and network outputs for one chunk are
    // computed (on a second thread when we have one) while the previous chunk
    // is range coded; the adaptive stage and the coder stay in order.
    struct Chunk {
        size_t first = 0;
        int n = 0;
        std::vector<float> inputs;
        std::vector<int32_t> logits;
        std::vector<uint32_t> freqs, totals; // the network's frequency tables
        std::vector<uint8_t> symbols;
        std::vector<int> contexts;
    };
    auto compute = [this, &order, mf](Chunk &c) {
        c.inputs.resize((size_t)kEncodeChunk * ninputs_);
        c.logits.resize((size_t)kEncodeChunk * kVideoSymbols);
        c.freqs.resize((size_t)kEncodeChunk * kVideoSymbols);
        c.totals.resize(kEncodeChunk);
        c.symbols.resize(kEncodeChunk);
        c.contexts.resize(kEncodeChunk);
        for (int i = 0; i < c.n; i++) {
            uint32_t o = order[c.first + i];
            int p = o >> 28, y = (o >> 14) & 0x3fff, x = o & 0x3fff;
            float *in = &c.inputs[(size_t)i * ninputs_];
            int P = video_context(planes_, p, x, y, inter_features_, mf, in);
            c.symbols[i] = (uint8_t)(planes_[p].px[(size_t)y * planes_[p].w + x] - P);
            c.contexts[i] = adaptive_ ? AdaptiveMixer::context(in) : 0;
        }
        runner_->run(c.inputs.data(), c.n, c.logits.data());
        for (int i = 0; i < c.n; i++)
            c.totals[i] = logits_to_freqs(&c.logits[(size_t)i * kVideoSymbols], kVideoSymbols,
                                          &c.freqs[(size_t)i * kVideoSymbols]);
    };
    // The frequency tables are made on the computing side: since the value
    // calibration (0.6) the coding side, with mixing, calibration and coding,
    // is the longer one.
    uint32_t f[kVideoSymbols], cal[kVideoSymbols];
    auto code = [&](const Chunk &c) {
        for (int i = 0; i < c.n; i++) {
            const uint32_t *g = &c.freqs[(size_t)i * kVideoSymbols], gtotal = c.totals[i];
            int sym = c.symbols[i];
            const uint32_t *t = g;
            uint32_t total = gtotal;
            if (adaptive_) {
                total = mixer_.mix(c.contexts[i], g, gtotal, f);
                t = f;
            }
            if (!calibrate_) {
                encode_symbol(enc, t, total, sym);
            } else { // the value calibration (7.7) reweights what the stages before it give
                uint32_t o = order[c.first + i];
                int p = o >> 28, y = (o >> 14) & 0x3fff, x = o & 0x3fff;
                int value = planes_[p].px[(size_t)y * planes_[p].w + x], P = (uint8_t)(value - sym);
                ValueCalibration &calibration = calibration_[p];
                if (calibration.active())
                    encode_symbol(enc, cal, calibration.apply(t, P, cal), sym);
                else
                    encode_symbol(enc, t, total, sym);
                calibration.update(t, P, value);
            }
            if (adaptive_)
                mixer_.update(c.contexts[i], sym, g, gtotal);
        }
    };
    const size_t nchunks = (order.size() + kEncodeChunk - 1) / kEncodeChunk;
    Chunk chunk[2];
    auto prepare = [&](size_t k) -> Chunk & {
        Chunk &c = chunk[k % 2];
        c.first = k * kEncodeChunk;
        c.n = (int)std::min<size_t>(kEncodeChunk, order.size() - c.first);
        return c;
    };
    const bool pipelined = runner_->threads() > 1 && !runner_->on_cuda();
    if (nchunks)
        compute(prepare(0));
    for (size_t k = 0; k < nchunks; k++) {
        std::future<void> next;
        if (k + 1 < nchunks) {
            Chunk &c = prepare(k + 1);
            if (pipelined)
                next = std::async(std::launch::async, [&compute, &c] { compute(c); });
            else
                compute(c);
        }
        code(chunk[k % 2]);
        if (next.valid())
            next.get();
    }
}

template <bool kEncode>
void VideoCodec::code_wavefront(RangeEncoder *enc, RangeDecoder *dec)
{
    const int d = header_.kind == LMC_KIND_GEN ? header_.max_error : 0;
    int w[kMaxPlanes], h[kMaxPlanes];
    size_t widest = 0;
    for (int p = 0; p < nplanes_; p++) {
        w[p] = planes_[p].w, h[p] = planes_[p].h;
        widest += (size_t)h[p];
    }
    int steps = schedule_steps(w, h, nplanes_);
    inputs_.resize(widest * ninputs_);
    const MotionField *mf = inter_ ? &motion_ : nullptr;
    logits_.resize(widest * kVideoSymbols);
    freqs_.resize(widest * kVideoSymbols);
    freq_totals_.resize(widest);
    struct Pos { int p, x, y, P, ctx; };
    std::vector<Pos> pos(widest);
    uint32_t f[kVideoSymbols], cal[kVideoSymbols], bins[kVideoSymbols];

    // Per step, everything before the range coder (inputs, network,
    // frequency tables) is independent from sample to sample: it runs in
    // parallel parts; mixing and coding then go in order.
    auto inputs = [&](int begin, int end) {
        for (int i = begin; i < end; i++) {
            Pos &q = pos[i];
            float *in = &inputs_[(size_t)i * ninputs_];
            q.P = video_context(planes_, q.p, q.x, q.y, inter_features_, mf, in);
            q.ctx = adaptive_ ? AdaptiveMixer::context(in) : 0;
        }
    };
    auto tables = [&](int begin, int end) {
        for (int i = begin; i < end; i++)
            freq_totals_[i] = logits_to_freqs(&logits_[(size_t)i * kVideoSymbols], kVideoSymbols,
                                              &freqs_[(size_t)i * kVideoSymbols]);
    };
    auto cpu_part = [&](int begin, int end) {
        inputs(begin, end);
        runner_->run(&inputs_[(size_t)begin * ninputs_], end - begin, &logits_[(size_t)begin * kVideoSymbols]);
        tables(begin, end);
    };
    constexpr int kMinPart = 32; // samples: below that a thread hand-off costs more than it saves

    coded_samples_ = 0;
    for (int t = 0; t < steps; t++) {
        int n = 0;
        for (int p = 0; p < nplanes_; p++)
            for_each_on_step(t - p, w[p], h[p], [&](int y, int x) {
                if (skip_blocks_ && skip_.skipped(p, x, y)) { // a copy of the aligned frame
                    PlaneState &s = planes_[p];
                    size_t at = (size_t)y * s.w + x;
                    s.px[at] = s.aligned[at];
                    s.res[at] = (int16_t)(s.px[at] - base_prediction(s, mf, x, y));
                    return;
                }
                pos[n++] = {p, x, y, 0, 0};
            });
        if (runner_->on_cuda()) {
            pool_->run(n, kMinPart, inputs);
            runner_->run(inputs_.data(), n, logits_.data());
            pool_->run(n, kMinPart, tables);
        } else {
            pool_->run(n, kMinPart, cpu_part);
        }
        coded_samples_ += n;
        for (int i = 0; i < n; i++) {
            const Pos &q = pos[i];
            PlaneState &s = planes_[q.p];
            size_t at = (size_t)q.y * s.w + q.x;
            const uint32_t *g = &freqs_[(size_t)i * kVideoSymbols];
            uint32_t total = freq_totals_[i];
            int value;
            if (d == 0) {
                const uint32_t *t = g;
                uint32_t coded_total = total;
                if (adaptive_) {
                    coded_total = mixer_.mix(q.ctx, g, total, f);
                    t = f;
                }
                // The value calibration (7.7) reweights what the stages before it give.
                const uint32_t *c = t;
                uint32_t ctotal = coded_total;
                if (calibrate_ && calibration_[q.p].active()) {
                    ctotal = calibration_[q.p].apply(t, q.P, cal);
                    c = cal;
                }
                int sym = kEncode ? (uint8_t)(source_[q.p][at] - q.P) : decode_symbol(*dec, c, ctotal);
                if (kEncode)
                    encode_symbol(*enc, c, ctotal, sym);
                value = (uint8_t)(q.P + sym);
                if (calibrate_)
                    calibration_[q.p].update(t, q.P, value);
                if (adaptive_)
                    mixer_.update(q.ctx, sym, g, total);
            } else {
                int qmin, j;
                uint32_t coded_total = total;
                if (adaptive_)
                    coded_total = mixer_.mix(q.ctx, g, total, f);
                int nb = gen_bins(adaptive_ ? f : g, q.P, d, bins, &qmin);
                if (kEncode) {
                    j = quantise(source_[q.p][at] - q.P, d) - qmin;
                    enc->encode(cum_below(bins, j), bins[j], coded_total);
                } else {
                    uint32_t target = dec->decode_target(coded_total), c = 0;
                    for (j = 0; j < nb - 1 && c + bins[j] <= target; j++)
                        c += bins[j];
                    dec->consume(c, bins[j]);
                }
                value = std::clamp(q.P + (qmin + j) * (2 * d + 1), 0, 255);
                if (adaptive_) // counts of the reconstructed residual
                    mixer_.update(q.ctx, (value - q.P) & 255, g, total);
            }
            s.px[at] = (uint8_t)value;
            s.res[at] = (int16_t)(value - q.P);
        }
        // Bounded work per byte: a packet that claims more symbols than its
        // bytes can code fails here, one step after its data ran out.
        if (!kEncode)
            require_data(!dec->overrun(), "packet ends before its last sample (corrupt data)");
    }
}

// Frame adaptation (format.md 7.4), encoder side: the fit runs on a sample of
// the coded samples (every k-th in plane and raster order, inputs and
// symbols from the source, which is the reconstruction). Keyframes, stills
// above all, get the larger fit. Inter frames share one set of offsets; each
// inter frame checks on its sample that the set still beats none (two
// network passes over the sample) and, where it does not, gets a cheaper
// warm-started fit (or none). Measured on the test split: keeping a set for
// 32 frames without the check made the grey camera clips 0.5-0.8% larger
// than no adaptation at all. Where the last refit beat the set it replaced by
// kRefitGain or more, the next frame is refitted even while its set still
// pays: the ViSP camera's exposure moves from frame to frame (ellipse-1 -0.9%,
// cube -0.2%; refitting every frame gained little more and made the encoder
// slower than the decoder on vtest, whose refits gain about 1%).
constexpr int kKeySample = 8192, kKeySteps = 8, kKeyWarmSteps = 4; // warm: from the last keyframe's
constexpr int kInterSample = 4096, kInterSteps = 8;
constexpr int kMinSampleSize = 1024; // smaller frames: the offsets cost more than they save
constexpr int kRetryInterval = 8; // frames between fits after one that did not pay
constexpr double kRefitGain = 0.02;

AdaptationSample VideoCodec::collect_sample(size_t max_n, size_t *coded) const
{
    const MotionField *mf = inter_ ? &motion_ : nullptr;
    size_t total = 0;
    for (int p = 0; p < nplanes_; p++)
        for (int y = 0; y < planes_[p].h; y++)
            for (int x = 0; x < planes_[p].w; x++)
                total += !(skip_blocks_ && skip_.skipped(p, x, y));
    *coded = total;
    AdaptationSample s;
    size_t every = std::max<size_t>(1, total / max_n), i = 0;
    for (int p = 0; p < nplanes_; p++)
        for (int y = 0; y < planes_[p].h; y++)
            for (int x = 0; x < planes_[p].w; x++) {
                if (skip_blocks_ && skip_.skipped(p, x, y))
                    continue;
                if (i++ % every)
                    continue;
                s.inputs.resize((size_t)(s.n + 1) * ninputs_);
                int P = video_context(planes_, p, x, y, inter_features_, mf, &s.inputs[(size_t)s.n * ninputs_]);
                s.symbols.push_back((uint8_t)(planes_[p].px[(size_t)y * planes_[p].w + x] - P));
                s.n++;
            }
    return s;
}

// Sets frame_offsets_ for the frame being encoded; true when they are new
// and go into the packet. The estimate is the sample's code length under the
// network alone (the adaptive stage on top takes a share of the gain),
// scaled to the frame; new offsets must save more than they cost.
bool VideoCodec::choose_offsets()
{
    if (inter_ && adapt_ < 2)
        return false;
    const std::vector<int8_t> none, &current = inter_ ? inter_offsets_ : none;
    const bool have = std::any_of(current.begin(), current.end(), [](int8_t v) { return v != 0; });
    if (!inter_)
        offsets_age_ = kRetryInterval; // the first inter frame after it gets a fit
    else
        offsets_age_++;
    if (inter_ && !have && offsets_age_ < kRetryInterval)
        return false; // the last fit did not pay: try again now and then
    size_t coded;
    AdaptationSample sample = collect_sample(inter_ ? kInterSample : kKeySample, &coded);
    if (sample.n < kMinSampleSize)
        return false;
    const double scale = (double)coded / sample.n;
    const double cost = 8.0 * runner_->hidden_units() + 64; // bits of the offsets, with margin
    // Candidates: what this frame would use anyway (free), none, a new fit.
    const double keep = sample_bits(*runner_, sample, current) * scale;
    const double plain = have ? sample_bits(*runner_, sample, none) * scale + cost : keep;
    if (inter_ && have && keep <= plain && last_fit_gain_ < kRefitGain)
        return false; // the set still pays
    std::vector<int8_t> fit;
    if (inter_)
        fit = fit_bias_offsets(*runner_, sample, current, kInterSteps);
    else
        fit = last_key_offsets_ = fit_bias_offsets(*runner_, sample, last_key_offsets_,
                                                   last_key_offsets_.empty() ? kKeySteps : kKeyWarmSteps);
    const double fitted = sample_bits(*runner_, sample, fit) * scale + cost;
    if (inter_) {
        offsets_age_ = 0;
        last_fit_gain_ = have ? (keep - fitted) / keep : 1; // a first set: refit it next frame
    }
    if (keep <= std::min(fitted, plain))
        return false;
    frame_offsets_ = fitted <= plain ? fit : std::vector<int8_t>(runner_->hidden_units(), 0);
    if (inter_)
        inter_offsets_ = frame_offsets_;
    return true;
}

// Encoder, fine skip blocks (format.md 7.2): whether a plane flags the copy
// quarters of its changed 8x8 blocks. That pays where the model would spend
// bits on those samples: vtest's unchanged quarters (lossy-origin background)
// cost about 0.35 bits a sample, while balle's lie in flat areas coded
// almost for free, where flagging them in every plane made the file 2%
// larger. So the quarters are priced as the model would code them now (the
// network, then the adaptive stage as the frames before left it), and the
// plane flags them when that beats the flags' cost, estimated as 4 binary
// flags per changed block at the entropy of the copies' share. At most about
// kPricedQuarters evenly spaced candidates are priced, for all of them: on
// vtest there are two thirds as many candidate samples as coded ones.
constexpr size_t kPricedQuarters = 256;

void VideoCodec::choose_skip_quarters()
{
    const MotionField *mf = &motion_;
    std::vector<uint32_t> g(kVideoSymbols), f(kVideoSymbols);
    for (int p = 0; p < nplanes_; p++) {
        SkipMap::Plane &q = skip_.plane[p];
        const PlaneState &s = planes_[p];
        std::vector<size_t> cand = copy_quarters(q);
        const size_t step = std::max<size_t>(1, cand.size() / kPricedQuarters);
        // The samples of every step-th candidate, with their inputs.
        std::vector<float> inputs;
        std::vector<uint8_t> symbols;
        std::vector<int> contexts;
        for (size_t k = 0; k < cand.size(); k += step) {
            const int qx = (int)(cand[k] % q.nx), qy = (int)(cand[k] / q.nx);
            for (int y = qy * q.bh; y < std::min((qy + 1) * q.bh, s.h); y++)
                for (int x = qx * q.bw; x < std::min((qx + 1) * q.bw, s.w); x++) {
                    inputs.resize(inputs.size() + ninputs_);
                    int P = video_context(planes_, p, x, y, inter_features_, mf, &inputs[inputs.size() - ninputs_]);
                    symbols.push_back((uint8_t)(s.px[(size_t)y * s.w + x] - P));
                    contexts.push_back(adaptive_ ? AdaptiveMixer::context(&inputs[inputs.size() - ninputs_]) : 0);
                }
        }
        double saved = 0; // bits, scaled from the priced candidates to all
        std::vector<int32_t> logits;
        for (size_t first = 0; first < symbols.size(); first += kEncodeChunk) {
            const int n = (int)std::min<size_t>(kEncodeChunk, symbols.size() - first);
            logits.resize((size_t)n * kVideoSymbols);
            runner_->run(&inputs[first * ninputs_], n, logits.data());
            for (int i = 0; i < n; i++) {
                uint32_t total = logits_to_freqs(&logits[(size_t)i * kVideoSymbols], kVideoSymbols, g.data());
                const uint32_t *t = g.data();
                if (adaptive_) { // as the adaptive stage stands before this frame
                    total = mixer_.mix(contexts[first + i], g.data(), total, f.data());
                    t = f.data();
                }
                saved += step * std::log2((double)total / t[symbols[first + i]]);
            }
        }
        // Each changed block has a quarter that is no copy, so 0 < share < 1.
        const double quarters = 4.0 * changed_blocks(q), share = cand.size() / std::max(1.0, quarters);
        const double flag_bits =
            cand.empty() ? 0 : -quarters * (share * std::log2(share) + (1 - share) * std::log2(1 - share));
        q.quarters = !cand.empty() && saved > flag_bits;
        if (!q.quarters) // the decoder then takes each 8x8 block's flag for its quarters
            for (size_t k : cand)
                q.skip[k] = 0;
    }
}

static void put_offsets(RangeEncoder &enc, const std::vector<int8_t> &d)
{
    AdaptiveTable t(256);
    for (int8_t v : d)
        t.put(enc, (uint8_t)v);
}

static std::vector<int8_t> get_offsets(RangeDecoder &dec, int n)
{
    AdaptiveTable t(256);
    std::vector<int8_t> d(n);
    for (int8_t &v : d)
        v = (int8_t)t.get(dec);
    return d;
}

bool VideoCodec::encode(const uint8_t *const planes[], const int strides[], bool keyframe,
                        std::vector<uint8_t> &packet)
{
    return encode_frame(planes, strides, keyframe, header_.kind == LMC_KIND_GEN, packet);
}

bool VideoCodec::encode_stepwise(const uint8_t *const planes[], const int strides[], bool keyframe,
                                 std::vector<uint8_t> &packet)
{
    return encode_frame(planes, strides, keyframe, true, packet);
}

bool VideoCodec::encode_frame(const uint8_t *const planes[], const int strides[], bool keyframe,
                              bool wavefront, std::vector<uint8_t> &packet)
{
    load_source(planes, strides);
    start_frame(!keyframe && inter_features_ && have_reference_);
    begin_packet(packet, (!inter_ ? kPacketKeyframe
                                  : (skip_blocks_ ? kPacketSkipBlocks : 0) | (background_ref_ ? kPacketBackground : 0) |
                                        (motion_.subpel ? kPacketSubpel : 0) | (motion_.split ? kPacketSplit : 0)) |
                             (calibrate_ ? kPacketCalibrated : 0));
    if (header_.tools & kToolFrameIndex)
        packet.push_back((uint8_t)(inter_ ? frames_since_key_ + 1 : 0));
    RangeEncoder enc(packet);
    if (inter_) {
        estimate_and_align();
        encode_motion(enc, motion_);
    }
    if (background_ref_)
        encode_background_choice(enc, motion_);
    // Lossless: the source is the reconstruction, so every residual is known
    // once the motion is; the skip pricing, the fit and the batched coder read them.
    if (header_.kind == LMC_KIND_VIDEO)
        load_residuals();
    if (skip_blocks_) {
        find_skip_blocks(planes_, source_, skip_);
        if (skip_.fine)
            choose_skip_quarters();
        encode_skip_blocks(enc, skip_);
    }
    if (!inter_)
        inter_offsets_.clear();
    frame_offsets_ = inter_ ? inter_offsets_ : std::vector<int8_t>();
    if (adapt_ > 0 && header_.kind == LMC_KIND_VIDEO && choose_offsets()) {
        packet[kPacketFlagsAt] |= kPacketAdapted;
        put_offsets(enc, frame_offsets_);
    }
    runner_->set_bias_offsets(frame_offsets_);
    if (wavefront)
        code_wavefront<true>(&enc, nullptr);
    else
        encode_batched(enc);
    if (depth_ > 8)
        for (int p = 0; p < nplanes_; p++) {
            const LowBitsReference ref = low_bits_reference(p);
            encode_low_bits(enc, depth_, planes_[p].px.data(), low_[p].data(), planes_[p].w, planes_[p].h,
                            inter_ ? &ref : nullptr);
        }
    enc.finish();
    end_packet(packet);
    keep_reference();
    return !inter_;
}

// Samples in one frame of the stream, all planes.
static int64_t frame_samples(const StreamHeader &h)
{
    const int64_t luma = (int64_t)h.width * h.height;
    switch (h.pix_fmt) {
    case LMC_PIX_GRAY8: return luma;
    case LMC_PIX_YUV420P: return luma + 2 * (luma / 4);
    case LMC_PIX_YUV422P: return luma + 2 * (luma / 2);
    case LMC_PIX_YUVA420P: return 2 * luma + 2 * (luma / 4);
    case LMC_PIX_YUVA444P:
    case LMC_PIX_GBRAP: return 4 * luma;
    default: return 3 * luma;
    }
}

// Every symbol of an m-letter alphabet has frequency >= 1 of a total <= 2^16
// (freq_table.h), so none costs less than -log2(1 - (m - 1) / 2^16) bits: a
// keyframe, which codes every sample, needs at least this many bytes. Checked
// before anything is allocated for the frame, it keeps a header that claims
// 16384x4096 from costing more than its packets could ever decode.
static size_t min_keyframe_bytes(const StreamHeader &h)
{
    // lmc_gen codes bins of 2d + 1 residuals; at least 256 / (2d + 1) are reachable.
    const int m = h.kind == LMC_KIND_GEN ? std::max(2, 256 / (2 * h.max_error + 1)) : 256;
    const double bits = (double)frame_samples(h) * -std::log2(1.0 - (m - 1) / 65536.0);
    const double bytes = 0.9 * bits / 8 - 16; // margin for rounding in the coder
    return bytes > 0 ? (size_t)bytes : 0;
}

VideoPacket parse_video_packet(const StreamHeader &header, const uint8_t *data, size_t size)
{
    VideoPacket p;
    p.payload = open_packet(data, size, &p.payload_size, &p.flags);
    require_data((p.flags & ~(kPacketKeyframe | kPacketSkipBlocks | kPacketBackground | kPacketAdapted |
                              kPacketSubpel | kPacketSplit | kPacketCalibrated)) == 0,
                 "unknown packet flags (newer stream?)");
    require_data(!(p.flags & (kPacketAdapted | kPacketCalibrated)) || header.kind == LMC_KIND_VIDEO,
                 "adapted-network or calibration flag in a lossy stream (corrupt data)");
    p.keyframe = p.flags & kPacketKeyframe;
    if (p.keyframe && p.payload_size < min_keyframe_bytes(header))
        fail(LMC_ERR_INVALID_DATA, "keyframe of " + std::to_string(size) + " bytes cannot hold a " +
                                       std::to_string(header.width) + "x" + std::to_string(header.height) +
                                       " frame (at least " + std::to_string(min_keyframe_bytes(header)) +
                                       " bytes): corrupt packet or header");
    return p;
}

void VideoCodec::decode_frame(const uint8_t *data, size_t size)
{
    const VideoPacket packet = parse_video_packet(header_, data, size);
    const uint8_t flags = packet.flags, *payload = packet.payload;
    size_t payload_size = packet.payload_size;
    start_frame(!packet.keyframe);
    // Streams of liblmc 0.5 and before have no value calibration.
    calibrate_ = flags & kPacketCalibrated;
    // Streams of liblmc 0.2 have lossless inter frames without skip flags.
    skip_blocks_ = flags & kPacketSkipBlocks;
    background_ref_ = flags & kPacketBackground;
    motion_.subpel = flags & kPacketSubpel;
    motion_.split = flags & kPacketSplit;
    require_data(!(skip_blocks_ || background_ref_ || motion_.subpel || motion_.split) ||
                     (inter_ && header_.kind == LMC_KIND_VIDEO),
                 "skip-block, background, sub-sample or split flags outside a lossless inter frame (corrupt data)");
    require_data(!inter_ || inter_features_, "inter frame in a stream whose model codes keyframes only");
    if (inter_ && !have_reference_)
        fail(LMC_ERR_INVALID_DATA, "inter frame without its previous frame (stream starts mid-GOP, "
                                   "or an earlier frame failed): decoding resumes at the next keyframe");
    if (header_.tools & kToolFrameIndex) { // format.md 5: the frame's place in its GOP
        require_data(payload_size >= 1, "packet too short");
        const unsigned want = inter_ ? (unsigned)(frames_since_key_ + 1) & 255 : 0;
        if (payload[0] != want)
            fail(LMC_ERR_INVALID_DATA, "frame " + std::to_string(payload[0]) + " of its GOP follows frame " +
                                           std::to_string(frames_since_key_ & 255) +
                                           ": a packet is missing or out of order; decoding resumes at the next keyframe");
        payload++, payload_size--;
    }
    RangeDecoder dec(payload, payload_size);
    if (inter_) {
        decode_motion(dec, motion_);
        if (background_ref_) {
            decode_background_choice(dec, motion_);
            make_background_frames();
        }
        align_reference();
    }
    if (skip_blocks_)
        decode_skip_blocks(dec, skip_);
    require_data(!dec.overrun(), "packet ends inside its motion or skip data (corrupt data)");
    if (!inter_)
        inter_offsets_.clear();
    frame_offsets_ = inter_ ? inter_offsets_ : std::vector<int8_t>();
    if (flags & kPacketAdapted) {
        frame_offsets_ = get_offsets(dec, runner_->hidden_units());
        if (inter_)
            inter_offsets_ = frame_offsets_;
    }
    runner_->set_bias_offsets(frame_offsets_);
    code_wavefront<false>(nullptr, &dec);
    if (depth_ > 8)
        for (int p = 0; p < nplanes_; p++) {
            const LowBitsReference ref = low_bits_reference(p);
            decode_low_bits(dec, depth_, planes_[p].px.data(), low_[p].data(), planes_[p].w, planes_[p].h,
                            inter_ ? &ref : nullptr);
        }
    // The encoder wrote exactly what was read: anything else is a packet of
    // other content (another codec's, or cut from a larger frame).
    require_data(dec.consumed_exactly(), "packet holds more data than its frame (corrupt data, or a packet "
                                         "of another stream)");
}

void VideoCodec::decode(const uint8_t *data, size_t size, uint8_t *const planes[], const int strides[])
{
    try {
        decode_frame(data, size);
    } catch (...) {
        have_reference_ = false; // later inter frames would decode garbage
        throw;
    }
    keep_reference();
    const int k = depth_ - 8;
    for (int p = 0; p < nplanes_; p++) {
        const PlaneState &s = planes_[p];
        for (int y = 0; y < s.h; y++) {
            if (!k) {
                memcpy(planes[p] + (ptrdiff_t)y * strides[p], &s.px[(size_t)y * s.w], s.w);
                continue;
            }
            uint16_t *row = (uint16_t *)(planes[p] + (ptrdiff_t)y * strides[p]);
            for (int x = 0; x < s.w; x++)
                row[x] = (uint16_t)(s.px[(size_t)y * s.w + x] << k | low_[p][(size_t)y * s.w + x]);
        }
    }
}

void VideoCodec::reset_reference() { have_reference_ = false; }

size_t VideoCodec::background_blocks() const
{
    size_t n = 0;
    for (uint8_t b : motion_.background)
        n += b;
    return n;
}

template void VideoCodec::code_wavefront<true>(RangeEncoder *, RangeDecoder *);
template void VideoCodec::code_wavefront<false>(RangeEncoder *, RangeDecoder *);

} // namespace lmc
