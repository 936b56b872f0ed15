// The wavefront (docs/format.md 6: the samples with x + 2y = t of a tile form
// its step t): each step's samples go through the network in one batch;
// the decoder's only schedule, and the encoder's for lmc_gen (whose
// reconstruction feeds the next samples' inputs).
//
// Tiles (6.1) share nothing within a frame, so on the CPU every thread walks
// whole tiles, one after another, without waiting for the others; on a GPU
// the tiles go in lockstep, step t of every tile in one network call.
#include "video_codec.h"

#include <algorithm>

#include "errors.h"
#include "freq_table.h"
#include "low_bits.h"
#include "motion.h"
#include "range_coder.h"
#include "video_schedule.h"
#include "video_symbols.h"

namespace lmc {

int VideoCodec::tile_steps(int tile) const
{
    int w[kMaxPlanes], h[kMaxPlanes];
    for (int p = 0; p < nplanes_; p++)
        w[p] = tile_rect(tile, p).w(), h[p] = tile_rect(tile, p).h();
    return schedule_steps(w, h, nplanes_);
}

// Lists the samples of step t of a tile that go through the model, in
// symbol order; samples of skip blocks are copies of the aligned frame and
// are set here.
int VideoCodec::step_samples(int tile, int t, StepSample *out)
{
    const MotionField *mf = inter_ ? &motion_ : nullptr;
    int n = 0;
    for (int p = 0; p < nplanes_; p++) {
        const TileRect &r = tile_rect(tile, p);
        PlaneState &s = planes_[p];
        for_each_on_step(t - p, r.w(), r.h(), [&](int ty, int tx) {
            const int x = r.x0 + tx, y = r.y0 + ty;
            if (skip_blocks_ && skip_.skipped(p, x, y)) {
                size_t at = (size_t)y * s.w + x;
                s.px[at] = s.aligned[at];
                s.res[at] = (int16_t)(s.px[at] - base_prediction(s, r, mf, x, y));
                return;
            }
            out[n++] = {tile, p, x, y, 0, 0};
        });
    }
    return n;
}

void VideoCodec::step_inputs(StepSample *s, int n, float *inputs) const
{
    const MotionField *mf = inter_ ? &motion_ : nullptr;
    for (int i = 0; i < n; i++) {
        StepSample &q = s[i];
        float *in = &inputs[(size_t)i * ninputs_];
        q.P = video_context(planes_, q.p, tile_rect(q.tile, q.p), q.x, q.y, ninputs_, mf, in);
        q.ctx = adaptive_ ? AdaptiveMixer::context(in, keyframe_contexts()) : 0;
    }
}

// The in-order part of a step of one tile: the frequency table from the
// network's logits (or, on CUDA, from the table indices the device made of
// them), mixing, calibration, coding. Each sample's tables are made and used
// at once, so they stay in the L1 cache (a pass making the whole step's
// tables first moved 1 KB a sample through L2 and back).
template <bool kEncode>
void VideoCodec::step_code(const StepSample *s, int n, const int32_t *logits, const uint8_t *indices,
                           RangeEncoder *enc, RangeDecoder *dec)
{
    const int d = header_.kind == LMC_KIND_GEN ? header_.max_error : 0;
    uint32_t g[kVideoSymbols], f[kVideoSymbols], cal[kVideoSymbols], bins[kVideoSymbols];
    for (int i = 0; i < n; i++) {
        const StepSample &q = s[i];
        PlaneState &ps = planes_[q.p];
        AdaptiveMixer *mixer = adaptive_ ? &mixers_[q.tile] : nullptr;
        size_t at = (size_t)q.y * ps.w + q.x;
        const uint32_t total = indices ? indices_to_freqs(&indices[(size_t)i * kVideoSymbols], kVideoSymbols, g)
                                       : logits_to_freqs(&logits[(size_t)i * kVideoSymbols], kVideoSymbols, g);
        int value;
        if (d == 0) {
            const uint32_t *t = g;
            uint32_t coded_total = total;
            if (mixer) {
                coded_total = mixer->mix(q.ctx, g, total, f);
                t = f;
            }
            // The value calibration (7.7) reweights what the stages before it give.
            ValueCalibration &calibration = calibration_[(size_t)q.tile * kMaxPlanes + q.p];
            const uint32_t *c = t;
            uint32_t ctotal = coded_total;
            if (calibrate_ && calibration.active()) {
                ctotal = calibration.apply(t, q.P, cal);
                c = cal;
            }
            int sym = kEncode ? (uint8_t)(source_[q.p][at] - q.P) : decode_symbol(*dec, c, kVideoSymbols, ctotal);
            if (kEncode)
                encode_symbol(*enc, c, ctotal, sym);
            value = (uint8_t)(q.P + sym);
            if (calibrate_)
                calibration.update(t, q.P, value);
            if (mixer)
                mixer->update(q.ctx, sym, g, total);
        } else {
            int qmin, j;
            uint32_t coded_total = total;
            if (mixer)
                coded_total = mixer->mix(q.ctx, g, total, f);
            int nb = gen_bins(mixer ? f : g, q.P, d, bins, &qmin);
            if (kEncode) {
                j = quantise(source_[q.p][at] - q.P, d) - qmin;
                encode_symbol(*enc, bins, coded_total, j);
            } else {
                j = decode_symbol(*dec, bins, nb, coded_total);
            }
            value = std::clamp(q.P + (qmin + j) * (2 * d + 1), 0, 255);
            if (mixer) // counts of the reconstructed residual
                mixer->update(q.ctx, (value - q.P) & 255, g, total);
        }
        ps.px[at] = (uint8_t)value;
        ps.res[at] = (int16_t)(value - q.P);
    }
}

// Bounded work per byte: a packet that claims more symbols than its bytes
// can code fails here, one step after its data ran out.
static void check_data(const RangeDecoder *dec)
{
    if (dec)
        require_data(!dec->overrun(), "packet ends before its last sample (corrupt data)");
}

// One tile from start to end on the calling thread.
template <bool kEncode>
void VideoCodec::code_tile(int tile, RangeEncoder *enc, RangeDecoder *dec)
{
    size_t widest = 0;
    for (int p = 0; p < nplanes_; p++)
        widest += (size_t)tile_rect(tile, p).h();
    // Per thread and kept: buffers of this size (300 KB of logits for a CIF
    // tile) come from mmap, and making them per tile cost page faults and
    // TLB flushes worth 10% of a decode.
    thread_local struct {
        std::vector<StepSample> s;
        std::vector<float> inputs;
        std::vector<int32_t> logits;
    } b;
    b.s.resize(widest);
    b.inputs.resize(widest * ninputs_);
    b.logits.resize(widest * kVideoSymbols);
    const int steps = tile_steps(tile);
    for (int t = 0; t < steps; t++) {
        const int n = step_samples(tile, t, b.s.data());
        step_inputs(b.s.data(), n, b.inputs.data());
        runner_->run(b.inputs.data(), n, b.logits.data());
        step_code<kEncode>(b.s.data(), n, b.logits.data(), nullptr, enc, dec);
        check_data(dec);
    }
}

template <bool kEncode>
void VideoCodec::code_wavefront(RangeEncoder *const *enc, RangeDecoder *const *dec)
{
    const int ntiles = tiles_.count();
    // The CPU with several tiles: each thread takes the next tile, the
    // tiles with the most samples to code (those outside skip blocks) first,
    // so that no thread is left with a large one at the end of the frame.
    if (ntiles > 1 && !runner_->on_cuda()) {
        std::vector<std::pair<size_t, int>> work(ntiles); // (coded samples, tile)
        coded_samples_ = 0;
        for (int k = 0; k < ntiles; k++) {
            size_t n = 0;
            for (int p = 0; p < nplanes_; p++) {
                const TileRect &r = tile_rect(k, p);
                for (int y = r.y0; y < r.y1; y++)
                    for (int x = r.x0; x < r.x1; x++)
                        n += !(skip_blocks_ && skip_.skipped(p, x, y));
            }
            work[k] = {n, k};
            coded_samples_ += n;
        }
        std::sort(work.begin(), work.end(), [](auto &a, auto &b) { return a.first > b.first; });
        pool_->for_each(ntiles, [&](int i) {
            const int k = work[i].second;
            code_tile<kEncode>(k, kEncode ? enc[k] : nullptr, kEncode ? nullptr : dec[k]);
        });
        return;
    }
    // Lockstep: step t of every tile in one batch (a GPU call, or parts of
    // one step on the CPU's threads in an untiled stream).
    size_t widest = 0;
    int steps = 0;
    for (int k = 0; k < ntiles; k++) {
        for (int p = 0; p < nplanes_; p++)
            widest += (size_t)tile_rect(k, p).h();
        steps = std::max(steps, tile_steps(k));
    }
    std::vector<StepSample> s(widest);
    std::vector<int> first(ntiles + 1);
    const bool cuda = runner_->on_cuda();
    inputs_.resize(widest * ninputs_);
    logits_.resize(cuda ? 0 : widest * kVideoSymbols);
    indices_.resize(cuda ? widest * kVideoSymbols : 0);

    // Per step, the inputs and the network are independent from sample to
    // sample: they run in parallel parts; tables, mixing and coding then go
    // in order within each tile.
    auto inputs = [&](int begin, int end) { step_inputs(&s[begin], end - begin, &inputs_[(size_t)begin * ninputs_]); };
    auto cpu_part = [&](int begin, int end) {
        inputs(begin, end);
        runner_->run(&inputs_[(size_t)begin * ninputs_], end - begin, &logits_[(size_t)begin * kVideoSymbols]);
    };
    auto code = [&](int k) {
        const int b = first[k];
        const size_t at = (size_t)b * kVideoSymbols;
        step_code<kEncode>(&s[b], first[k + 1] - b, cuda ? nullptr : &logits_[at], cuda ? &indices_[at] : nullptr,
                           kEncode ? enc[k] : nullptr, kEncode ? nullptr : dec[k]);
    };
    // Samples per part: below that a thread hand-off costs more than it saves.
    // With the SIMD kernel a sample takes well under a microsecond before the
    // in-order part, so only the widest steps (1080p and up) split: at 32, two
    // threads decoded CIF and 720p 8-10% slower than one (2-core CPU).
    constexpr int kMinPart = 512;

    coded_samples_ = 0;
    for (int t = 0; t < steps; t++) {
        int n = 0;
        for (int k = 0; k < ntiles; k++) {
            first[k] = n;
            n += step_samples(k, t, &s[n]);
        }
        first[ntiles] = n;
        if (cuda) {
            pool_->run(n, kMinPart, inputs);
            runner_->run_indices(inputs_.data(), n, indices_.data());
        } else {
            pool_->run(n, kMinPart, cpu_part);
        }
        coded_samples_ += n;
        if (ntiles > 1)
            pool_->for_each(ntiles, code);
        else
            code(0);
        for (int k = 0; k < ntiles && !kEncode; k++)
            check_data(dec[k]);
    }
}

template void VideoCodec::code_wavefront<true>(RangeEncoder *const *, RangeDecoder *const *);
template void VideoCodec::code_wavefront<false>(RangeEncoder *const *, RangeDecoder *const *);

} // namespace lmc
