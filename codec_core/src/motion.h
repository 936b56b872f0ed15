// Block motion for inter frames (docs/format.md section 7): the encoder
// estimates one integer vector per 16x16 luma block against the previous
// decoded frame and sends it; both sides then build the motion-aligned
// reference planes that the model sees as context.
#pragma once

#include <cstdint>
#include <vector>

namespace lmc {

class RangeEncoder;
class RangeDecoder;

constexpr int kMotionBlock = 16;
constexpr int kMotionRange = 16; // vectors in [-16, 16] luma samples

struct MotionField {
    int bw = 0, bh = 0;          // blocks across / down (ceil of luma size / 16)
    std::vector<int8_t> mvx, mvy; // per block, luma samples
    std::vector<uint8_t> intra;   // 1: block coded from the current frame only
    std::vector<uint8_t> background; // 1: block aligned from the background reference

    void resize(int luma_w, int luma_h);
};

// Full search over [-16, 16]^2 on the luma plane, cost SAD + 2(|dx| + |dy|),
// first minimum in raster order of (dy, dx); a block whose MED residual is
// cheaper than its best match (sum of abs(intra_res), the MED residual of
// the current luma) is marked intra (vector 0).
void estimate_motion(const uint8_t *cur, const uint8_t *ref, const int16_t *intra_res, int w, int h,
                     MotionField &mf);

// The vectors go at the start of the frame's range-coded payload, block by
// block in raster order, with adaptive frequency counts.
void encode_motion(RangeEncoder &enc, const MotionField &mf);
void decode_motion(RangeDecoder &dec, MotionField &mf);

// aligned[y][x] = ref[clamp(y + vy)][clamp(x + vx)] with the vector of the
// block holding (x, y); chroma planes (subsampling sx, sy) use the luma
// vector shifted right by sx / sy.
// background: the background reference plane (background.h), read in the
// blocks that chose it; may be null when no block does.
void align_plane(const uint8_t *ref, const uint8_t *background, int w, int h, int sx, int sy,
                 const MotionField &mf, uint8_t *aligned);

} // namespace lmc
