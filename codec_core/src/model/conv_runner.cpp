#include "conv_runner.h"

#include <ATen/Parallel.h>
#include <algorithm>

#include "torch_device.h"

namespace lmc {

// An unfolded stripe holds at most this many floats (32 MiB): the unfolded
// 3x3 input of a 1080p frame's half-resolution layer would take 0.9 GB.
constexpr int64_t kStripeFloats = 8 << 20;

static torch::Tensor column(const std::vector<int32_t> &v)
{
    auto t = torch::empty({(int64_t)v.size(), 1}, torch::kFloat);
    float *p = t.data_ptr<float>();
    for (size_t i = 0; i < v.size(); i++)
        p[i] = (float)v[i];
    return t;
}

ConvRunner::ConvRunner(const std::vector<const ConvNet *> &nets, const std::string &device, int threads)
    : threads_(std::max(threads, 1))
{
    limit_openblas_threads();
    device_ = select_torch_device(device);
    for (const ConvNet *net : nets) {
        std::vector<Layer> layers;
        for (const ConvOp &op : net->ops) {
            Layer l;
            l.type = op.type;
            l.k = op.k;
            if (op.type == ConvOp::kConv) {
                const int64_t row = (int64_t)op.in * op.k * op.k;
                auto w = torch::empty({op.out, row}, torch::kFloat);
                float *wp = w.data_ptr<float>();
                for (size_t i = 0; i < op.weight.size(); i++)
                    wp[i] = op.weight[i];
                l.weight = w.to(device_);
                l.bias = column(op.bias).to(device_);
                std::vector<float> scale(op.out);
                for (int n = 0; n < op.out; n++)
                    scale[n] = 1.0f / (float)(1u << op.shift[n]);
                l.scale = torch::tensor(scale).view({op.out, 1}).to(device_);
                l.lo = column(op.lo).to(device_);
                l.hi = column(op.hi).to(device_);
            }
            layers.push_back(std::move(l));
        }
        nets_.push_back(std::move(layers));
    }
}

// acc = bias + W x exactly; then floor(acc * 2^-shift) clamped, all exact in float32.
torch::Tensor ConvRunner::conv(const Layer &l, const torch::Tensor &x) const
{
    const int64_t C = x.size(0), H = x.size(1), W = x.size(2), out = l.weight.size(0);
    auto finish = [&](torch::Tensor acc) {
        acc.mul_(l.scale).floor_();
        return torch::max(torch::min(acc, l.hi), l.lo);
    };
    if (l.k == 1)
        return finish(torch::addmm(l.bias, l.weight, x.reshape({C, H * W}))).view({out, H, W});
    const int p = l.k / 2;
    auto xp = torch::constant_pad_nd(x, {p, p, p, p}).unsqueeze(0);
    const int64_t row_floats = C * l.k * l.k * W;
    const int64_t rows = std::clamp<int64_t>(kStripeFloats / row_floats, 1, H);
    const int64_t stripes = (H + rows - 1) / rows;
    auto y = torch::empty({out, H * W}, x.options());
    auto stripe = [&](int64_t s) {
        const int64_t r0 = s * rows, r = std::min(rows, H - r0);
        auto cols = torch::im2col(xp.narrow(2, r0, r + 2 * p), {l.k, l.k}, {1, 1}, {0, 0}, {1, 1});
        y.narrow(1, r0 * W, r * W).copy_(finish(torch::addmm(l.bias, l.weight, cols[0])));
    };
    if (device_.is_cuda() || stripes == 1) {
        for (int64_t s = 0; s < stripes; s++)
            stripe(s);
    } else {
        at::parallel_for(0, stripes, 1, [&](int64_t b, int64_t e) {
            for (int64_t s = b; s < e; s++)
                stripe(s);
        });
    }
    return y.view({out, H, W});
}

torch::Tensor ConvRunner::run(int net, torch::Tensor x) const
{
    c10::InferenceMode guard;
    if (!device_.is_cuda() && at::get_num_threads() != threads_)
        at::set_num_threads(threads_);
    for (const Layer &l : nets_[net]) {
        if (l.type == ConvOp::kSpaceToDepth)
            x = torch::pixel_unshuffle(x.unsqueeze(0), 2)[0];
        else if (l.type == ConvOp::kDepthToSpace)
            x = torch::pixel_shuffle(x.unsqueeze(0), 2)[0];
        else
            x = conv(l, x);
    }
    return x;
}

} // namespace lmc
