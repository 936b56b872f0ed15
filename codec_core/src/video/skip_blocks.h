// Skip blocks (docs/format.md section 7.2): in a lossless inter frame, every
// 8x8 block of luma samples (8>>sx by 8>>sy in a subsampled chroma plane)
// gets a flag; a flagged block equals the motion-aligned previous frame
// sample for sample, so its samples are not coded at all. Decoded video of
// lossy origin is full of such copies (a still background): on vtest, 8
// frames, the model spent 0.19 bits on each sample of an all-zero block.
// With stream tool kToolFineSkip (liblmc 0.7) an 8x8 block that is not a
// copy says which of its 4x4 quarters are: the source's 8x8 transform blocks,
// downscaled 2x, are 4x4 blocks, and a third of vtest's unchanged samples lay
// in such quarters of changed 8x8 blocks.
#pragma once

#include <cstdint>
#include <vector>

#include "video_context.h"

namespace lmc {

class RangeEncoder;
class RangeDecoder;

constexpr int kSkipBlock = 8; // luma samples
constexpr int kFineSkipBlock = 4; // luma samples, with kToolFineSkip

struct SkipMap {
    struct Plane {
        int bw = 0, bh = 0; // block size in this plane's samples (the quarters when fine)
        int nx = 0, ny = 0; // blocks across, down
        std::vector<uint8_t> skip;
        uint8_t quarters = 0; // fine: this frame flags the quarters of changed 8x8 blocks
    };
    Plane plane[kMaxPlanes];
    int nplanes = 0;
    bool fine = false; // flags per 4x4 quarter of each 8x8 block (format.md 7.2)

    void resize(const PlaneState *planes, int nplanes);
    bool skipped(int p, int x, int y) const
    {
        const Plane &q = plane[p];
        return q.skip[(size_t)(y / q.bh) * q.nx + x / q.bw];
    }
};

// Encoder: flags the blocks whose source samples all equal planes[p].aligned
// (with map.fine: the quarters; Plane::quarters is then the caller's choice).
void find_skip_blocks(const PlaneState *planes, const std::vector<uint8_t> *source, SkipMap &map);
// Fine map: indices (into the plane's grid) of the flagged quarters of 8x8
// blocks that are not copies as a whole, and the number of such blocks.
std::vector<size_t> copy_quarters(const SkipMap::Plane &q);
size_t changed_blocks(const SkipMap::Plane &q);

// The flags follow the motion vectors in the payload, plane by plane, blocks
// in raster order, each coded with an adaptive binary table chosen by its
// already coded neighbours (left, above, and the same block in the planes
// before it). When fine, each 8x8 block's flag is followed, where it is 0,
// by its quarters' flags in raster order (the last one implied when the
// others are all 1), with tables of their own.
void encode_skip_blocks(RangeEncoder &enc, const SkipMap &map);
void decode_skip_blocks(RangeDecoder &dec, SkipMap &map);

} // namespace lmc
