// The integer MLP (docs/format.md section 1) as a SIMD kernel for the CPU:
// weights packed once as int16 pairs, four samples at a time, every product
// and sum exact in int32 (|partial sums| < 2^24 by the format's bound), so
// the logits equal ModelRunner::run_integer's, the plain C++ reference the
// unit tests compare it with (as dav1d's checkasm does). Two versions, picked
// at run time: AVX2 (vpmaddwd on int16 pairs, 8 outputs a vector) and AVX-512
// VNNI (vpdpbusd on unsigned 8-bit quads times int8 weights, 16 outputs a
// vector, four multiply-adds a lane fused: the first layer's signed inputs go
// in offset by 128, which its biases take back); on a CPU with neither,
// best() is kNone and the runner keeps its other paths.
#pragma once

#include <cstdint>
#include <vector>

#include "model_file.h"

namespace lmc {

class IntMlpKernel {
public:
    enum Isa { kNone, kAvx2, kAvx512Vnni };
    // The widest version this CPU runs.
    static Isa best();
    static const char *name(Isa isa);

    // bias: per layer, the biases in use (the model's, or adapted ones).
    IntMlpKernel(const Model &model, const std::vector<std::vector<int32_t>> &bias, Isa isa = best());
    void set_bias(const std::vector<std::vector<int32_t>> &bias);
    Isa isa() const { return isa_; }

    // in: batch x inputs integer-valued floats, which the format keeps in
    // [-127, 127]; a sample with an input outside what the version takes
    // ([-32767, 32767] on AVX2, [-128, 127] on VNNI) is left to the caller's
    // reference path: ok[i] = 0.
    // out: batch x outputs logits.
    void run(const float *in, int batch, int32_t *logits, uint8_t *ok) const;

private:
    struct Layer {
        int in = 0, out = 0, pairs = 0, quads = 0, out_pad = 0, shift = 0;
        bool hidden = false;
        std::vector<int16_t> w;    // AVX2: [pairs][out_pad][2], W[n][2p + j]; out_pad % 16 == 0
        std::vector<int8_t> w8;    // VNNI: [quads][out_pad][4], W[n][4q + j]
        std::vector<int32_t> bias; // [out_pad]; VNNI's first layer: less 128 * sum_k W[n][k]
    };
    void run_avx2(const float *in, int batch, int32_t *logits, uint8_t *ok) const;
    void run_vnni(const float *in, int batch, int32_t *logits, uint8_t *ok) const;
    Isa isa_;
    std::vector<Layer> layers_;
    int inputs_ = 0, outputs_ = 0, widest_pairs_ = 0, widest_quads_ = 0, widest_out_ = 0;
};

} // namespace lmc
