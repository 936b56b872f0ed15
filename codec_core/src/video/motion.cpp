#include "motion.h"

#include <algorithm>
#include <cstring>
#include <climits>
#include <cstdlib>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "adaptive_table.h"
#include "errors.h"
#include "worker_pool.h"

namespace lmc {

void MotionField::resize(int w, int h)
{
    bw = (w + kMotionBlock - 1) / kMotionBlock;
    bh = (h + kMotionBlock - 1) / kMotionBlock;
    uw = (w + kMotionUnit - 1) / kMotionUnit;
    uh = (h + kMotionUnit - 1) / kMotionUnit;
    split_block.assign((size_t)bw * bh, 0);
    layout();
}

void MotionField::layout()
{
    x0.clear();
    y0.clear();
    size.clear();
    unit_block.assign((size_t)uw * uh, 0);
    const int per = kMotionBlock / kMotionUnit;
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            const bool quarters = split_block[(size_t)by * bw + bx];
            for (int qy = 0; qy < per; qy++)
                for (int qx = 0; qx < per; qx++) {
                    const int ux = bx * per + qx, uy = by * per + qy;
                    if (ux >= uw || uy >= uh)
                        continue;
                    if (quarters || (qx == 0 && qy == 0)) {
                        x0.push_back((int16_t)(ux * kMotionUnit));
                        y0.push_back((int16_t)(uy * kMotionUnit));
                        size.push_back((uint8_t)(quarters ? kMotionUnit : kMotionBlock));
                    }
                    unit_block[(size_t)uy * uw + ux] = (int32_t)x0.size() - 1;
                }
        }
    const size_t n = x0.size();
    mvx.assign(n, 0);
    mvy.assign(n, 0);
    fx.assign(n, 0);
    fy.assign(n, 0);
    intra.assign(n, 0);
    background.assign(n, 0);
}

// Sample (x, y) of a plane with subsampling (sx, sy), read at the vector
// (vx4, vy4) in quarter luma samples: bilinear weights in 1 / (4 << sx) and
// 1 / (4 << sy) of the plane's samples, rounded (format.md 7.5). A whole-
// sample vector reads the sample itself.
static inline int bilinear(const uint8_t *ref, int w, int h, int x, int y, int vx4, int vy4, int sx, int sy)
{
    const int bx = 2 + sx, by = 2 + sy;
    const int ix = vx4 >> bx, iy = vy4 >> by; // arithmetic shifts: floors
    const int fx = vx4 & ((1 << bx) - 1), fy = vy4 & ((1 << by) - 1);
    const int x0 = std::clamp(x + ix, 0, w - 1), x1 = std::clamp(x + ix + 1, 0, w - 1);
    const uint8_t *r0 = ref + (size_t)std::clamp(y + iy, 0, h - 1) * w;
    const uint8_t *r1 = ref + (size_t)std::clamp(y + iy + 1, 0, h - 1) * w;
    const int top = r0[x0] * ((1 << bx) - fx) + r0[x1] * fx;
    const int bottom = r1[x0] * ((1 << bx) - fx) + r1[x1] * fx;
    return (top * ((1 << by) - fy) + bottom * fy + (1 << (bx + by - 1))) >> (bx + by);
}

// Catmull-Rom taps in 1/128 for quarter-sample phases 0..3 (format.md 7.5,
// stream tool kToolSharpLuma). Bilinear reads smooth the reference by up to
// half, and on a camera pan the texture they blur away is what the residual
// then holds: cube's moving frames cost 1.6% less with these four taps.
static constexpr int kSharpTaps[4][4] = {{0, 128, 0, 0}, {-9, 111, 29, -3}, {-8, 72, 72, -8}, {-3, 29, 111, -9}};

