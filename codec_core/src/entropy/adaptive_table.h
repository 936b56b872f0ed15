// A small adaptive frequency table for side information coded with the
// range coder (motion vectors, skip flags): every coded symbol adds 32 to
// its frequency; all are halved before the total would pass the coder's
// limit. Encoder and decoder update it identically.
#pragma once

#include <cstdint>
#include <vector>

#include "range_coder.h"
#include "symbol_coder.h"

namespace lmc {

struct AdaptiveTable {
    explicit AdaptiveTable(int n) : f(n, 1), total(n) {}
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
        encode_symbol(enc, f.data(), total, s);
        update(s);
    }
    int get(RangeDecoder &dec)
    {
        const int s = decode_symbol(dec, f.data(), (int)f.size(), total);
        update(s);
        return s;
    }
    std::vector<uint32_t> f;
    uint32_t total;
};

} // namespace lmc
