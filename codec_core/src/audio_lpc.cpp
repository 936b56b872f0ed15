#include "audio_lpc.h"

#include <algorithm>
#include <cmath>

namespace lmc {

std::vector<int16_t> lpc_coefficients(const int32_t *x, int n, int order, int shift)
{
    if (n < 4 * order)
        return {};
    std::vector<double> wx(n), r(order + 1, 0.0);
    for (int i = 0; i < n; i++) {
        double t = 2.0 * i / (n - 1) - 1.0; // Welch window
        wx[i] = x[i] * (1.0 - t * t);
    }
    for (int lag = 0; lag <= order; lag++)
        for (int i = lag; i < n; i++)
            r[lag] += wx[i] * wx[i - lag];
    if (r[0] <= 0.0)
        return {};
    r[0] *= 1.0 + 1e-9; // tiny white-noise floor keeps Levinson stable
    std::vector<double> a(order + 1, 0.0), prev(order + 1);
    double err = r[0];
    for (int m = 1; m <= order; m++) {
        double acc = r[m];
        for (int j = 1; j < m; j++)
            acc -= a[j] * r[m - j];
        double k = acc / err;
        prev = a;
        a[m] = k;
        for (int j = 1; j < m; j++)
            a[j] = prev[j] - k * prev[m - j];
        err *= 1.0 - k * k;
        if (err <= 0.0)
            break;
    }
    std::vector<int16_t> q(order);
    for (int j = 0; j < order; j++)
        q[j] = (int16_t)std::clamp(std::lround(a[j + 1] * (1 << shift)), -32767L, 32767L);
    return q;
}

} // namespace lmc
