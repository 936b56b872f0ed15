// The wavefront (docs/format.md 6: the samples with x + 2y = t form step t):
// each step's samples go through the network in one batch;
// the decoder's only schedule, and the encoder's for lmc_gen (whose
// reconstruction feeds the next samples' inputs).
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
    // Samples per part: below that a thread hand-off costs more than it saves.
    // With the SIMD kernel a sample takes well under a microsecond before the
    // in-order part, so only the widest steps (1080p and up) split: at 32, two
    // threads decoded CIF and 720p 8-10% slower than one (2-core CPU).
    constexpr int kMinPart = 512;

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
                int sym = kEncode ? (uint8_t)(source_[q.p][at] - q.P) : decode_symbol(*dec, c, kVideoSymbols, ctotal);
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
                    encode_symbol(*enc, bins, coded_total, j);
                } else {
                    j = decode_symbol(*dec, bins, nb, coded_total);
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

template void VideoCodec::code_wavefront<true>(RangeEncoder *, RangeDecoder *);
template void VideoCodec::code_wavefront<false>(RangeEncoder *, RangeDecoder *);

} // namespace lmc
