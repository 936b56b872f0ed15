#include "audio_lpc.h"

#include <algorithm>
#include <cmath>

namespace lmc {

std::vector<int16_t> lpc_coefficients(const int32_t *x, int n, int order, int *shift)
{
    order = std::min(order, n - 1);
    if (order < 1)
        return {};
    std::vector<double> wx(n), r(order + 1, 0.0);
    for (int i = 0; i < n; i++) {
        double t = (2.0 * i - (n - 1)) / (n + 1); // Welch window
        wx[i] = x[i] * (1.0 - t * t);
    }
    for (int lag = 0; lag <= order; lag++)
        for (int i = lag; i < n; i++)
            r[lag] += wx[i] * wx[i - lag];
    if (r[0] <= 0.0)
        return {}; // digital silence
    std::vector<double> a(order + 1, 0.0), next(order + 1);
    double err = r[0];
    for (int m = 1; m <= order; m++) {
        double acc = r[m];
        for (int j = 1; j < m; j++)
            acc -= a[j] * r[m - j];
        double k = acc / err;
        double next_err = err * (1.0 - k * k);
        if (next_err <= 0.0)
            break; // keep the previous order's (stable) coefficients
        next = a;
        next[m] = k;
        for (int j = 1; j < m; j++)
            next[j] = a[j] - k * a[m - j];
        a = next;
        err = next_err;
    }
    // Strongly predictable blocks have |a| > 8: lower the precision until
    // every coefficient fits in int16 rather than clamping them.
    for (int s = kLpcShift; s >= 0; s--) {
        std::vector<int16_t> q(order);
        bool fits = true;
        for (int j = 0; j < order && fits; j++) {
            double v = std::floor(a[j + 1] * (double)(1 << s) + 0.5);
            fits = v >= -32768 && v <= 32767;
            q[j] = fits ? (int16_t)v : 0;
        }
        if (fits) {
            *shift = s;
            return q;
        }
    }
    return {};
}

} // namespace lmc
