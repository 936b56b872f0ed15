// Per-block linear prediction for lmc_audio: a channel mode of the adaptive
// tool (8.1), and the only predictor of older streams (8). The encoder
// derives the coefficients (float math is fine there: they are sent in the
// packet); the prediction itself is integer-exact on both sides.
#pragma once

#include <cstdint>
#include <vector>

namespace lmc {

constexpr int kLpcOrder = 12;
constexpr int kLpcShift = 12;
constexpr int kLpcMaxOrder = 32;

// Quantised coefficients for x[0..n) (empty for silence or a 1-sample block)
// at the highest precision *shift <= kLpcShift that fits them in int16.
std::vector<int16_t> lpc_coefficients(const int32_t *x, int n, int order, int *shift);

// pred for sample i from x[i-1], x[i-2], ... (x[<0] = 0).
inline int64_t lpc_predict(const int32_t *x, int i, const int16_t *coef, int order, int shift)
{
    int64_t acc = 0;
    for (int j = 1; j <= order && j <= i; j++)
        acc += (int64_t)coef[j - 1] * x[i - j];
    return acc >> shift;
}

} // namespace lmc
