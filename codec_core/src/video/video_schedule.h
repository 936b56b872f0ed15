// Decode schedule for video (docs/format.md section 6): sample (x, y) only
// depends on samples with a smaller x + 2y, so all samples on one line
// x + 2y = t are decoded together in one batched model call. Plane p runs
// p steps behind plane 0 so that the co-located residuals it reads are ready.
// A 352x288 4:2:0 frame takes ~930 steps instead of 152,064.
#pragma once

#include <algorithm>

namespace lmc {

// Number of steps for planes of the given sizes.
inline int schedule_steps(const int *w, const int *h, int nplanes)
{
    int steps = 0;
    for (int p = 0; p < nplanes; p++)
        steps = std::max(steps, p + (w[p] - 1) + 2 * (h[p] - 1) + 1);
    return steps;
}

// Calls fn(y, x) for every sample of a w x h plane on step t (plane delay
// already subtracted), in increasing y: the symbol order within a step.
template <typename Fn>
inline void for_each_on_step(int t, int w, int h, Fn &&fn)
{
    if (t < 0)
        return;
    int y0 = std::max(0, (t - (w - 1) + 1) / 2);
    int y1 = std::min(h - 1, t / 2);
    for (int y = y0; y <= y1; y++)
        fn(y, t - 2 * y);
}

} // namespace lmc
