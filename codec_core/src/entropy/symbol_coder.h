// One symbol through the range coder from a frequency table: f[0..n) with
// sum total (every f >= 1, total <= 2^16). The one place where video
// residuals, lmc_gen bins, audio symbols and the adaptive side-information
// tables turn frequencies into range-coder calls.
#pragma once

#include <cstdint>

#include "range_coder.h"

namespace lmc {

// Cumulative frequency below symbol s.
inline uint32_t cum_below(const uint32_t *f, int s)
{
    uint32_t c = 0;
    for (int i = 0; i < s; i++)
        c += f[i];
    return c;
}

inline void encode_symbol(RangeEncoder &enc, const uint32_t *f, uint32_t total, int sym)
{
    enc.encode(cum_below(f, sym), f[sym], total);
}

// A target past the last symbol's interval (damaged data only) decodes as the
// last symbol; the decoders' overrun and exact-consumption checks reject the
// packet. The search skips whole blocks of 16 symbols first (sums the
// compiler vectorises): video residuals below zero sit at the end of the
// 256-symbol alphabet, where a symbol-by-symbol walk took 200+ steps.
inline int decode_symbol(RangeDecoder &dec, const uint32_t *f, int n, uint32_t total)
{
    uint32_t target = dec.decode_target(total), c = 0;
    int sym = 0;
    for (; sym + 16 <= n - 1; sym += 16) {
        uint32_t block = 0;
        for (int i = 0; i < 16; i++)
            block += f[sym + i];
        if (c + block > target)
            break;
        c += block;
    }
    for (; sym < n - 1 && c + f[sym] <= target; sym++)
        c += f[sym];
    dec.consume(c, f[sym]);
    return sym;
}

} // namespace lmc
