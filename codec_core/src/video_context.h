// Per-sample model inputs for video (docs/format.md section 6): causal
// neighbours relative to the MED prediction, plus the residuals of planes
// already coded at the same position.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace lmc {

constexpr int kVideoInputs = 14;
constexpr int kVideoSymbols = 256;

// One plane being coded: its samples (source or reconstruction) and the
// residual X - P of each sample already coded.
struct PlaneState {
    int w = 0, h = 0;
    int plane_class = 0;       // input f10: 0 gray/Y/G, 64 U/V, -64 B/R
    std::vector<uint8_t> px;
    std::vector<int16_t> res;
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

// Neighbour value with the boundary rules of format.md (causal only).
inline int neighbour(const PlaneState &p, int x, int y)
{
    if (y < 0)
        return 128;
    if (x < 0)
        return y > 0 ? p.px[(size_t)(y - 1) * p.w] : 128;
    if (x >= p.w)
        return p.px[(size_t)y * p.w + p.w - 1];
    return p.px[(size_t)y * p.w + x];
}

// MED prediction of sample (x, y) of a plane.
inline int predict_sample(const PlaneState &p, int x, int y)
{
    return med_predict(neighbour(p, x - 1, y), neighbour(p, x, y - 1), neighbour(p, x - 1, y - 1));
}

// Writes the 14 inputs of sample (x, y) of plane `plane` and returns its
// MED prediction. `planes` holds every plane of the frame.
inline int video_context(const PlaneState *planes, int plane, int x, int y, float *f)
{
    const PlaneState &p = planes[plane];
    int W = neighbour(p, x - 1, y), WW = neighbour(p, x - 2, y);
    int NW = neighbour(p, x - 1, y - 1), N = neighbour(p, x, y - 1), NE = neighbour(p, x + 1, y - 1);
    int NWW = neighbour(p, x - 2, y - 1), NN = neighbour(p, x, y - 2);
    int NNW = neighbour(p, x - 1, y - 2), NNE = neighbour(p, x + 1, y - 2);
    int P = med_predict(W, N, NW);
    const int nb[9] = {W, WW, NW, N, NE, NWW, NN, NNW, NNE};
    for (int i = 0; i < 9; i++)
        f[i] = (float)clamp127(nb[i] - P);
    f[9] = (float)clamp127(P - 128);
    f[10] = (float)p.plane_class;
    size_t at = (size_t)y * p.w + x;
    f[11] = plane >= 1 && planes[0].w == p.w && planes[0].h == p.h ? (float)clamp127(planes[0].res[at]) : 0.f;
    f[12] = plane == 2 && planes[1].w == p.w && planes[1].h == p.h ? (float)clamp127(planes[1].res[at]) : 0.f;
    int act = std::abs(W - NW) + std::abs(N - NW) + std::abs(N - NE) + std::abs(W - WW) + std::abs(N - NN);
    f[13] = (float)std::min(127, act >> 1);
    return P;
}

} // namespace lmc
