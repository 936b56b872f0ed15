// Per-sample model inputs for video (docs/format.md sections 6 and 7):
// causal neighbours relative to the sample's base prediction, the residuals
// of planes already coded at the same position and, in inter frames, the
// motion-aligned previous frame.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "motion.h"
#include "tiles.h"

namespace lmc {

constexpr int kVideoInputsIntra = 14; // feature set 1: intra only
constexpr int kVideoInputsInter = 24; // feature set 3: keyframes and inter frames
constexpr int kVideoInputsWide = 32;  // feature set 4: set 3 and eight more causal inputs
constexpr int kVideoSymbols = 256;
constexpr int kMaxPlanes = 4; // Y U V A, G B R A (format.md 6)

// One plane being coded: its samples (source or reconstruction), the
// residual X - P of each sample already coded and, in inter frames, the
// previous frame aligned by the block motion.
struct PlaneState {
    int w = 0, h = 0;
    int sx = 0, sy = 0;        // subsampling against luma (log2)
    int plane_class = 0;       // input f10: 0 gray/Y/G/alpha, 64 U/V, -64 B/R
    std::vector<uint8_t> px;
    std::vector<int16_t> res;
    std::vector<uint8_t> aligned;
};

inline int med_predict(int w, int n, int nw)
{
    if (nw >= std::max(w, n))
        return std::min(w, n);
    if (nw <= std::min(w, n))
        return std::max(w, n);
    return w + n - nw;
}

inline int clamp127(int v) { return std::clamp(v, -127, 127); }

// Causal neighbour value of a w-wide plane with the boundary rules of
// format.md section 6, applied to the tile r (6.1; the whole plane in
// untiled streams): what lies outside the tile is read as outside a frame.
inline int neighbour(const uint8_t *v, int w, const TileRect &r, int x, int y)
{
    if (y < r.y0)
        return 128;
    if (x < r.x0)
        return y > r.y0 ? v[(size_t)(y - 1) * w + r.x0] : 128;
    if (x >= r.x1)
        return v[(size_t)y * w + r.x1 - 1];
    return v[(size_t)y * w + x];
}

inline int neighbour(const PlaneState &p, const TileRect &r, int x, int y) { return neighbour(p.px.data(), p.w, r, x, y); }

// MED prediction of sample (x, y) of a plane, in tile r.
inline int predict_sample(const PlaneState &p, const TileRect &r, int x, int y)
{
    return med_predict(neighbour(p, r, x - 1, y), neighbour(p, r, x, y - 1), neighbour(p, r, x - 1, y - 1));
}
inline int predict_sample(const PlaneState &p, int x, int y) { return predict_sample(p, whole_plane(p.w, p.h), x, y); }

// The block of the motion field that holds sample (x, y) of plane p.
inline size_t motion_block(const MotionField &mf, const PlaneState &p, int x, int y)
{
    return mf.block_at(x << p.sx, y << p.sy);
}

// Base prediction of a sample: the aligned previous frame in inter blocks,
// MED otherwise. mf is null in keyframes.
inline int base_prediction(const PlaneState &p, const TileRect &r, const MotionField *mf, int x, int y)
{
    if (mf && !mf->intra[motion_block(*mf, p, x, y)])
        return p.aligned[(size_t)y * p.w + x];
    return predict_sample(p, r, x, y);
}

// Feature set 4's inputs beyond set 3 (format.md 7.11), in any frame: four more
// causal neighbours relative to P, and the gradients X - W, X - N at (x, y) of
// the colour planes coded before this one when they have its size.
inline void wide_context(const PlaneState *planes, int plane, const TileRect &r, int x, int y, int P, float *g)
{
    const PlaneState &p = planes[plane];
    // Three samples from the tile's left and top edges and two from its right,
    // every neighbour read is the sample itself (as in video_context).
    const bool inner = x >= r.x0 + 3 && x + 2 < r.x1 && y >= r.y0 + 3;
    const size_t at = (size_t)y * p.w + x;
    auto read = [&](const PlaneState &s, int dx, int dy) {
        return inner ? s.px[at + (ptrdiff_t)dy * s.w + dx] : neighbour(s, r, x + dx, y + dy);
    };
    g[0] = (float)clamp127(read(p, -3, 0) - P);  // WWW
    g[1] = (float)clamp127(read(p, -2, -2) - P); // NNWW
    g[2] = (float)clamp127(read(p, 2, -2) - P);  // NNEE
    g[3] = (float)clamp127(read(p, 0, -3) - P);  // NNN
    for (int q = 0; q < 2 && q < plane && plane <= 2; q++) {
        const PlaneState &c = planes[q];
        if (c.w != p.w || c.h != p.h)
            continue;
        const int X = c.px[at];
        g[4 + 2 * q] = (float)clamp127(X - read(c, -1, 0));
        g[5 + 2 * q] = (float)clamp127(X - read(c, 0, -1));
    }
}

// Writes the model inputs of sample (x, y) of plane `plane` (ninputs: 14 for
// feature set 1, 24 for set 3, 32 for set 4) and returns its base prediction.
// `planes` holds every plane of the frame, r is the sample's tile in its plane;
// mf is the motion of an inter frame, null in keyframes (and always with feature set 1).
inline int video_context(const PlaneState *planes, int plane, const TileRect &r, int x, int y,
                         int ninputs, const MotionField *mf, float *f)
{
    const PlaneState &p = planes[plane];
    // Inside the tile, two samples from its left and top edges and one from
    // its right, every neighbour is the sample itself: read without the edge rules.
    const bool inner = x >= r.x0 + 2 && x + 1 < r.x1 && y >= r.y0 + 2;
    const uint8_t *row = p.px.data() + (size_t)y * p.w + x; // (x, y)
    auto at_offset = [&](int dx, int dy) {
        return inner ? row[(ptrdiff_t)dy * p.w + dx] : neighbour(p, r, x + dx, y + dy);
    };
    int W = at_offset(-1, 0), WW = at_offset(-2, 0);
    int NW = at_offset(-1, -1), N = at_offset(0, -1), NE = at_offset(1, -1);
    int NWW = at_offset(-2, -1), NN = at_offset(0, -2);
    int NNW = at_offset(-1, -2), NNE = at_offset(1, -2);
    int med = med_predict(W, N, NW);
    size_t at = (size_t)y * p.w + x;
    bool intra_block = mf && mf->intra[motion_block(*mf, p, x, y)];
    int P = mf && !intra_block ? p.aligned[at] : med;
    const int nb[9] = {W, WW, NW, N, NE, NWW, NN, NNW, NNE};
    for (int i = 0; i < 9; i++)
        f[i] = (float)clamp127(nb[i] - P);
    f[9] = (float)clamp127(P - 128);
    f[10] = (float)p.plane_class;
    // Colour planes read luma's residual; alpha (plane 3) stands alone.
    f[11] = (plane == 1 || plane == 2) && planes[0].w == p.w && planes[0].h == p.h
                ? (float)clamp127(planes[0].res[at])
                : 0.f;
    f[12] = plane == 2 && planes[1].w == p.w && planes[1].h == p.h ? (float)clamp127(planes[1].res[at]) : 0.f;
    int act = std::abs(W - NW) + std::abs(N - NW) + std::abs(N - NE) + std::abs(W - WW) + std::abs(N - NN);
    f[13] = (float)std::min(127, act >> 1);
    if (ninputs == kVideoInputsIntra)
        return P;
    std::fill(f + 14, f + ninputs, 0.f);
    if (ninputs == kVideoInputsWide)
        wide_context(planes, plane, r, x, y, P, f + kVideoInputsInter);
    if (!mf)
        return P;
    const uint8_t *A = p.aligned.data();
    int M = A[at];
    f[14] = intra_block ? -64.f : 64.f;
    f[15] = (float)clamp127((intra_block ? M : med) - P);
    auto anb = [&](int dx, int dy) {
        return inner ? A[at + (ptrdiff_t)dy * p.w + dx] : neighbour(A, p.w, r, x + dx, y + dy);
    };
    int t[4] = {clamp127(W - anb(-1, 0)), clamp127(N - anb(0, -1)), clamp127(NW - anb(-1, -1)),
                clamp127(NE - anb(1, -1))};
    for (int i = 0; i < 4; i++)
        f[16 + i] = (float)t[i];
    // The aligned frame is known everywhere: its samples right of and below
    // this one (in the tile) describe what is coming.
    int xr = std::min(x + 1, r.x1 - 1), yd = std::min(y + 1, r.y1 - 1);
    f[20] = (float)clamp127(A[(size_t)y * p.w + xr] - M);
    f[21] = (float)clamp127(A[(size_t)yd * p.w + x] - M);
    f[22] = (float)clamp127(A[(size_t)yd * p.w + xr] - M);
    f[23] = (float)std::min(127, (std::abs(t[0]) + std::abs(t[1]) + std::abs(t[2]) + std::abs(t[3])) >> 1);
    return P;
}

} // namespace lmc
