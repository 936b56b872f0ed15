// Block motion for inter frames (docs/format.md section 7): the encoder
// estimates one vector per 16x16 luma block against the previous decoded
// frame and sends it; both sides then build the motion-aligned reference
// planes that the model sees as context. Vectors are whole luma samples, or
// (format.md 7.5, liblmc 0.5) quarter samples read by bilinear
// interpolation, or (liblmc 0.7) by 4-tap Catmull-Rom in full-resolution
// planes: a camera that pans or zooms moves the scene by fractions of a
// sample, and a whole-sample match then leaves an edge-shaped residual.
// A block may also be split into four 8x8 blocks with their own vectors
// (7.6): people walking through a still scene move unlike their background.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lmc {

class RangeEncoder;
class RangeDecoder;
class WorkerPool;

constexpr int kMotionBlock = 16;
constexpr int kMotionUnit = 8;   // a split block's quarters (format.md 7.6)
constexpr int kMotionRange = 16; // vectors in [-16, 16] luma samples
// Encoder: the extra cost of a fractional vector. Interpolation smooths the
// reference, which lowers SAD on noise, but decoded video of lossy origin
// holds exact copies that the network codes best from a whole-sample read.
// With bilinear reads 128 paid best (cube -1.3%); the Catmull-Rom reads
// (liblmc 0.7) smooth less, and 16 beats 128 on all four test clips (cube,
// ellipse-1, vtest, balle: -0.2% together; 0 makes ellipse-1 0.5% larger).
constexpr int kSubpelPenalty = 16;
// Encoder: a block is split when its quarters' costs sum to at least
// 1/kSplitGain below its own. On sensor noise four small vectors fit the noise
// rather than the scene (8x8 everywhere made cube and ellipse-1 1.5-2% larger,
// any split +0.7% on ellipse-1), while people walking through vtest need them.
constexpr int kSplitGain = 16;
// Encoder: the quarters' whole-sample search covers the block's whole-sample
// vector +- this (the full range costs as much again as the block's search).
constexpr int kQuarterWindow = 4;

// The motion of one inter frame. Vectors, intra and background choices are
// kept per coded block, in coding order: the 16x16 blocks in raster order,
// where a split block (format.md 7.6) is replaced by its 8x8 quarters that
// lie in the frame, in raster order. Without splits coded block b is simply
// 16x16 block b.
struct MotionField {
    int bw = 0, bh = 0;          // 16x16 blocks across / down (ceil of luma size / 16)
    int uw = 0, uh = 0;          // 8x8 units across / down (ceil of luma size / 8)
    bool subpel = false;         // vectors have quarter-sample fractions (7.5)
    bool split = false;          // blocks may be split into 8x8 quarters (7.6)
    bool sharp = false;          // with subpel: 4-tap reads of full-resolution planes (7.5,
                                 // stream tool kToolSharpLuma); kept by resize()
    std::vector<uint8_t> split_block; // per 16x16 block: 1 = coded as its quarters
    std::vector<int32_t> unit_block;  // per 8x8 unit: the coded block holding it
    // per coded block:
    std::vector<int16_t> x0, y0;  // top-left luma sample
    std::vector<uint8_t> size;    // 16 or 8 (clipped to the frame where it is used)
    std::vector<int8_t> mvx, mvy; // luma samples (the floor of the vector)
    std::vector<uint8_t> fx, fy;  // quarter samples added to mvx / mvy (0..3)
    std::vector<uint8_t> intra;   // 1: block coded from the current frame only
    std::vector<uint8_t> background; // 1: block aligned from the background reference

    // Unsplit layout for a frame of that size, every block inter with vector 0.
    void resize(int luma_w, int luma_h);
    // Rebuilds the coded blocks from split_block (vectors and choices reset).
    void layout();
    // The coded block holding luma sample (x, y).
    size_t block_at(int x, int y) const
    {
        return (size_t)unit_block[(size_t)(y / kMotionUnit) * uw + x / kMotionUnit];
    }
};

// The frame's tools come from mf (subpel, split, sharp; resize() keeps them).
// Full search over [-16, 16]^2 on the luma plane, cost SAD + 2(|dx| + |dy|),
// first minimum in raster order of (dy, dx). With subpel, each whole-sample
// match is refined over the 7x7 quarter-sample vectors around it, cost SAD
// of the block read as align_plane() reads it + (|vx| + |vy|) / 2 in quarter samples (+
// kSubpelPenalty if fractional). With split, the four quarters of a block
// are searched the same way, but within kQuarterWindow samples of the
// block's whole-sample match, and the block is split when their costs sum to
// 1/kSplitGain below the block's. Then a coded block whose MED
// residual is cheaper than its best match (sum of abs(intra_res), the MED
// residual of the current luma) is marked intra (vector 0); with intra_res
// null no block is. Rows of blocks
// are searched in parallel on pool when given (the result is the same).
void estimate_motion(const uint8_t *cur, const uint8_t *ref, const int16_t *intra_res, int w, int h, MotionField &mf,
                     WorkerPool *pool = nullptr);

// The vectors go at the start of the frame's range-coded payload, block by
// block in raster order, with adaptive frequency counts; mf.subpel adds each
// block's fraction and mf.split each 16x16 block's split flag (both known to
// the two sides from the packet flags).
void encode_motion(RangeEncoder &enc, const MotionField &mf);
void decode_motion(RangeDecoder &dec, MotionField &mf);

// aligned[y][x] = ref[clamp(y + vy)][clamp(x + vx)] with the vector of the
// block holding (x, y); chroma planes (subsampling sx, sy) use the luma
// vector shifted right by sx / sy. With mf.subpel the read is the bilinear
// interpolation at (x + vx / 2^sx, y + vy / 2^sy), in integers (format.md 7.5);
// with mf.sharp too, planes of full resolution are read with 4x4 Catmull-Rom taps.
// background: the background reference plane (background.h), read in the
// blocks that chose it; may be null when no block does.
void align_plane(const uint8_t *ref, const uint8_t *background, int w, int h, int sx, int sy,
                 const MotionField &mf, uint8_t *aligned);

} // namespace lmc