// The same read of a full-resolution plane with the 4x4 Catmull-Rom taps:
// rows filtered first, exact integers, rounded once, clamped to 0..255.
static inline int sharp(const uint8_t *ref, int w, int h, int x, int y, int vx4, int vy4)
{
    const int *tx = kSharpTaps[vx4 & 3], *ty = kSharpTaps[vy4 & 3];
    const int ix = x + (vx4 >> 2), iy = y + (vy4 >> 2);
    int xs[4];
    for (int i = 0; i < 4; i++)
        xs[i] = std::clamp(ix - 1 + i, 0, w - 1);
    int acc = 0;
    for (int j = 0; j < 4; j++) {
        const uint8_t *r = ref + (size_t)std::clamp(iy - 1 + j, 0, h - 1) * w;
        acc += ty[j] * (tx[0] * r[xs[0]] + tx[1] * r[xs[1]] + tx[2] * r[xs[2]] + tx[3] * r[xs[3]]);
    }
    return std::clamp((acc + 8192) >> 14, 0, 255);
}

static inline int interpolated(const uint8_t *ref, int w, int h, int x, int y, int vx4, int vy4, int sx, int sy,
                               bool sharp_luma)
{
    if (sharp_luma && sx == 0 && sy == 0)
        return sharp(ref, w, h, x, y, vx4, vy4);
    return bilinear(ref, w, h, x, y, vx4, vy4, sx, sy);
}

namespace {

// A luma plane padded by edge replication, so that every candidate reads
// inside it: phase (fx, fy) holds the reference read at quarter-sample
// offset (fx, fy) from each (padded) position, so a vector's block is a
// plain copy from the phase plane of its fraction at its whole part.
struct PaddedPlane {
    static constexpr int pad = kMotionRange + 2; // whole parts down to -17, and the +1 neighbour
    std::vector<uint8_t> px;
    int pw = 0;

    PaddedPlane() = default;
    PaddedPlane(int w, int h) : px((size_t)(w + 2 * pad) * (h + 2 * pad)), pw(w + 2 * pad) {}
    // The bilinear read (format.md 7.5) at phase (fx, fy).
    PaddedPlane(const uint8_t *ref, int w, int h, int fx, int fy) : PaddedPlane(w, h)
    {
        for (int y = -pad; y < h + pad; y++)
            for (int x = -pad; x < w + pad; x++)
                px[(size_t)(y + pad) * pw + x + pad] = (uint8_t)bilinear(ref, w, h, x, y, fx, fy, 0, 0);
    }
    const uint8_t *at(int x, int y) const { return &px[(size_t)(y + pad) * pw + x + pad]; }
};

// The 4 phases (fx, 0..3) of the Catmull-Rom read (sharp()) in two passes:
// rows filtered at phase fx into exact integer sums, then columns at each
// fy. The same integers as sharp() sample by sample, at a third of its work;
// one plane of sums (4 bytes a sample, against 16 for the phase planes)
// lives per task.
void make_sharp_phases(const uint8_t *ref, int w, int h, int fx, PaddedPlane *phases)
{
    constexpr int pp = PaddedPlane::pad, pad = pp + 1; // the taps reach one row above, two below
    const int pw = w + 2 * pp;
    std::vector<int32_t> sums((size_t)pw * (h + 2 * pad + 1)); // rows -pad .. h + pad
    const int *t = kSharpTaps[fx];
    for (int y = -pad; y <= h + pad; y++) {
        const uint8_t *r = ref + (size_t)std::clamp(y, 0, h - 1) * w;
        int32_t *o = &sums[(size_t)(y + pad) * pw];
        for (int x = -pp; x < w + pp; x++)
            o[x + pp] = t[0] * r[std::clamp(x - 1, 0, w - 1)] + t[1] * r[std::clamp(x, 0, w - 1)] +
                        t[2] * r[std::clamp(x + 1, 0, w - 1)] + t[3] * r[std::clamp(x + 2, 0, w - 1)];
    }
    for (int fy = 0; fy < 4; fy++) {
        PaddedPlane &out = phases[fy * 4 + fx];
        out = PaddedPlane(w, h);
        const int *v = kSharpTaps[fy];
        for (int y = -pp; y < h + pp; y++) {
            const int32_t *r0 = &sums[(size_t)(y - 1 + pad) * pw], *r1 = r0 + pw, *r2 = r1 + pw, *r3 = r2 + pw;
            uint8_t *o = &out.px[(size_t)(y + pp) * out.pw];
            for (int x = 0; x < pw; x++)
                o[x] = (uint8_t)std::clamp((v[0] * r0[x] + v[1] * r1[x] + v[2] * r2[x] + v[3] * r3[x] + 8192) >> 14, 0, 255);
        }
    }
}

// Sum of absolute differences of one row of n samples. The whole-sample search
// reads 33 x 33 candidates per block: rows of 16 and 8 take one psadbw.
static inline int row_sad(const uint8_t *a, const uint8_t *b, int n)
{
#if defined(__x86_64__)
    if (n == 16) {
        const __m128i d = _mm_sad_epu8(_mm_loadu_si128((const __m128i *)a), _mm_loadu_si128((const __m128i *)b));
        return _mm_cvtsi128_si32(d) + _mm_extract_epi16(d, 4);
    }
    if (n == 8)
        return _mm_cvtsi128_si32(_mm_sad_epu8(_mm_loadl_epi64((const __m128i *)a), _mm_loadl_epi64((const __m128i *)b)));
#endif
    int s = 0;
    for (int x = 0; x < n; x++)
        s += std::abs((int)a[x] - (int)b[x]);
    return s;
}

struct Match {
    int cost = INT_MAX;
    int vx4 = 0, vy4 = 0; // quarter luma samples
};

struct Searcher {
    const uint8_t *cur;
    int w, h;
    bool subpel;
    PaddedPlane phases[16]; // [fy * 4 + fx]; only [0] without subpel
    const PaddedPlane &padded = phases[0];

