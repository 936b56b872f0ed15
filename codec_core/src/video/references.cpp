#include "references.h"

#include <algorithm>
#include <cstdlib>

namespace lmc {

void ReferenceFrames::keep(const PlaneState *planes, const std::vector<uint16_t> *low, int nplanes, bool keyframe)
{
    newest_ = (newest_ + 1) % capacity();
    Frame &f = ring_[(size_t)newest_];
    for (int p = 0; p < nplanes; p++) {
        f.high[p] = planes[p].px;
        f.low[p] = low[p];
    }
    held_ = keyframe ? 1 : std::min(held_ + 1, capacity());
}

int choose_reference(const ReferenceFrames &refs, int limit, const uint8_t *src, int w, int h)
{
    const int n = std::min(limit, refs.held());
    int best = 1;
    uint64_t best_sad = UINT64_MAX;
    for (int d = 1; d <= n; d++) {
        const uint8_t *r = refs.high(d, 0);
        uint64_t sad = 0;
        for (int y = 0; y < h && sad < best_sad; y += 2)
            for (int x = 0; x < w; x += 2)
                sad += (uint64_t)std::abs(src[(size_t)y * w + x] - r[(size_t)y * w + x]);
        if (sad < best_sad)
            best_sad = sad, best = d;
    }
    return best;
}

} // namespace lmc
