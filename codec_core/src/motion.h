// Block motion for inter frames (docs/format.md section 7): the encoder
// estimates one vector per 16x16 luma block against the previous decoded
// frame and sends it; both sides then build the motion-aligned reference
// planes that the model sees as context. Vectors are whole luma samples, or
// (format.md 7.5, liblmc 0.5) quarter samples read by bilinear
// interpolation: a camera that pans or zooms moves the scene by fractions
// of a sample, and a whole-sample match then leaves an edge-shaped residual.
#pragma once

#include <cstdint>
#include <vector>

namespace lmc {

class RangeEncoder;
class RangeDecoder;

constexpr int kMotionBlock = 16;
constexpr int kMotionRange = 16; // vectors in [-16, 16] luma samples
// Encoder: the extra cost of a fractional vector. Interpolation smooths the
// reference, which lowers SAD on noise, but decoded video of lossy origin
// holds exact copies that the network codes best from a whole-sample read
// (vtest and balle lose a little with no penalty; cube gains 1.3% at 128).
constexpr int kSubpelPenalty = 128;

struct MotionField {
    int bw = 0, bh = 0;          // blocks across / down (ceil of luma size / 16)
    bool subpel = false;         // vectors have quarter-sample fractions (7.5)
    std::vector<int8_t> mvx, mvy; // per block, luma samples (the floor of the vector)
    std::vector<uint8_t> fx, fy;  // per block, quarter samples added to mvx / mvy (0..3)
    std::vector<uint8_t> intra;   // 1: block coded from the current frame only
    std::vector<uint8_t> background; // 1: block aligned from the background reference

    void resize(int luma_w, int luma_h);
};

// Full search over [-16, 16]^2 on the luma plane, cost SAD + 2(|dx| + |dy|),
// first minimum in raster order of (dy, dx); a block whose MED residual is
// cheaper than its best match (sum of abs(intra_res), the MED residual of
// the current luma) is marked intra (vector 0). With subpel, each whole-
// sample match is refined over the 7x7 quarter-sample vectors around it,
// cost SAD of the interpolated block + (|vx| + |vy|) / 2 in quarter samples,
// (+ kSubpelPenalty if fractional), before the intra decision.
void estimate_motion(const uint8_t *cur, const uint8_t *ref, const int16_t *intra_res, int w, int h,
                     bool subpel, MotionField &mf);

// The vectors go at the start of the frame's range-coded payload, block by
// block in raster order, with adaptive frequency counts; mf.subpel (known to
// both sides from the packet flags) adds each block's fraction.
void encode_motion(RangeEncoder &enc, const MotionField &mf);
void decode_motion(RangeDecoder &dec, MotionField &mf);

// aligned[y][x] = ref[clamp(y + vy)][clamp(x + vx)] with the vector of the
// block holding (x, y); chroma planes (subsampling sx, sy) use the luma
// vector shifted right by sx / sy. With mf.subpel the read is the bilinear
// interpolation at (x + vx / 2^sx, y + vy / 2^sy), in integers (format.md 7.5).
// background: the background reference plane (background.h), read in the
// blocks that chose it; may be null when no block does.
void align_plane(const uint8_t *ref, const uint8_t *background, int w, int h, int sx, int sy,
                 const MotionField &mf, uint8_t *aligned);

} // namespace lmc