    Searcher(const uint8_t *cur, const uint8_t *ref, int w, int h, bool subpel, bool sharp_luma, WorkerPool *pool)
        : cur(cur), w(w), h(h), subpel(subpel)
    {
        const bool sharp = subpel && sharp_luma;
        auto make = [&](int p0, int p1) { // sharp: tasks are horizontal phases, else phases
            for (int p = p0; p < p1; p++) {
                if (sharp)
                    make_sharp_phases(ref, w, h, p, phases);
                else
                    phases[p] = PaddedPlane(ref, w, h, p & 3, p >> 2);
            }
        };
        const int n = sharp ? 4 : subpel ? 16 : 1;
        if (pool)
            pool->run(n, 1, make);
        else
            make(0, n);
    }

    // The quarter-sample refinement of a whole-sample match: the 48 other
    // vectors within 3/4 of a sample whose whole part stays in range, in
    // raster order of (qy, qx), first minimum. Reads the phase planes.
    void refine(int x0, int y0, int bw, int bh, Match &m) const
    {
        const int cx = m.vx4, cy = m.vy4;
        for (int qy = -3; qy <= 3; qy++)
            for (int qx = -3; qx <= 3; qx++) {
                const int vx = cx + qx, vy = cy + qy;
                if ((qx == 0 && qy == 0) || std::abs(vx >> 2) > kMotionRange || std::abs(vy >> 2) > kMotionRange)
                    continue;
                const PaddedPlane &plane = phases[(vy & 3) * 4 + (vx & 3)];
                int cost = (std::abs(vx) + std::abs(vy)) / 2 + ((vx | vy) & 3 ? kSubpelPenalty : 0);
                for (int y = 0; y < bh && cost < m.cost; y++) {
                    const uint8_t *c = cur + (size_t)(y0 + y) * w + x0;
                    cost += row_sad(c, plane.at(x0 + (vx >> 2), y0 + y + (vy >> 2)), bw);
                }
                if (cost < m.cost)
                    m = {cost, vx, vy};
            }
    }

