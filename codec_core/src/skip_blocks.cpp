#include "skip_blocks.h"

#include "adaptive_table.h"

namespace lmc {

void SkipMap::resize(const PlaneState *planes, int n)
{
    nplanes = n;
    for (int p = 0; p < n; p++) {
        Plane &q = plane[p];
        q.bw = kSkipBlock >> planes[p].sx;
        q.bh = kSkipBlock >> planes[p].sy;
        q.nx = (planes[p].w + q.bw - 1) / q.bw;
        q.ny = (planes[p].h + q.bh - 1) / q.bh;
        q.skip.assign((size_t)q.nx * q.ny, 0);
    }
}

void find_skip_blocks(const PlaneState *planes, const std::vector<uint8_t> *source, SkipMap &map)
{
    for (int p = 0; p < map.nplanes; p++) {
        const PlaneState &s = planes[p];
        SkipMap::Plane &q = map.plane[p];
        std::fill(q.skip.begin(), q.skip.end(), 1);
        for (int y = 0; y < s.h; y++) {
            const uint8_t *src = &source[p][(size_t)y * s.w], *ref = &s.aligned[(size_t)y * s.w];
            uint8_t *row = &q.skip[(size_t)(y / q.bh) * q.nx];
            for (int x = 0; x < s.w; x++)
                if (src[x] != ref[x])
                    row[x / q.bw] = 0;
        }
    }
}

namespace {

// Context of block (bx, by) of plane p: luma 0..2 (skipped among left and
// above); chroma 3.. also by the co-located block of luma and, for the
// second chroma plane, of the first.
int skip_context(const SkipMap &map, int p, int bx, int by)
{
    auto flag = [&map](int q, int x, int y) -> int {
        const SkipMap::Plane &pl = map.plane[q];
        return x >= 0 && y >= 0 && x < pl.nx && y < pl.ny ? pl.skip[(size_t)y * pl.nx + x] : 0;
    };
    int n = flag(p, bx - 1, by) + flag(p, bx, by - 1);
    if (p == 0)
        return n;
    return 3 + (n * 2 + flag(0, bx, by)) * 2 + (p == 2 ? flag(1, bx, by) : 0);
}

constexpr int kSkipContexts = 3 + 12;

// Visits every flag in coding order with its context's table.
template <typename Map, typename Code>
void walk(Map &map, Code &&code)
{
    std::vector<AdaptiveTable> tables(kSkipContexts, AdaptiveTable(2));
    for (int p = 0; p < map.nplanes; p++) {
        auto &q = map.plane[p];
        for (int by = 0; by < q.ny; by++)
            for (int bx = 0; bx < q.nx; bx++)
                code(tables[skip_context(map, p, bx, by)], q.skip[(size_t)by * q.nx + bx]);
    }
}

} // namespace

void encode_skip_blocks(RangeEncoder &enc, const SkipMap &map)
{
    walk(map, [&enc](AdaptiveTable &t, uint8_t flag) { t.put(enc, flag); });
}

void decode_skip_blocks(RangeDecoder &dec, SkipMap &map)
{
    walk(map, [&dec](AdaptiveTable &t, uint8_t &flag) { flag = (uint8_t)t.get(dec); });
}

} // namespace lmc
