#include "skip_blocks.h"

#include <algorithm>
#include <type_traits>

#include "adaptive_table.h"

namespace lmc {

void SkipMap::resize(const PlaneState *planes, int n)
{
    nplanes = n;
    for (int p = 0; p < n; p++) {
        Plane &q = plane[p];
        const int block = fine ? kFineSkipBlock : kSkipBlock;
        q.bw = block >> planes[p].sx;
        q.bh = block >> planes[p].sy;
        q.nx = (planes[p].w + q.bw - 1) / q.bw;
        q.ny = (planes[p].h + q.bh - 1) / q.bh;
        q.skip.assign((size_t)q.nx * q.ny, 0);
    }
}

namespace {

// Flag of block (x, y) of a plane's grid; 0 outside.
int flag_at(const SkipMap::Plane &q, int x, int y)
{
    return x >= 0 && y >= 0 && x < q.nx && y < q.ny ? q.skip[(size_t)y * q.nx + x] : 0;
}

// An 8x8 block's flag on the fine grid: all its quarters inside the plane are copies.
int whole_at(const SkipMap::Plane &q, int x, int y)
{
    if (x < 0 || y < 0 || 2 * x >= q.nx || 2 * y >= q.ny)
        return 0;
    for (int j = 2 * y; j < std::min(2 * y + 2, q.ny); j++)
        for (int i = 2 * x; i < std::min(2 * x + 2, q.nx); i++)
            if (!q.skip[(size_t)j * q.nx + i])
                return 0;
    return 1;
}

} // namespace

std::vector<size_t> copy_quarters(const SkipMap::Plane &q)
{
    std::vector<size_t> out;
    for (int by = 0; 2 * by < q.ny; by++)
        for (int bx = 0; 2 * bx < q.nx; bx++)
            if (!whole_at(q, bx, by))
                for (int y = 2 * by; y < std::min(2 * by + 2, q.ny); y++)
                    for (int x = 2 * bx; x < std::min(2 * bx + 2, q.nx); x++)
                        if (q.skip[(size_t)y * q.nx + x])
                            out.push_back((size_t)y * q.nx + x);
    return out;
}

size_t changed_blocks(const SkipMap::Plane &q)
{
    size_t n = 0;
    for (int by = 0; 2 * by < q.ny; by++)
        for (int bx = 0; 2 * bx < q.nx; bx++)
            n += !whole_at(q, bx, by);
    return n;
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

// Context of a flag from its left and upper neighbours in plane p and the
// same block in the planes before it: luma 0..2; chroma 3 + ((l + a) * 2 + y0)
// * 2 + y1 (y1 only in the second chroma plane); alpha 15 + l + a.
template <typename Flag>
int skip_context(int p, int bx, int by, Flag flag)
{
    int n = flag(p, bx - 1, by) + flag(p, bx, by - 1);
    if (p == 0)
        return n;
    if (p == 3)
        return 15 + n;
    return 3 + (n * 2 + flag(0, bx, by)) * 2 + (p == 2 ? flag(1, bx, by) : 0);
}

constexpr int kSkipContexts = 3 + 12 + 3;

// Visits every flag in coding order with its context's table; code(table,
// flag) writes or reads one flag.
template <typename Map, typename Code>
void walk(Map &map, Code &&code)
{
    std::vector<AdaptiveTable> tables(kSkipContexts, AdaptiveTable(2));
    if (!map.fine) {
        auto flag = [&map](int q, int x, int y) { return flag_at(map.plane[q], x, y); };
        for (int p = 0; p < map.nplanes; p++) {
            auto &q = map.plane[p];
            for (int by = 0; by < q.ny; by++)
                for (int bx = 0; bx < q.nx; bx++)
                    code(tables[skip_context(p, bx, by, flag)], q.skip[(size_t)by * q.nx + bx]);
        }
        return;
    }
    // Fine: the 8x8 block's flag, then where it is 0 its quarters' flags.
    std::vector<AdaptiveTable> quarter_tables(kSkipContexts, AdaptiveTable(2));
    auto whole = [&map](int q, int x, int y) { return whole_at(map.plane[q], x, y); };
    auto quarter = [&map](int q, int x, int y) { return flag_at(map.plane[q], x, y); };
    AdaptiveTable plane_table(2);
    for (int p = 0; p < map.nplanes; p++) {
        auto &q = map.plane[p];
        uint8_t quarters = q.quarters;
        code(plane_table, quarters);
        if constexpr (!std::is_const_v<Map>)
            q.quarters = quarters;
        for (int by = 0; by < (q.ny + 1) / 2; by++)
            for (int bx = 0; bx < (q.nx + 1) / 2; bx++) {
                const int x1 = std::min(2 * bx + 2, q.nx), y1 = std::min(2 * by + 2, q.ny);
                uint8_t all = (uint8_t)whole_at(q, bx, by);
                code(tables[skip_context(p, bx, by, whole)], all);
                int left = (x1 - 2 * bx) * (y1 - 2 * by), copies = 0;
                for (int y = 2 * by; y < y1; y++)
                    for (int x = 2 * bx; x < x1; x++) {
                        auto &f = q.skip[(size_t)y * q.nx + x];
                        uint8_t v = all;
                        // The block is no copy: when all its other quarters are, this last one is not.
                        if (quarters && !all && !(--left == 0 && copies == (x1 - 2 * bx) * (y1 - 2 * by) - 1)) {
                            v = f;
                            code(quarter_tables[skip_context(p, x, y, quarter)], v);
                            copies += v;
                        }
                        if constexpr (!std::is_const_v<Map>)
                            f = v; // decoder: the flags come from the stream
                    }
            }
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
