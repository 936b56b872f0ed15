// Background reference (docs/format.md section 7.3): besides the previous
// frame, inter blocks of lossless frames may take their aligned reference
// from a running average of the decoded frames since the keyframe. Averaging
// removes sensor noise that the previous frame carries: on the ViSP camera
// sequences of the test split (cube, 24 frames) the file got 5.1% smaller.
// Decoded video of lossy origin keeps exact copies of its previous frame
// and keeps choosing that one.
#pragma once

#include <cstdint>
#include <vector>

#include "motion.h"
#include "video_context.h"

namespace lmc {

class RangeEncoder;
class RangeDecoder;

// The running average, with 4 fractional bits, of every plane.
struct Background {
    std::vector<uint16_t> acc[kMaxPlanes];

    // After a keyframe: B = 16 X. After an inter frame: B = (3 B + 16 X + 2) >> 2.
    void keep(const PlaneState *planes, int nplanes, bool keyframe);
    // The reference plane (B + 8) >> 4; empty before the first keyframe.
    void frame(int plane, std::vector<uint8_t> &out) const;
};

// Encoder (not normative): a non-intra block takes the background when its
// luma SAD against the aligned background is below that against the aligned
// previous frame; an intra block becomes an inter block on the background
// (vector 0) when that SAD is below its sum of |MED residual| (intra_res):
// a still, noisy scene, where the previous frame's noise made MED cheaper.
void choose_background_blocks(const uint8_t *src, const uint8_t *aligned_prev, const uint8_t *aligned_bg,
                              const int16_t *intra_res, int w, int h, MotionField &mf);

// One flag per non-intra block after the motion vectors, adaptive binary
// tables chosen by the flags of the left and upper blocks.
void encode_background_choice(RangeEncoder &enc, const MotionField &mf);
void decode_background_choice(RangeDecoder &dec, MotionField &mf);

} // namespace lmc
