#include "background.h"

#include <cstdlib>

#include "adaptive_table.h"

namespace lmc {

void Background::keep(const PlaneState *planes, int nplanes, bool keyframe)
{
    for (int p = 0; p < nplanes; p++) {
        const std::vector<uint8_t> &x = planes[p].px;
        std::vector<uint16_t> &b = acc[p];
        if (keyframe || b.size() != x.size()) {
            b.resize(x.size());
            for (size_t i = 0; i < x.size(); i++)
                b[i] = (uint16_t)(x[i] << 4);
        } else {
            for (size_t i = 0; i < x.size(); i++)
                b[i] = (uint16_t)((3 * b[i] + (x[i] << 4) + 2) >> 2);
        }
    }
}

void Background::frame(int plane, std::vector<uint8_t> &out) const
{
    const std::vector<uint16_t> &b = acc[plane];
    out.resize(b.size());
    for (size_t i = 0; i < b.size(); i++)
        out[i] = (uint8_t)((b[i] + 8) >> 4);
}

void choose_background_blocks(const uint8_t *src, const uint8_t *aligned_prev, const uint8_t *aligned_bg,
                              const int16_t *intra_res, int w, int h, MotionField &mf)
{
    std::vector<long> prev(mf.intra.size()), bg(mf.intra.size()), intra(mf.intra.size());
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x, b = mf.block_at(x, y);
            prev[b] += std::abs(src[i] - aligned_prev[i]);
            bg[b] += std::abs(src[i] - aligned_bg[i]);
            intra[b] += std::abs(intra_res[i]);
        }
    for (size_t b = 0; b < mf.intra.size(); b++) {
        if (mf.intra[b] && bg[b] < intra[b]) { // intra blocks have vector (0, 0)
            mf.intra[b] = 0;
            mf.background[b] = 1;
        } else {
            mf.background[b] = !mf.intra[b] && bg[b] < prev[b];
        }
    }
}

namespace {

// The choices of the coded blocks left of and above block b's first sample
// (earlier in coding order; unsplit, the left and upper 16x16 blocks).
int choice_context(const MotionField &mf, size_t b)
{
    int left = mf.x0[b] > 0 && mf.background[mf.block_at(mf.x0[b] - 1, mf.y0[b])];
    int up = mf.y0[b] > 0 && mf.background[mf.block_at(mf.x0[b], mf.y0[b] - 1)];
    return left + up;
}

// Visits the flags of the non-intra blocks in coding order with their tables.
template <typename Field, typename Code>
void walk(Field &mf, Code &&code)
{
    std::vector<AdaptiveTable> tables(3, AdaptiveTable(2));
    for (size_t b = 0; b < mf.intra.size(); b++)
        if (!mf.intra[b])
            code(tables[choice_context(mf, b)], mf.background[b]);
}

} // namespace

void encode_background_choice(RangeEncoder &enc, const MotionField &mf)
{
    walk(mf, [&enc](AdaptiveTable &t, uint8_t flag) { t.put(enc, flag); });
}

void decode_background_choice(RangeDecoder &dec, MotionField &mf)
{
    walk(mf, [&dec](AdaptiveTable &t, uint8_t &flag) { flag = (uint8_t)t.get(dec); });
}

} // namespace lmc
