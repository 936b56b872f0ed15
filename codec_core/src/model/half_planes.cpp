#include "half_planes.h"

#include <algorithm>

namespace lmc {

static int chroma_size(int n) { return (n + 1) / 2; }

torch::Tensor yuv420_to_half_planes(const uint8_t *const planes[], const int strides[], int w, int h, int pw,
                                    int ph)
{
    const int cw = chroma_size(w), ch = chroma_size(h), hw = pw / 2, hh = ph / 2;
    auto x = torch::empty({6, hh, hw}, torch::kFloat);
    float *p = x.data_ptr<float>();
    for (int c = 0; c < 6; c++) {
        for (int r = 0; r < hh; r++) {
            float *row = p + ((size_t)c * hh + r) * hw;
            const uint8_t *src;
            if (c < 4) {
                src = planes[0] + (size_t)std::min(2 * r + c / 2, h - 1) * strides[0];
                for (int q = 0; q < hw; q++)
                    row[q] = (float)src[std::min(2 * q + c % 2, w - 1)] - 128;
            } else {
                src = planes[c - 3] + (size_t)std::min(r, ch - 1) * strides[c - 3];
                for (int q = 0; q < hw; q++)
                    row[q] = (float)src[std::min(q, cw - 1)] - 128;
            }
        }
    }
    return x;
}

void half_planes_to_yuv420(const torch::Tensor &x, uint8_t *const planes[], const int strides[], int w, int h)
{
    const int cw = chroma_size(w), ch = chroma_size(h);
    const int hh = (int)x.size(1), hw = (int)x.size(2);
    const std::vector<int32_t> v = tensor_ints(x);
    auto at = [&](int c, int r, int q) { return (uint8_t)(v[((size_t)c * hh + r) * hw + q] + 128); };
    for (int y = 0; y < h; y++)
        for (int q = 0; q < w; q++)
            planes[0][(size_t)y * strides[0] + q] = at(2 * (y % 2) + q % 2, y / 2, q / 2);
    for (int c = 1; c <= 2; c++)
        for (int y = 0; y < ch; y++)
            for (int q = 0; q < cw; q++)
                planes[c][(size_t)y * strides[c] + q] = at(3 + c, y, q);
}

std::vector<int32_t> tensor_ints(const torch::Tensor &t)
{
    auto c = t.to(torch::kCPU).to(torch::kInt32).contiguous();
    return std::vector<int32_t>(c.data_ptr<int32_t>(), c.data_ptr<int32_t>() + c.numel());
}

} // namespace lmc
