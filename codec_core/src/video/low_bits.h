// Samples of 9 to 16 bits (docs/format.md 7.8). The network codes the top 8
// bits of every sample as an 8-bit frame (all of sections 6 and 7 apply to
// it unchanged); the k = depth - 8 bits below follow, plane by plane in
// raster order: each is coded as its difference (mod 2^k) from the full-depth
// MED prediction moved into the range its top bits (known by then) allow,
// with an adaptive table chosen by where the prediction fell and by the local
// activity. In the inter blocks of an inter frame the prediction is the
// previous frame's full-depth sample at the block's whole-sample vector.
// Encoder and decoder make the same tables.
#pragma once

#include <cstdint>

#include "motion.h"

namespace lmc {

class RangeEncoder;
class RangeDecoder;

// The previous frame of one plane, for the inter blocks of an inter frame.
struct LowBitsReference {
    const uint8_t *high = nullptr;
    const uint16_t *low = nullptr;
    const MotionField *mf = nullptr;
    int sx = 0, sy = 0; // the plane's subsampling against luma (log2)
};

// One plane of a frame: high (w * h top-8-bit samples, known in full) and
// low (the low bits; read by the encoder, written by the decoder); ref is
// null in keyframes.
void encode_low_bits(RangeEncoder &enc, int depth, const uint8_t *high, const uint16_t *low, int w, int h,
                     const LowBitsReference *ref);
void decode_low_bits(RangeDecoder &dec, int depth, const uint8_t *high, uint16_t *low, int w, int h,
                     const LowBitsReference *ref);

} // namespace lmc
