// The integer MLP (docs/format.md section 1) as a SIMD kernel for the CPU:
// weights packed once as int16 pairs, four samples at a time, every product
// and sum exact in int32 (|partial sums| < 2^24 by the format's bound), so
// the logits equal ModelRunner::run_integer's, the plain C++ reference the
// unit tests compare it with (as dav1d's checkasm does). Two versions, picked
// at run time: AVX2 (vpmaddwd, 8 outputs a vector) and AVX-512 VNNI
// (vpdpwssd, 16 outputs a vector, multiply and add fused); on a CPU with
// neither, best() is kNone and the runner keeps its other paths.
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

    // in: batch x inputs integer-valued floats in [-32767, 32767] (the format
    // says [-127, 127]); samples outside are computed by the caller's reference
    // path, so the result is returned false for them: ok[i] = 0.
    // out: batch x outputs logits.
    void run(const float *in, int batch, int32_t *logits, uint8_t *ok) const;

private:
    struct Layer {
        int in = 0, out = 0, pairs = 0, out_pad = 0, shift = 0;
        bool hidden = false;
        std::vector<int16_t> w;   // [pairs][out_pad][2]: W[n][2p], W[n][2p + 1]; out_pad % 16 == 0
        std::vector<int32_t> bias; // [out_pad]
    };
    Isa isa_;
    std::vector<Layer> layers_;
    int inputs_ = 0, outputs_ = 0, widest_pairs_ = 0, widest_out_ = 0;
};

} // namespace lmc
