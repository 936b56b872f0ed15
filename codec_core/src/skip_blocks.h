// Skip blocks (docs/format.md section 7.2): in a lossless inter frame, every
// 8x8 block of luma samples (8>>sx by 8>>sy in a subsampled chroma plane)
// gets a flag; a flagged block equals the motion-aligned previous frame
// sample for sample, so its samples are not coded at all. Decoded video of
// lossy origin is full of such copies (a still background): on vtest, 8
// frames, the model spent 0.19 bits on each sample of an all-zero block.
#pragma once

#include <cstdint>
#include <vector>

#include "video_context.h"

namespace lmc {

class RangeEncoder;
class RangeDecoder;

constexpr int kSkipBlock = 8; // luma samples

struct SkipMap {
    struct Plane {
        int bw = 0, bh = 0; // block size in this plane's samples
        int nx = 0, ny = 0; // blocks across, down
        std::vector<uint8_t> skip;
    };
    Plane plane[3];
    int nplanes = 0;

    void resize(const PlaneState *planes, int nplanes);
    bool skipped(int p, int x, int y) const
    {
        const Plane &q = plane[p];
        return q.skip[(size_t)(y / q.bh) * q.nx + x / q.bw];
    }
};

// Encoder: flags the blocks whose source samples all equal planes[p].aligned.
void find_skip_blocks(const PlaneState *planes, const std::vector<uint8_t> *source, SkipMap &map);

// The flags follow the motion vectors in the payload, plane by plane, blocks
// in raster order, each coded with an adaptive binary table chosen by its
// already coded neighbours (left, above, and the same block in the planes
// before it).
void encode_skip_blocks(RangeEncoder &enc, const SkipMap &map);
void decode_skip_blocks(RangeDecoder &dec, SkipMap &map);

} // namespace lmc
