// Tiles (docs/format.md 6.1): a stream with tool bit 4 cuts every frame into
// a grid of rectangles that are coded as if each were a frame of its own
// (neighbours outside the tile read by the frame-edge rules, their own
// wavefront, adaptive stage, value calibration and range-coder substream),
// so a decoder runs them on all its threads, or as one batch on a GPU.
// Motion, skip blocks and bias offsets stay per frame.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace lmc {

// A plane's samples [x0, x1) x [y0, y1).
struct TileRect {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    int w() const { return x1 - x0; }
    int h() const { return y1 - y0; }
};

// The whole w x h plane: frames of untiled streams.
inline TileRect whole_plane(int w, int h) { return {0, 0, w, h}; }

// Grid limits: a tile is at least kMinTileSide luma samples on each side
// (the last may be up to 15 more); boundaries fall on multiples of 16 luma
// samples, so every subsampled plane's boundaries are whole samples and no
// 8x8 skip block or 16x16 motion block of a 4:2:0 plane straddles two tiles.
constexpr int kMinTileSide = 64;
constexpr int kMaxTileGrid = 64;

// Most tiles a side of n luma samples can take.
inline int max_tiles(int n) { return std::clamp(n / kMinTileSide, 1, kMaxTileGrid); }

struct TileGrid {
    int cols = 1, rows = 1;
    std::vector<int> xb, yb; // luma boundaries: cols + 1 and rows + 1 of them

    // Boundary i of n samples cut into k: floor(i n / k) down to a multiple of 16.
    void init(int width, int height, int c, int r)
    {
        cols = c, rows = r;
        xb.assign(cols + 1, width);
        yb.assign(rows + 1, height);
        for (int i = 0; i < cols; i++)
            xb[i] = (int)((int64_t)i * width / cols) & ~15;
        for (int i = 0; i < rows; i++)
            yb[i] = (int)((int64_t)i * height / rows) & ~15;
    }
    int count() const { return cols * rows; }

    // Tile k (raster order) in a plane subsampled by (sx, sy) of w x h samples.
    TileRect rect(int k, int sx, int sy, int w, int h) const
    {
        const int c = k % cols, r = k / cols;
        return {xb[c] >> sx, yb[r] >> sy, c + 1 == cols ? w : xb[c + 1] >> sx, r + 1 == rows ? h : yb[r + 1] >> sy};
    }
    // The tile holding luma sample (x, y).
    int tile_at(int x, int y) const
    {
        const int c = (int)(std::upper_bound(xb.begin() + 1, xb.end() - 1, x) - xb.begin()) - 1;
        const int r = (int)(std::upper_bound(yb.begin() + 1, yb.end() - 1, y) - yb.begin()) - 1;
        return r * cols + c;
    }
};

// The grid an encoder picks when asked for "auto": tiles of about
// kAutoTileSide luma samples a side, rounded up. Measured on the test split
// (docs/models.md, "LMC 0.9: tiles"): +0.3% in size, where tiles of about 128
// cost +0.8% and 64 +2.1%, for decoders that run tiles on all their threads.
constexpr int kAutoTileSide = 256;
inline int auto_tiles(int n) { return std::clamp((n + kAutoTileSide - 1) / kAutoTileSide, 1, max_tiles(n)); }

} // namespace lmc
