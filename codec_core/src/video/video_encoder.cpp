// lmc_video's encoder: the per-frame decisions (frame adaptation, fine skip
// blocks) and the batched encode, which codes a whole frame's samples from
// the source in large model calls.
#include "video_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <future>
#include <optional>

#include "errors.h"
#include "freq_table.h"
#include "low_bits.h"
#include "packet.h"
#include "motion.h"
#include "range_coder.h"
#include "video_schedule.h"
#include "video_symbols.h"

namespace lmc {

// Rows per model call in the batched encoder: bounds memory (16k x 256 logits).
constexpr int kEncodeChunk = 2048;

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
    if (subtract_green_) // format.md 7.10
        for (int p = 1; p <= 2; p++)
            for (size_t i = 0; i < source_[p].size(); i++)
                source_[p][i] = (uint8_t)(source_[p][i] - source_[0][i] + 128);
}

// Codes one tile (the frame, untiled) and returns its coded sample count.
size_t VideoCodec::encode_batched(int tile, RangeEncoder &enc, bool pipelined)
{
    // Lossless: the context comes from the source, known in full, so the
    // residual planes are there already (encode_frame) and the model runs in
    // big batches.
    const MotionField *mf = inter_ ? &motion_ : nullptr;
    AdaptiveMixer *mixer = adaptive_ ? &mixers_[tile] : nullptr;
    const int steps = tile_steps(tile);

    // Sample positions in coding order, packed as plane << 28 | y << 14 | x.
    std::vector<uint32_t> order;
    order.reserve((size_t)tile_rect(tile, 0).w() * tile_rect(tile, 0).h() * nplanes_);
    for (int t = 0; t < steps; t++)
        for (int p = 0; p < nplanes_; p++) {
            const TileRect &r = tile_rect(tile, p);
            for_each_on_step(t - p, r.w(), r.h(), [&](int ty, int tx) {
                const int x = r.x0 + tx, y = r.y0 + ty;
                if (!(skip_blocks_ && skip_.skipped(p, x, y)))
                    order.push_back((uint32_t)p << 28 | (uint32_t)y << 14 | (uint32_t)x);
            });
        }

    // Chunks of samples: inputs and network outputs for one chunk are
    // computed (on a second thread when pipelined) while the previous chunk
    // is range coded; tables, the adaptive stage and the coder stay in order
    // (each sample's tables made where they are used, as in the decoder).
    struct Chunk {
        size_t first = 0;
        int n = 0;
        std::vector<float> inputs;
        std::vector<int32_t> logits;
        std::vector<uint8_t> symbols;
        std::vector<int> contexts;
    };
    auto compute = [this, &order, mf, tile](Chunk &c) {
        c.inputs.resize((size_t)kEncodeChunk * ninputs_);
        c.logits.resize((size_t)kEncodeChunk * kVideoSymbols);
        c.symbols.resize(kEncodeChunk);
        c.contexts.resize(kEncodeChunk);
        for (int i = 0; i < c.n; i++) {
            uint32_t o = order[c.first + i];
            int p = o >> 28, y = (o >> 14) & 0x3fff, x = o & 0x3fff;
            float *in = &c.inputs[(size_t)i * ninputs_];
            int P = video_context(planes_, p, tile_rect(tile, p), x, y, ninputs_, mf, in);
            c.symbols[i] = (uint8_t)(planes_[p].px[(size_t)y * planes_[p].w + x] - P);
            c.contexts[i] = adaptive_ ? AdaptiveMixer::context(in, keyframe_contexts()) : 0;
        }
        runner_->run(c.inputs.data(), c.n, c.logits.data());
    };
    uint32_t g[kVideoSymbols], f[kVideoSymbols], cal[kVideoSymbols];
    auto record = [&](uint32_t o, const uint32_t *t, uint32_t total, int sym) {
        const int p = o >> 28, y = (o >> 14) & 0x3fff, x = o & 0x3fff;
        bits_[p][(size_t)y * planes_[p].w + x] = (float)-std::log2((double)t[sym] / total);
    };
    auto code = [&](const Chunk &c) {
        for (int i = 0; i < c.n; i++) {
            const uint32_t gtotal = logits_to_freqs(&c.logits[(size_t)i * kVideoSymbols], kVideoSymbols, g);
            int sym = c.symbols[i];
            const uint32_t *t = g;
            uint32_t total = gtotal;
            if (mixer) {
                total = mixer->mix(c.contexts[i], g, gtotal, f);
                t = f;
            }
            if (!calibrate_) {
                encode_symbol(enc, t, total, sym);
                if (record_bits_)
                    record(order[c.first + i], t, total, sym);
            } else { // the value calibration (7.7) reweights what the stages before it give
                uint32_t o = order[c.first + i];
                int p = o >> 28, y = (o >> 14) & 0x3fff, x = o & 0x3fff;
                int value = planes_[p].px[(size_t)y * planes_[p].w + x], P = (uint8_t)(value - sym);
                ValueCalibration &calibration = calibration_[(size_t)tile * kMaxPlanes + p];
                if (calibration.active()) {
                    const uint32_t ctotal = calibration.apply(t, P, cal);
                    encode_symbol(enc, cal, ctotal, sym);
                    if (record_bits_)
                        record(o, cal, ctotal, sym);
                } else {
                    encode_symbol(enc, t, total, sym);
                    if (record_bits_)
                        record(o, t, total, sym);
                }
                calibration.update(t, P, value);
            }
            if (mixer)
                mixer->update(c.contexts[i], sym, g, gtotal);
        }
    };
    const size_t nchunks = (order.size() + kEncodeChunk - 1) / kEncodeChunk;
    thread_local Chunk chunk[2]; // kept: 2 MB of logits a chunk, page faults if made per call
    auto prepare = [&](size_t k) -> Chunk & {
        Chunk &c = chunk[k % 2];
        c.first = k * kEncodeChunk;
        c.n = (int)std::min<size_t>(kEncodeChunk, order.size() - c.first);
        return c;
    };
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
    return order.size();
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
                const TileRect &r = tile_rect(tiles_.tile_at(x << planes_[p].sx, y << planes_[p].sy), p);
                int P = video_context(planes_, p, r, x, y, ninputs_, mf, &s.inputs[(size_t)s.n * ninputs_]);
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
        fit = fit_bias_offsets(*runner_, sample, current, kInterSteps, pool_.get());
    else
        fit = last_key_offsets_ = fit_bias_offsets(*runner_, sample, last_key_offsets_,
                                                   last_key_offsets_.empty() ? kKeySteps : kKeyWarmSteps, pool_.get());
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
        std::vector<int> contexts, tiles;
        for (size_t k = 0; k < cand.size(); k += step) {
            const int qx = (int)(cand[k] % q.nx), qy = (int)(cand[k] / q.nx);
            for (int y = qy * q.bh; y < std::min((qy + 1) * q.bh, s.h); y++)
                for (int x = qx * q.bw; x < std::min((qx + 1) * q.bw, s.w); x++) {
                    const int tile = tiles_.tile_at(x << s.sx, y << s.sy);
                    inputs.resize(inputs.size() + ninputs_);
                    int P = video_context(planes_, p, tile_rect(tile, p), x, y, ninputs_, mf,
                                          &inputs[inputs.size() - ninputs_]);
                    symbols.push_back((uint8_t)(s.px[(size_t)y * s.w + x] - P));
                    contexts.push_back(adaptive_ ? AdaptiveMixer::context(&inputs[inputs.size() - ninputs_], keyframe_contexts()) : 0);
                    tiles.push_back(tile);
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
                    total = mixers_[tiles[first + i]].mix(contexts[first + i], g.data(), total, f.data());
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
    if (record_bits_)
        for (int p = 0; p < nplanes_; p++)
            bits_[p].assign((size_t)planes_[p].w * planes_[p].h, 0.0f);
    start_frame(!keyframe && inter_features_ && refs_.held());
    begin_packet(packet, (!inter_ ? kPacketKeyframe
                                  : (skip_blocks_ ? kPacketSkipBlocks : 0) | (background_ref_ ? kPacketBackground : 0) |
                                        (motion_.subpel ? kPacketSubpel : 0) | (motion_.split ? kPacketSplit : 0)) |
                             (calibrate_ ? kPacketCalibrated : 0));
    if (header_.tools & kToolFrameIndex)
        packet.push_back((uint8_t)(inter_ ? frames_since_key_ + 1 : 0));
    ref_distance_ = 1;
    if (inter_ && (header_.tools & kToolOlderReferences)) { // format.md 7.9
        ref_distance_ = choose_reference(refs_, ref_limit_, source_[0].data(), planes_[0].w, planes_[0].h);
        packet.push_back((uint8_t)ref_distance_);
    }
    // Tiled streams (format.md 5, 6.1): the frame's own data, one substream
    // per tile, then the low bits of deep samples; else one stream for all.
    const bool tiled = header_.tools & kToolTiles;
    const int ntiles = tiles_.count();
    std::vector<std::vector<uint8_t>> sub(tiled ? 1 + ntiles + (depth_ > 8) : 0);
    RangeEncoder enc(tiled ? sub[0] : packet);
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
    std::vector<RangeEncoder> tile_encoders;
    std::vector<RangeEncoder *> tile_enc(ntiles, &enc);
    if (tiled) {
        enc.finish();
        tile_encoders.reserve(ntiles);
        for (int k = 0; k < ntiles; k++) {
            tile_encoders.emplace_back(sub[1 + k]);
            tile_enc[k] = &tile_encoders[k];
        }
    }
    if (wavefront) {
        code_wavefront<true>(tile_enc.data(), nullptr);
    } else if (!tiled) {
        coded_samples_ = encode_batched(0, enc, runner_->threads() > 1 && !runner_->on_cuda());
    } else { // each thread takes the next tile
        std::vector<size_t> coded(ntiles);
        pool_->for_each(ntiles, [&](int k) { coded[k] = encode_batched(k, *tile_enc[k], false); });
        coded_samples_ = 0;
        for (size_t n : coded)
            coded_samples_ += n;
    }
    for (RangeEncoder &e : tile_encoders)
        e.finish();
    std::optional<RangeEncoder> own_low;
    if (tiled && depth_ > 8)
        own_low.emplace(sub.back());
    RangeEncoder &low = own_low ? *own_low : enc;
    if (depth_ > 8)
        for (int p = 0; p < nplanes_; p++) {
            const LowBitsReference ref = low_bits_reference(p);
            encode_low_bits(low, depth_, planes_[p].px.data(), low_[p].data(), planes_[p].w, planes_[p].h,
                            inter_ ? &ref : nullptr);
        }
    if (tiled) {
        if (own_low)
            own_low->finish();
        put_substreams(packet, sub);
    } else {
        enc.finish();
    }
    end_packet(packet);
    keep_reference();
    return !inter_;
}

} // namespace lmc
