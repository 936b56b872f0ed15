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
    intra.assign(n, 0);
    background.assign(n, 0);
}

void estimate_motion(const uint8_t *cur, const uint8_t *ref, const int16_t *intra_res, int w, int h,
                     MotionField &mf)
{
    mf.resize(w, h);
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
            int intra_cost = 0;
            for (int y = 0; y < bh; y++)
                for (int x = 0; x < bw; x++)
                    intra_cost += std::abs(intra_res[(size_t)(y0 + y) * w + x0 + x]);
            size_t b = (size_t)by * mf.bw + bx;
            if (intra_cost < best) {
                mf.intra[b] = 1;
            } else {
                mf.mvx[b] = (int8_t)best_dx;
                mf.mvy[b] = (int8_t)best_dy;
            }
        }
}

constexpr int kSpan = 2 * kMotionRange + 1;

// Symbol x: 0 = intra block, 1 + vx + 16 otherwise; symbol y: vy + 16.
void encode_motion(RangeEncoder &enc, const MotionField &mf)
{
    AdaptiveTable tx(kSpan + 1), ty(kSpan);
    for (size_t b = 0; b < mf.intra.size(); b++) {
        if (mf.intra[b]) {
            tx.put(enc, 0);
            continue;
        }
        tx.put(enc, 1 + mf.mvx[b] + kMotionRange);
        ty.put(enc, mf.mvy[b] + kMotionRange);
    }
}

void decode_motion(RangeDecoder &dec, MotionField &mf)
{
    AdaptiveTable tx(kSpan + 1), ty(kSpan);
    for (size_t b = 0; b < mf.intra.size(); b++) {
        int sx = tx.get(dec);
        mf.intra[b] = sx == 0;
        mf.background[b] = 0;
        mf.mvx[b] = (int8_t)(sx ? sx - 1 - kMotionRange : 0);
        mf.mvy[b] = (int8_t)(sx ? ty.get(dec) - kMotionRange : 0);
    }
}

void align_plane(const uint8_t *ref, const uint8_t *background, int w, int h, int sx, int sy,
                 const MotionField &mf, uint8_t *aligned)
{
    for (int y = 0; y < h; y++) {
        const size_t brow = (size_t)((y << sy) / kMotionBlock) * mf.bw;
        for (int x = 0; x < w; x++) {
            size_t b = brow + (size_t)((x << sx) / kMotionBlock);
            int rx = std::clamp(x + (mf.mvx[b] >> sx), 0, w - 1);
            int ry = std::clamp(y + (mf.mvy[b] >> sy), 0, h - 1);
            aligned[(size_t)y * w + x] = (mf.background[b] ? background : ref)[(size_t)ry * w + rx];
        }
    }
}

} // namespace lmc
