#include "adaptive_mix.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "freq_table.h"
#include "simd_clones.h"

namespace lmc {

namespace {

// Network weight in sixteenths: p = W/16 * p_net + (16 - W)/16 * p_counts,
// p_counts(s) = (count[s] + p_net(s)) / (n + 1). Weight 0 is never used: the
// counts alone know nothing of the sample's own neighbourhood.
constexpr int kWeight[AdaptiveMixer::kWeights] = {16, 14, 12, 10, 8, 6, 4, 2};
constexpr uint32_t kMaxCount = 255;    // counts are halved beyond this
constexpr uint32_t kMaxCost = 1u << 14; // costs are halved beyond this
constexpr uint64_t kScaledTotal = 65536 - 256;

// Numerator of p(s) at weight w over the common denominator 16 T (n + 1).
inline uint64_t numerator(int w, uint32_t g, uint32_t count, uint32_t gtotal, uint32_t n)
{
    return (uint64_t)w * g * (n + 1) + (uint64_t)(16 - w) * ((uint64_t)count * gtotal + g);
}

// -log2(num / den) in 1/16 bit (capped at 256), through the format's 2^(-k/16)
// table: the smallest k with logit_lut(k) <= p * 2^15. p <= 1, so p * 2^15 has
// 2^15 + 1 values, and the answer for each is tabulated once (by the binary
// search that defines it) instead of searched for per sample and weight.
struct NegLog2 {
    uint16_t k[32769];
    NegLog2()
    {
        const uint32_t *lut = logit_lut_table();
        for (uint32_t v = 0; v <= 32768; v++) {
            int lo = 0, hi = 256;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (lut[mid] <= v)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            k[v] = (uint16_t)lo;
        }
    }
};

// floor(num * 2^15 / den) for the 8 weights of one update, which share den:
// one division, then per weight a multiply by its reciprocal and an exact
// correction. num * 2^15 < 2^45 and den < 2^29 (numerator()), so the
// double product is within one of the quotient, and the integer checks fix
// it: the same v as the division, with 8 divisions turned into one.
struct Quotient {
    double inv;
    uint64_t den;
    explicit Quotient(uint64_t d) : inv(1.0 / (double)d), den(d) {}
    uint64_t operator()(uint64_t num) const
    {
        const uint64_t a = num << 15;
        uint64_t q = (uint64_t)((double)a * inv);
        while (q * den > a)
            q--;
        while ((q + 1) * den <= a)
            q++;
        return q;
    }
};

int neglog2_16(uint64_t num, const Quotient &div)
{
    static const NegLog2 table;
    const uint64_t v = div(num);          // p * 2^15
    return v >= 32768 ? 0 : table.k[v];  // logit_lut(0) = 2^15
}

} // namespace

AdaptiveMixer::AdaptiveMixer()
    : ctx_(static_cast<Context *>(std::malloc(kContexts * sizeof(Context)))),
      epoch_of_(static_cast<uint32_t *>(std::calloc(kContexts, sizeof(uint32_t))))
{
    if (!ctx_ || !epoch_of_)
        throw std::bad_alloc();
}

void AdaptiveMixer::reset()
{
    if (++epoch_ == 0) { // after 2^32 resets every stale context could look current
        memset(epoch_of_.get(), 0, kContexts * sizeof(uint32_t));
        epoch_ = 1;
    }
}

static int sign3(float v) { return v < 0.f ? 0 : v == 0.f ? 1 : 2; }
static int magnitude(float v) { return (int)(v < 0.f ? -v : v); }

int AdaptiveMixer::context(const float *f, bool keyframe_contexts)
{
    int group = f[10] == 0.f ? 0 : 1;                     // luma/G or chroma/B/R
    int spatial = std::min(7, (int)f[13] >> 1);
    if (keyframe_contexts && f[14] == 0.f) {
        // A keyframe has no temporal inputs; its slots hold how far this and
        // the co-located planes missed their MED (format.md 7.11).
        const float a = group ? f[11] : f[0], b = group ? f[12] : f[3]; // plane 0's / 1's residual; W - P, N - P
        int missed = std::min(15, group ? magnitude(a) + magnitude(b) : (magnitude(a) + magnitude(b)) >> 2);
        return (((group * 16 + missed) * 8 + spatial) * 9 + sign3(a) * 3 + sign3(b)) * 3;
    }
    int temporal = std::min(15, (int)f[23]);              // 0 in keyframes
    int left = sign3(f[16]);                              // W - aligned W
    int above = sign3(f[17]);                             // N - aligned N
    int d = magnitude(f[15]);                             // |other predictor - P|
    int agree = d == 0 ? 0 : d <= 2 ? 1 : 2;
    return (((group * 16 + temporal) * 8 + spatial) * 9 + left * 3 + above) * 3 + agree;
}

int AdaptiveMixer::best_weight(const Context &c) const
{
    int best = 0;
    for (int k = 1; k < kWeights; k++)
        if (c.cost[k] < c.cost[best])
            best = k;
    return kWeight[best];
}

LMC_SIMD_CLONES uint32_t AdaptiveMixer::mix(int ctx, const uint32_t *g, uint32_t gtotal, uint32_t *out) const
{
    static const Context kEmpty{};
    const Context &c = epoch_of_[ctx] == epoch_ ? ctx_[ctx] : kEmpty;
    const int w = best_weight(c);
    const uint64_t den = 16ull * gtotal * (c.n + 1);
    const uint64_t scale = (kScaledTotal << 32) / den;
    // numerator() in 32 bits, as g * A + count * B: g <= 2^16 and A <= 16 * 257,
    // count <= 256 and B <= 2^20, so each term and their sum stay below 2^29.
    const uint32_t A = (uint32_t)w * (c.n + 1) + (16 - w), B = (uint32_t)(16 - w) * gtotal;
    uint32_t total = 0;
    for (int s = 0; s < 256; s++) {
        uint32_t v = mul_shr32(g[s] * A + c.count[s] * B, scale); // p(s) <= 1: the result <= 2^16
        out[s] = v ? v : 1;
        total += out[s];
    }
    return total;
}

LMC_SIMD_CLONES void AdaptiveMixer::update(int ctx, int sym, const uint32_t *g, uint32_t gtotal)
{
    Context &c = ctx_[ctx];
    if (epoch_of_[ctx] != epoch_) {
        memset(&c, 0, sizeof c);
        epoch_of_[ctx] = epoch_;
    }
    const Quotient div(16ull * gtotal * (c.n + 1));
    bool halve = false;
    for (int k = 0; k < kWeights; k++) {
        c.cost[k] += neglog2_16(numerator(kWeight[k], g[sym], c.count[sym], gtotal, c.n), div);
        halve |= c.cost[k] > kMaxCost;
    }
    if (halve)
        for (uint32_t &v : c.cost)
            v >>= 1;
    if (c.n < kMaxCount) {
        c.count[sym]++;
        c.n++;
    } else { // the sample is counted, then every count halved (sym's may reach 256 first)
        c.n = 0;
        for (int s = 0; s < 256; s++)
            c.n += c.count[s] = (uint8_t)((c.count[s] + (s == sym)) >> 1);
    }
}

} // namespace lmc
