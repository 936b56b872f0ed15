// The integer convolutional models of model files of version 2: lmc_gen's
// learned model (docs/format.md section 10: per coder four networks and the
// entropy tables their latents are coded with; an intra coder, and with
// feature set 2 an inter-frame one, 10.3) and lmc_restore's (section 11:
// one network). Plain data, checked when
// parsed, so that every machine that accepts a file computes the same
// integers with it (the row bound below keeps float32 GEMMs exact).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lmc {

class ByteReader;

// One op of a network. conv: k x k, zero padding, stride 1; per output
// channel out = clamp(floor((sum W x + bias) / 2^shift), lo, hi).
// s2d: 2x2 space-to-depth (channel 4c + 2i + j holds (2y + i, 2x + j) of c);
// d2s: its inverse.
struct ConvOp {
    enum Type : uint32_t { kConv = 1, kSpaceToDepth = 2, kDepthToSpace = 3 };
    Type type = kConv;
    int in = 0, out = 0, k = 0;
    std::vector<int8_t> weight; // [out][in][k][k]
    std::vector<int32_t> bias, shift, lo, hi; // [out]
};

struct ConvNet {
    int in = 0, out = 0;
    int scale_log2 = 0; // s2d count less d2s count: output size = input size / 2^scale_log2
    std::vector<ConvOp> ops;
};

// A frequency table over the symbols -T..T and an escape (the last entry):
// every frequency >= 1, total <= 2^16.
struct LatentTable {
    int T = 0;
    std::vector<uint32_t> freq;
    uint32_t total = 0;
};

// One coder of a gen model: intra (g_a takes the frame's 6 planes, g_s gives
// the frame) or inter (g_a takes the frame's and its prediction's 12 planes,
// g_s gives a correction of the prediction in [-255, 255]).
struct GenCoderModel {
    static constexpr int kScales = 81;   // scale index range [0, 80]
    static constexpr int kMaxQuantiser = 32;
    static constexpr int kMaxExponent = 64;
    static constexpr int kEscapeBits = 8;
    int y_channels = 0, z_channels = 0;
    // The step exponent e of latent channel c at quantiser k: [k][c], each in
    // [0, 64]; the channel's step is q_e = Q256[e] / 256 = 2^(e/8).
    std::vector<uint8_t> exponents;
    int exponent(int k, int c) const { return exponents[(size_t)k * y_channels + c]; }
    ConvNet g_a, h_a, h_s, g_s;          // analysis, hyper-analysis, hyper-synthesis, synthesis
    std::vector<LatentTable> y_tables;   // [kScales]
    std::vector<LatentTable> z_tables;   // [z_channels]
};

// A gen model file: the intra coder, and with feature set 2 the inter one.
struct GenModel {
    GenCoderModel intra;
    std::shared_ptr<const GenCoderModel> inter; // null: every frame intra
};

// q_e in 1/256: round(256 * 2^(e/8)), e in [0, 64] (format.md 10.1).
int gen_step_q256(int e);

// Parses one coder of a version-2 model file of kind gen (the intra one
// follows the name, the inter one the intra's tables); throws
// LMC_ERR_MODEL_INVALID naming path and the fault.
GenCoderModel parse_gen_coder(ByteReader &r, const std::string &path, bool inter);

// The lmc_restore filter's model (format.md section 11): one network from
// 12 half-resolution planes (the frame to restore, then the filter's
// previous output, as half_planes.h packs them) to a correction of the
// frame's 6 planes at the same resolution.
struct RestoreModel {
    static constexpr int kInputs = 12, kOutputs = 6;
    ConvNet net;
    int align = 2; // frames are padded to multiples of this: 2 << (the deepest space-to-depth nesting)
};

// Parses the body of a version-2 model file of kind restore (after the name).
RestoreModel parse_restore_model(ByteReader &r, const std::string &path);

} // namespace lmc
