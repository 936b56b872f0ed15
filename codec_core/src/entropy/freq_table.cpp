#include "freq_table.h"
#include "simd_clones.h"

#include <algorithm>
#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

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

// f_i = LUT[min(m - l_i, 255)] (docs/format.md 2) into g; returns their sum. In
// 32 bits: logits are within +-32767, so m - l_i < 2^16, and n <= 256 values of
// at most 2^15 sum below 2^24.
static uint32_t lut_freqs(const int32_t *logits, int n, int32_t m, uint32_t *g)
{
    uint32_t sum = 0;
    for (int i = 0; i < n; i++) {
        g[i] = kLut.v[std::min<uint32_t>((uint32_t)(m - logits[i]), 255)];
        sum += g[i];
    }
    return sum;
}

#if defined(__x86_64__) && defined(__GNUC__)
// The same, 8 symbols a step: LUT[k] = max(1, FRAC[k & 15] >> ((k >> 4) + 1))
// with FRAC's 16 entries in two registers (vpermd picks by k & 7, bit 3 picks
// the register), instead of a scalar table read per symbol.
__attribute__((target("avx2"))) static uint32_t lut_freqs_avx2(const int32_t *logits, int n, int32_t m,
                                                               uint32_t *g)
{
    const __m256i frac_lo = _mm256_loadu_si256((const __m256i *)kFrac);
    const __m256i frac_hi = _mm256_loadu_si256((const __m256i *)(kFrac + 8));
    const __m256i vm = _mm256_set1_epi32(m), cap = _mm256_set1_epi32(255), one = _mm256_set1_epi32(1);
    __m256i sum = _mm256_setzero_si256();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i k = _mm256_min_epu32(_mm256_sub_epi32(vm, _mm256_loadu_si256((const __m256i *)(logits + i))), cap);
        const __m256i lo = _mm256_permutevar8x32_epi32(frac_lo, k), hi = _mm256_permutevar8x32_epi32(frac_hi, k);
        const __m256i frac = _mm256_castps_si256(_mm256_blendv_ps(
            _mm256_castsi256_ps(lo), _mm256_castsi256_ps(hi), _mm256_castsi256_ps(_mm256_slli_epi32(k, 28))));
        const __m256i f = _mm256_max_epu32(one, _mm256_srlv_epi32(frac, _mm256_add_epi32(_mm256_srli_epi32(k, 4), one)));
        _mm256_storeu_si256((__m256i *)(g + i), f);
        sum = _mm256_add_epi32(sum, f);
    }
    uint32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, sum);
    uint32_t total = 0;
    for (uint32_t v : lanes)
        total += v;
    return total + lut_freqs(logits + i, n - i, m, g + i);
}

// 16 symbols a step where the CPU has AVX-512: FRAC's 16 entries fit one
// register, which vpermd indexes by k & 15 directly.
__attribute__((target("avx512f"))) static uint32_t lut_freqs_avx512(const int32_t *logits, int n, int32_t m,
                                                                    uint32_t *g)
{
    const __m512i frac16 = _mm512_loadu_si512((const void *)kFrac);
    const __m512i vm = _mm512_set1_epi32(m), cap = _mm512_set1_epi32(255), one = _mm512_set1_epi32(1);
    __m512i sum = _mm512_setzero_si512();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i k = _mm512_min_epu32(_mm512_sub_epi32(vm, _mm512_loadu_si512((const void *)(logits + i))), cap);
        const __m512i frac = _mm512_permutexvar_epi32(k, frac16); // uses k & 15
        const __m512i f = _mm512_max_epu32(one, _mm512_srlv_epi32(frac, _mm512_add_epi32(_mm512_srli_epi32(k, 4), one)));
        _mm512_storeu_si512((void *)(g + i), f);
        sum = _mm512_add_epi32(sum, f);
    }
    return (uint32_t)_mm512_reduce_add_epi32(sum) + lut_freqs(logits + i, n - i, m, g + i);
}
#endif

// The largest logit: a plain reduction, which compilers vectorise
// (std::max_element keeps the position and stays scalar).
__attribute__((always_inline)) static inline int32_t max_logit(const int32_t *logits, int n)
{
    int32_t m = INT32_MIN; // from element 0: 256 logits are 16 whole vectors, no scalar tail
    for (int i = 0; i < n; i++)
        m = std::max(m, logits[i]);
    return m;
}

// Scales g (sum `sum`) to a total of about 2^16 - n, each at least 1; returns the total.
__attribute__((always_inline)) static inline uint32_t normalise(uint32_t *g, int n, uint32_t sum)
{
    const uint64_t inv = (((uint64_t)(65536 - n)) << 32) / sum;
    uint32_t total = 0;
    for (int i = 0; i < n; i++) {
        g[i] = 1 + mul_shr32(g[i], inv); // g <= 2^15, inv <= 2^33: the result < 2^16
        total += g[i];
    }
    return total;
}

bool table_step_supported(TableStep step)
{
#if defined(__x86_64__) && defined(__GNUC__)
    static const bool avx2 = __builtin_cpu_supports("avx2"), avx512 = __builtin_cpu_supports("avx512f");
    return step == TableStep::plain || (step == TableStep::avx2 && avx2) || (step == TableStep::avx512 && avx512);
#else
    return step == TableStep::plain;
#endif
}

static TableStep widest_table_step()
{
    return table_step_supported(TableStep::avx512) ? TableStep::avx512
           : table_step_supported(TableStep::avx2) ? TableStep::avx2
                                                   : TableStep::plain;
}

// Inlined into each clone of logits_to_freqs, so its loops get that clone's ISA.
__attribute__((always_inline)) static inline uint32_t to_freqs(const int32_t *logits, int n, uint32_t *g, TableStep step)
{
    const int32_t m = max_logit(logits, n);
    uint32_t sum;
#if defined(__x86_64__) && defined(__GNUC__)
    sum = step == TableStep::avx512 ? lut_freqs_avx512(logits, n, m, g)
          : step == TableStep::avx2 ? lut_freqs_avx2(logits, n, m, g)
                                    : lut_freqs(logits, n, m, g);
#else
    sum = lut_freqs(logits, n, m, g);
#endif
    return normalise(g, n, sum);
}

LMC_SIMD_CLONES uint32_t logits_to_freqs(const int32_t *logits, int n, uint32_t *g)
{
    static const TableStep step = widest_table_step();
    return to_freqs(logits, n, g, step);
}

uint32_t logits_to_freqs_using(TableStep step, const int32_t *logits, int n, uint32_t *g)
{
    if (!table_step_supported(step))
        step = TableStep::plain;
    return to_freqs(logits, n, g, step);
}

void logits_to_indices(const int32_t *logits, int n, uint8_t *k)
{
    const int32_t m = max_logit(logits, n);
    for (int i = 0; i < n; i++)
        k[i] = (uint8_t)std::min<uint32_t>((uint32_t)(m - logits[i]), 255);
}

LMC_SIMD_CLONES uint32_t indices_to_freqs(const uint8_t *k, int n, uint32_t *g)
{
    uint32_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += g[i] = kLut.v[k[i]];
    return normalise(g, n, sum);
}

} // namespace lmc