    // The best whole-sample vector in the window [cx - r, cx + r] x [cy - r, cy + r]
    // (kept in range) for the block of `size` at (x0, y0), clipped to the frame,
    // first minimum in raster order of (dy, dx); with subpel then refined.
    // Returns it and (in *integer) the whole-sample match before refinement.
    Match search(int x0, int y0, int size, int cx, int cy, int r, Match *integer = nullptr) const
    {
        const int bw = std::min(size, w - x0), bh = std::min(size, h - y0);
        Match m;
        for (int dy = std::max(cy - r, -kMotionRange); dy <= std::min(cy + r, kMotionRange); dy++)
            for (int dx = std::max(cx - r, -kMotionRange); dx <= std::min(cx + r, kMotionRange); dx++) {
                int cost = 2 * (std::abs(dx) + std::abs(dy));
                for (int y = 0; y < bh && cost < m.cost; y++) {
                    const uint8_t *c = cur + (size_t)(y0 + y) * w + x0;
                    cost += row_sad(c, padded.at(x0 + dx, y0 + y + dy), bw);
                }
                if (cost < m.cost)
                    m = {cost, 4 * dx, 4 * dy};
            }
        if (integer)
            *integer = m;
        if (subpel)
            refine(x0, y0, bw, bh, m);
        return m;
    }
};

} // namespace

void estimate_motion(const uint8_t *cur, const uint8_t *ref, const int16_t *intra_res, int w, int h, MotionField &mf,
                     WorkerPool *pool)
{
    mf.resize(w, h);
    const Searcher s(cur, ref, w, h, mf.subpel, mf.sharp, pool);
    // Per 16x16 block: its coded blocks' matches (itself, or its quarters when split).
    std::vector<std::vector<Match>> chosen((size_t)mf.bw * mf.bh);
    auto search_rows = [&](int row0, int row1) {
        for (int by = row0; by < row1; by++)
            for (int bx = 0; bx < mf.bw; bx++) {
                const int x0 = bx * kMotionBlock, y0 = by * kMotionBlock;
                Match integer;
                const Match whole = s.search(x0, y0, kMotionBlock, 0, 0, kMotionRange, &integer);
                // The quarters search near the block's whole-sample match.
                const int cx = integer.vx4 / 4, cy = integer.vy4 / 4;
                std::vector<Match> quarters;
                long sum = 0;
                for (int qy = 0; mf.split && qy < 2; qy++)
                    for (int qx = 0; qx < 2; qx++) {
                        const int qx0 = x0 + qx * kMotionUnit, qy0 = y0 + qy * kMotionUnit;
                        if (qx0 < w && qy0 < h) {
                            quarters.push_back(s.search(qx0, qy0, kMotionUnit, cx, cy, kQuarterWindow));
                            sum += quarters.back().cost;
                        }
                    }
                const size_t b = (size_t)by * mf.bw + bx;
                if (mf.split && sum * kSplitGain < (long)whole.cost * (kSplitGain - 1)) {
                    mf.split_block[b] = 1;
                    chosen[b] = std::move(quarters);
                } else {
                    chosen[b] = {whole};
                }
            }
    };
    if (pool)
        pool->run(mf.bh, 1, search_rows);
    else
        search_rows(0, mf.bh);
    mf.layout();
    std::vector<Match> coded; // in coding order, as layout() lists the blocks
    for (const std::vector<Match> &c : chosen)
        coded.insert(coded.end(), c.begin(), c.end());
    for (size_t b = 0; b < coded.size(); b++) {
        const int x0 = mf.x0[b], y0 = mf.y0[b];
        const int bw = std::min((int)mf.size[b], w - x0), bh = std::min((int)mf.size[b], h - y0);
        long intra_cost = 0;
        for (int y = 0; intra_res && y < bh; y++)
            for (int x = 0; x < bw; x++)
                intra_cost += std::abs(intra_res[(size_t)(y0 + y) * w + x0 + x]);
        if (intra_res && intra_cost < coded[b].cost) {
            mf.intra[b] = 1;
        } else {
            mf.mvx[b] = (int8_t)(coded[b].vx4 >> 2);
            mf.mvy[b] = (int8_t)(coded[b].vy4 >> 2);
            mf.fx[b] = (uint8_t)(coded[b].vx4 & 3);
            mf.fy[b] = (uint8_t)(coded[b].vy4 & 3);
        }
    }
}

constexpr int kSpan = 2 * kMotionRange + 1;

