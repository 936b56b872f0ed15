// A small adaptive frequency table for side information coded with the
// range coder (motion vectors, skip flags): every coded symbol adds 32 to
// its frequency; all are halved before the total would pass the coder's
// limit. Encoder and decoder update it identically.
#pragma once

#include <cstdint>
#include <vector>

#include "range_coder.h"

namespace lmc {

struct AdaptiveTable {
    explicit AdaptiveTable(int n) : f(n, 1), total(n) {}
    uint32_t cum(int s) const
    {
        uint32_t c = 0;
        for (int i = 0; i < s; i++)
            c += f[i];
        return c;
    }
    void update(int s)
    {
        f[s] += 32;
        total += 32;
        if (total > kMaxTotal - 32) {
            total = 0;
            for (uint32_t &v : f)
                total += v = (v + 1) / 2;
        }
    }
    void put(RangeEncoder &enc, int s)
    {
        enc.encode(cum(s), f[s], total);
        update(s);
    }
    int get(RangeDecoder &dec)
    {
        uint32_t target = dec.decode_target(total), c = 0;
        int s = 0;
        for (; s < (int)f.size() - 1 && c + f[s] <= target; s++)
            c += f[s];
        dec.consume(c, f[s]);
        update(s);
        return s;
    }
    std::vector<uint32_t> f;
    uint32_t total;
};

} // namespace lmc
