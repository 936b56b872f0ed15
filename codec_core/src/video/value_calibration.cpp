#include "value_calibration.h"
#include "simd_clones.h"

#include <algorithm>
#include <cstring>

namespace lmc {

namespace {

constexpr uint64_t kOne = 1 << 11;      // ratio 1.0
constexpr uint64_t kMinRatio = 1 << 7;  // 1/16
constexpr uint64_t kMaxRatio = 1 << 15; // 16
constexpr uint64_t kPrior = 16;        // samples of ratio 1.0 that every value starts with
constexpr uint32_t kScaledTotal = 65536 - 256;

} // namespace

void ValueCalibration::reset()
{
    memset(seen_, 0, sizeof seen_);
    memset(expected_, 0, sizeof expected_);
    memset(pending_, 0, sizeof pending_);
    samples_ = 0;
    active_ = false;
}

LMC_SIMD_CLONES uint32_t ValueCalibration::apply(const uint32_t *f, int P, uint32_t *out) const
{
    // Symbol s stands for value P + s, or P + s - 256 past 255: the ratio
    // table holds every value twice, so ratio_[P + s] is always right.
    // f < 2^16 and ratios <= 2^15 keep the products in 32 bits (vectorised).
    const uint32_t *r = ratio_ + P;
    uint32_t sum = 0;
    for (int s = 0; s < 256; s++)
        sum += out[s] = f[s] * r[s];
    // Totals of f are near 2^16 and ratios >= 2^7, so sum >= 2^22 and the scale fits 32 bits.
    const uint32_t scale = (uint32_t)(((uint64_t)kScaledTotal << 32) / sum);
    uint32_t total = 0;
    for (int s = 0; s < 256; s++) {
        uint32_t v = (uint32_t)(((uint64_t)out[s] * scale) >> 32);
        out[s] = v ? v : 1;
        total += out[s];
    }
    return total;
}

LMC_SIMD_CLONES void ValueCalibration::update(const uint32_t *f, int P, int x)
{
    seen_[x]++;
    uint32_t *e = pending_ + P;
    for (int s = 0; s < 256; s++)
        e[s] += f[s];
    if (++samples_ % kRefresh == 0)
        refresh();
}

void ValueCalibration::refresh()
{
    for (int v = 0; v < 256; v++) {
        expected_[v] += pending_[v] + pending_[v + 256];
        uint64_t r = (((uint64_t)seen_[v] + kPrior) << 16) * kOne / (expected_[v] + (kPrior << 16));
        ratio_[v] = ratio_[v + 256] = (uint32_t)std::clamp(r, kMinRatio, kMaxRatio);
    }
    memset(pending_, 0, sizeof pending_);
    active_ = true;
}

} // namespace lmc
