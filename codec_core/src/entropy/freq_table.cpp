#include "freq_table.h"
#include "simd_clones.h"

#include <algorithm>

namespace lmc {

static const uint32_t kFrac[16] = {65536, 62757, 60097, 57549, 55109, 52773, 50535, 48393,
                                   46341, 44376, 42495, 40693, 38968, 37316, 35734, 34219};

uint32_t logit_lut(int k)
{
    return std::max<uint32_t>(1, kFrac[k & 15] >> ((k >> 4) + 1));
}

static const struct Lut {
    uint32_t v[256];
    Lut() { for (int k = 0; k < 256; k++) v[k] = logit_lut(k); }
} kLut;

const uint32_t *logit_lut_table() { return kLut.v; }

LMC_SIMD_CLONES uint32_t logits_to_freqs(const int32_t *logits, int n, uint32_t *g)
{
    int32_t m = *std::max_element(logits, logits + n);
    uint64_t sum = 0;
    for (int i = 0; i < n; i++) {
        int64_t k = (int64_t)m - logits[i];
        g[i] = kLut.v[k < 255 ? k : 255];
        sum += g[i];
    }
    uint64_t inv = (((uint64_t)(65536 - n)) << 32) / sum;
    uint32_t total = 0;
    for (int i = 0; i < n; i++) {
        g[i] = 1 + mul_shr32(g[i], inv); // g <= 2^15, inv <= 2^33: the result < 2^16
        total += g[i];
    }
    return total;
}

} // namespace lmc
