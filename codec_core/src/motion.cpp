#include "motion.h"

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "errors.h"
#include "adaptive_table.h"

namespace lmc {

void MotionField::resize(int luma_w, int luma_h)
{
    bw = (luma_w + kMotionBlock - 1) / kMotionBlock;
    bh = (luma_h + kMotionBlock - 1) / kMotionBlock;
    size_t n = (size_t)bw * bh;
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
static inline int interpolated(const uint8_t *ref, int w, int h, int x, int y, int vx4, int vy4, int sx, int sy)
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

// The quarter-sample refinement of one block's whole-sample match (*vx4,
// *vy4) of cost best: the 48 other vectors within 3/4 of a sample whose
// whole part stays in range, in raster order of (qy, qx), first minimum.
// Returns the cost of the vector left in *vx4, *vy4.
static int refine_subpel(const uint8_t *cur, const uint8_t *ref, int w, int h, int x0, int y0, int bw, int bh,
                         int best, int *vx4, int *vy4)
{
    const int cx = *vx4, cy = *vy4;
    for (int qy = -3; qy <= 3; qy++)
        for (int qx = -3; qx <= 3; qx++) {
            const int vx = cx + qx, vy = cy + qy;
            if ((qx == 0 && qy == 0) || std::abs(vx >> 2) > kMotionRange || std::abs(vy >> 2) > kMotionRange)
                continue;
            int cost = (std::abs(vx) + std::abs(vy)) / 2 + ((vx | vy) & 3 ? kSubpelPenalty : 0);
            for (int y = 0; y < bh && cost < best; y++) {
                const uint8_t *c = cur + (size_t)(y0 + y) * w + x0;
                int s = 0;
                for (int x = 0; x < bw; x++)
                    s += std::abs((int)c[x] - interpolated(ref, w, h, x0 + x, y0 + y, vx, vy, 0, 0));
                cost += s;
            }
            if (cost < best)
                best = cost, *vx4 = vx, *vy4 = vy;
        }
    return best;
}

void estimate_motion(const uint8_t *cur, const uint8_t *ref, const int16_t *intra_res, int w, int h,
                     bool subpel, MotionField &mf)
{
    mf.resize(w, h);
    mf.subpel = subpel;
    // Reference padded by edge replication, so every candidate reads inside it.
    const int pad = kMotionRange;
    const int pw = w + 2 * pad, ph = h + 2 * pad;
    std::vector<uint8_t> padded((size_t)pw * ph);
    for (int y = 0; y < ph; y++) {
        const uint8_t *row = ref + (size_t)std::clamp(y - pad, 0, h - 1) * w;
        for (int x = 0; x < pw; x++)
            padded[(size_t)y * pw + x] = row[std::clamp(x - pad, 0, w - 1)];
    }
    for (int by = 0; by < mf.bh; by++)
        for (int bx = 0; bx < mf.bw; bx++) {
            int x0 = bx * kMotionBlock, y0 = by * kMotionBlock;
            int bw = std::min(kMotionBlock, w - x0), bh = std::min(kMotionBlock, h - y0);
            int best = INT_MAX, best_dx = 0, best_dy = 0;
            for (int dy = -kMotionRange; dy <= kMotionRange; dy++)
                for (int dx = -kMotionRange; dx <= kMotionRange; dx++) {
                    int cost = 2 * (std::abs(dx) + std::abs(dy));
                    for (int y = 0; y < bh && cost < best; y++) {
                        const uint8_t *c = cur + (size_t)(y0 + y) * w + x0;
                        const uint8_t *r = &padded[(size_t)(y0 + y + dy + pad) * pw + x0 + dx + pad];
                        int s = 0;
                        for (int x = 0; x < bw; x++)
                            s += std::abs((int)c[x] - (int)r[x]);
                        cost += s;
                    }
                    if (cost < best)
                        best = cost, best_dx = dx, best_dy = dy;
                }
            int vx4 = 4 * best_dx, vy4 = 4 * best_dy;
            if (subpel)
                best = refine_subpel(cur, ref, w, h, x0, y0, bw, bh, best, &vx4, &vy4);
            int intra_cost = 0;
            for (int y = 0; y < bh; y++)
                for (int x = 0; x < bw; x++)
                    intra_cost += std::abs(intra_res[(size_t)(y0 + y) * w + x0 + x]);
            size_t b = (size_t)by * mf.bw + bx;
            if (intra_cost < best) {
                mf.intra[b] = 1;
            } else {
                mf.mvx[b] = (int8_t)(vx4 >> 2);
                mf.mvy[b] = (int8_t)(vy4 >> 2);
                mf.fx[b] = (uint8_t)(vx4 & 3);
                mf.fy[b] = (uint8_t)(vy4 & 3);
            }
        }
}

constexpr int kSpan = 2 * kMotionRange + 1;

// Symbol x: 0 = intra block, 1 + vx + 16 otherwise; symbol y: vy + 16;
// with subpel then the fraction fy * 4 + fx.
void encode_motion(RangeEncoder &enc, const MotionField &mf)
{
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
    AdaptiveTable tx(kSpan + 1), ty(kSpan), tf(16);
    for (size_t b = 0; b < mf.intra.size(); b++) {
        int sx = tx.get(dec);
        mf.intra[b] = sx == 0;
        mf.background[b] = 0;
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
    for (int y = 0; y < h; y++) {
        const size_t brow = (size_t)((y << sy) / kMotionBlock) * mf.bw;
        for (int x = 0; x < w; x++) {
            size_t b = brow + (size_t)((x << sx) / kMotionBlock);
            const uint8_t *from = mf.background[b] ? background : ref;
            if (mf.subpel) {
                aligned[(size_t)y * w + x] = (uint8_t)interpolated(from, w, h, x, y, 4 * mf.mvx[b] + mf.fx[b],
                                                                   4 * mf.mvy[b] + mf.fy[b], sx, sy);
                continue;
            }
            int rx = std::clamp(x + (mf.mvx[b] >> sx), 0, w - 1);
            int ry = std::clamp(y + (mf.mvy[b] >> sy), 0, h - 1);
            aligned[(size_t)y * w + x] = from[(size_t)ry * w + rx];
        }
    }
}

} // namespace lmc
