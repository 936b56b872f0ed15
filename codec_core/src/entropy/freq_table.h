// Integer logits -> symbol frequencies for the range coder (docs/format.md
// section 2). Pure integer arithmetic, so every device and build agrees.
#pragma once

#include <cstdint>

namespace lmc {

// p_i is proportional to 2^(logit_i / 16); LUT[k] is 2^15 * 2^(-k/16), >= 1.
uint32_t logit_lut(int k);
// The same 256 values as a table, for inner loops.
const uint32_t *logit_lut_table();

// (a * b) >> 32 for a product whose top 32 bits fit in 32 bits, through two
// 32x32 -> 64 multiplies (b may exceed 32 bits): the same value as the 64-bit
// expression, in a form compilers vectorise (one vpmuludq per half).
inline uint32_t mul_shr32(uint32_t a, uint64_t b)
{
    return (uint32_t)(((uint64_t)a * (uint32_t)b) >> 32) + a * (uint32_t)(b >> 32);
}

// Fills g[0..n) (each >= 1) from logits[0..n); returns their total (<= 2^16).
uint32_t logits_to_freqs(const int32_t *logits, int n, uint32_t *g);
// The table step's versions (checked against the plain one in the unit
// tests, checkasm-style): logits_to_freqs picks the widest the CPU has.
enum class TableStep { plain, avx2, avx512 };
bool table_step_supported(TableStep step);
// logits_to_freqs with the given version (the plain one where the CPU lacks it).
uint32_t logits_to_freqs_using(TableStep step, const int32_t *logits, int n, uint32_t *g);

// The table indices k_i = min(max(logits) - logit_i, 255) that the frequencies
// depend on (format.md 2): a GPU makes them where the logits are and sends a
// byte per symbol instead of four.
void logits_to_indices(const int32_t *logits, int n, uint8_t *k);
// Fills g from the indices: equal to logits_to_freqs of the logits they came from.
uint32_t indices_to_freqs(const uint8_t *k, int n, uint32_t *g);

} // namespace lmc
