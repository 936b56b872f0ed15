// How lmc_video codes its symbols, shared by the batched encoder, the
// wavefront (encoder and decoder) and the packet reader: lmc_gen's
// quantiser bins and the frame's bias offsets (docs/format.md 5, 7.4).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "adaptive_table.h"
#include "freq_table.h"
#include "range_coder.h"
#include "symbol_coder.h"

namespace lmc {

// lmc_gen bins: the quantised residual q of residual e for error bound d.
inline int quantise(int e, int d)
{
    return e >= 0 ? (e + d) / (2 * d + 1) : -((-e + d) / (2 * d + 1));
}

// Sums the 256 residual frequencies into the bins reachable from prediction P.
// Returns the bin count; bins[j] is the frequency of q = qmin + j.
inline int gen_bins(const uint32_t *g, int P, int d, uint32_t *bins, int *qmin)
{
    *qmin = quantise(-P, d);
    int nb = quantise(255 - P, d) - *qmin + 1;
    memset(bins, 0, sizeof(uint32_t) * nb);
    for (int e = -P; e <= 255 - P; e++)
        bins[quantise(e, d) - *qmin] += g[e & 255];
    return nb;
}

inline void put_offsets(RangeEncoder &enc, const std::vector<int8_t> &d)
{
    AdaptiveTable t(256);
    for (int8_t v : d)
        t.put(enc, (uint8_t)v);
}

inline std::vector<int8_t> get_offsets(RangeDecoder &dec, int n)
{
    AdaptiveTable t(256);
    std::vector<int8_t> d(n);
    for (int8_t &v : d)
        v = (int8_t)t.get(dec);
    return d;
}

} // namespace lmc
