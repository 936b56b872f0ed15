#include "low_bits.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "adaptive_table.h"
#include "errors.h"
#include "video_context.h"

namespace lmc {

namespace {

// Contexts: where the prediction falls against the sample's top bits
// (below, inside, above; or from the previous frame) times 8 classes of
// local activity.
constexpr int kPositions = 4, kActivities = 8;

// The encoder reads low (the source's), the decoder fills it in coding order.
template <bool kEncode, typename Low>
void code_low_bits(RangeEncoder *enc, RangeDecoder *dec, int depth, const uint8_t *high, Low *low, int w, int h,
                   const LowBitsReference *ref)
{
    const int k = depth - 8, mask = (1 << k) - 1;
    std::vector<AdaptiveTable> tables(kPositions * kActivities, AdaptiveTable(1 << k));
    // Full-depth value of a sample already coded, with section 6's boundary rules.
    auto full = [&](int x, int y) -> int {
        if (y < 0)
            return 128 << k;
        if (x < 0)
            return y > 0 ? (high[(size_t)(y - 1) * w] << k | low[(size_t)(y - 1) * w]) : 128 << k;
        x = std::min(x, w - 1);
        return high[(size_t)y * w + x] << k | low[(size_t)y * w + x];
    };
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            const int W = full(x - 1, y), N = full(x, y - 1), NW = full(x - 1, y - 1), NE = full(x + 1, y - 1);
            const size_t at = (size_t)y * w + x;
            // The full-depth prediction (MED, or the previous frame in inter
            // blocks), moved into the sample's known range: the symbol is the
            // low bits' difference from it.
            int P = -1;
            if (ref) {
                const size_t b = ref->mf->block_at(x << ref->sx, y << ref->sy);
                if (!ref->mf->intra[b]) {
                    const int xr = std::clamp(x + (ref->mf->mvx[b] >> ref->sx), 0, w - 1);
                    const int yr = std::clamp(y + (ref->mf->mvy[b] >> ref->sy), 0, h - 1);
                    const size_t r = (size_t)yr * w + xr;
                    P = ref->high[r] << k | ref->low[r];
                }
            }
            const int d = (P < 0 ? med_predict(W, N, NW) : P) - (high[at] << k);
            const int predicted = std::clamp(d, 0, mask);
            const int position = P >= 0 ? 3 : d < 0 ? 0 : d > mask ? 2 : 1;
            int activity = (std::abs(W - NW) + std::abs(N - NW) + std::abs(N - NE)) >> std::max(0, k - 2), cls = 0;
            while (activity && cls < kActivities - 1)
                activity >>= 1, cls++;
            AdaptiveTable &t = tables[position * kActivities + cls];
            if constexpr (kEncode) {
                t.put(*enc, (low[at] - predicted) & mask);
            } else {
                low[at] = (uint16_t)((t.get(*dec) + predicted) & mask);
            }
        }
        // Bounded work per byte, as in the wavefront (format.md 5).
        if constexpr (!kEncode)
            require_data(!dec->overrun(), "packet ends before its last sample (corrupt data)");
    }
}

} // namespace

void encode_low_bits(RangeEncoder &enc, int depth, const uint8_t *high, const uint16_t *low, int w, int h,
                     const LowBitsReference *ref)
{
    code_low_bits<true>(&enc, nullptr, depth, high, low, w, h, ref);
}

void decode_low_bits(RangeDecoder &dec, int depth, const uint8_t *high, uint16_t *low, int w, int h,
                     const LowBitsReference *ref)
{
    code_low_bits<false>(nullptr, &dec, depth, high, low, w, h, ref);
}

} // namespace lmc