// Split flags' context: the flags of the left and upper 16x16 blocks.
static int split_context(const MotionField &mf, int bx, int by)
{
    return (bx > 0 && mf.split_block[(size_t)by * mf.bw + bx - 1]) +
           (by > 0 && mf.split_block[(size_t)(by - 1) * mf.bw + bx]);
}

// With split, every 16x16 block's flag first; then per coded block symbol x:
// 0 = intra block, 1 + vx + 16 otherwise; symbol y: vy + 16; with subpel
// then the fraction fy * 4 + fx.
void encode_motion(RangeEncoder &enc, const MotionField &mf)
{
    std::vector<AdaptiveTable> ts(3, AdaptiveTable(2));
    for (int by = 0; mf.split && by < mf.bh; by++)
        for (int bx = 0; bx < mf.bw; bx++)
            ts[split_context(mf, bx, by)].put(enc, mf.split_block[(size_t)by * mf.bw + bx]);
    AdaptiveTable tx(kSpan + 1), ty(kSpan), tf(16);
    for (size_t b = 0; b < mf.intra.size(); b++) {
        if (mf.intra[b]) {
            tx.put(enc, 0);
            continue;
        }
        tx.put(enc, 1 + mf.mvx[b] + kMotionRange);
        ty.put(enc, mf.mvy[b] + kMotionRange);
        if (mf.subpel)
            tf.put(enc, mf.fy[b] * 4 + mf.fx[b]);
    }
}

void decode_motion(RangeDecoder &dec, MotionField &mf)
{
    std::vector<AdaptiveTable> ts(3, AdaptiveTable(2));
    for (int by = 0; by < mf.bh; by++)
        for (int bx = 0; bx < mf.bw; bx++)
            mf.split_block[(size_t)by * mf.bw + bx] = mf.split ? (uint8_t)ts[split_context(mf, bx, by)].get(dec) : 0;
    mf.layout();
    AdaptiveTable tx(kSpan + 1), ty(kSpan), tf(16);
    for (size_t b = 0; b < mf.intra.size(); b++) {
        int sx = tx.get(dec);
        mf.intra[b] = sx == 0;
        mf.mvx[b] = (int8_t)(sx ? sx - 1 - kMotionRange : 0);
        mf.mvy[b] = (int8_t)(sx ? ty.get(dec) - kMotionRange : 0);
        int f = sx && mf.subpel ? tf.get(dec) : 0;
        mf.fx[b] = (uint8_t)(f & 3);
        mf.fy[b] = (uint8_t)(f >> 2);
    }
}

void align_plane(const uint8_t *ref, const uint8_t *background, int w, int h, int sx, int sy,
                 const MotionField &mf, uint8_t *aligned)
{
    if (!mf.subpel) { // whole samples: the samples of one 8x8 unit share a vector, so a row of it is one copy
        const int run = kMotionUnit >> sx;
        for (int y = 0; y < h; y++) {
            uint8_t *out = aligned + (size_t)y * w;
            for (int x0 = 0; x0 < w; x0 += run) {
                const size_t b = mf.block_at(x0 << sx, y << sy);
                const uint8_t *row = (mf.background[b] ? background : ref) +
                                     (size_t)std::clamp(y + (mf.mvy[b] >> sy), 0, h - 1) * w;
                const int vx = mf.mvx[b] >> sx, n = std::min(run, w - x0);
                if (x0 + vx >= 0 && x0 + vx + n <= w)
                    memcpy(out + x0, row + x0 + vx, n);
                else
                    for (int x = x0; x < x0 + n; x++)
                        out[x] = row[std::clamp(x + vx, 0, w - 1)];
            }
        }
        return;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const size_t b = mf.block_at(x << sx, y << sy);
            const uint8_t *from = mf.background[b] ? background : ref;
            aligned[(size_t)y * w + x] = (uint8_t)interpolated(from, w, h, x, y, 4 * mf.mvx[b] + mf.fx[b],
                                                               4 * mf.mvy[b] + mf.fy[b], sx, sy, mf.sharp);
        }
}

} // namespace lmc
