#include "network_adaptation.h"

#include <ATen/Parallel.h>
#include <algorithm>
#include <cmath>
#include <torch/torch.h>

#include "freq_table.h"

namespace lmc {

// Adam on the float relaxation of the network (no floor), on the runner's
// threads (so the offsets may depend on the thread count). A few steps at a
// large rate on a few thousand samples reach most of what 300 steps on the
// whole frame do (measured in Python on a noisy grey keyframe, 3.040 bits per
// sample: 8 steps on 4096 samples 2.917, 20 on 8192 2.903, 300 on all 2.873).
constexpr double kFitRate = 0.6;

std::vector<int8_t> fit_bias_offsets(const ModelRunner &runner, const AdaptationSample &sample,
                                     const std::vector<int8_t> &start, int steps)
{
    const Model &m = runner.model();
    const int H = runner.hidden_units();
    if (sample.n == 0 || H == 0)
        return start;
    c10::InferenceMode off(false);
    torch::AutoGradMode grad(true);
    // One thread: the fit is small (8 steps on at most 8192 samples), and an
    // OpenMP team left behind spin-waits (libgomp's default policy, fixed when
    // the library loads) on the core the encoder's pipeline needs. With the
    // runner's 2 threads, libgomp took 47% of a CIF encode's CPU time and the
    // encoder ran at 1.3 frames/s; with one, 3+.
    if (at::get_num_threads() != 1)
        at::set_num_threads(1);
    auto x = torch::from_blob(const_cast<float *>(sample.inputs.data()), {sample.n, m.inputs}, torch::kFloat).clone();
    auto y = torch::empty({sample.n}, torch::kLong);
    for (int i = 0; i < sample.n; i++)
        y.data_ptr<int64_t>()[i] = sample.symbols[i];
    std::vector<torch::Tensor> wt, b, d;
    int k = 0;
    for (const ModelLayer &l : m.layers) {
        const float scale = 1.0f / (float)(1u << l.shift);
        auto w = torch::empty({l.out, l.in}, torch::kFloat);
        for (size_t i = 0; i < l.weight.size(); i++)
            w.data_ptr<float>()[i] = l.weight[i] * scale;
        auto bb = torch::empty({l.out}, torch::kFloat);
        for (int n = 0; n < l.out; n++)
            bb.data_ptr<float>()[n] = (float)l.bias[n] * scale;
        wt.push_back(w.t().contiguous());
        b.push_back(bb);
        if (l.hidden) {
            auto o = torch::zeros({l.out}, torch::kFloat);
            for (int n = 0; n < l.out && !start.empty(); n++)
                o.data_ptr<float>()[n] = start[k + n];
            d.push_back(o.requires_grad_(true));
            k += l.out;
        }
    }
    torch::optim::Adam opt(d, torch::optim::AdamOptions(kFitRate));
    const double to_nats = std::log(2.0) / 16.0; // logits are in 1/16 bit
    for (int step = 0; step < steps; step++) {
        opt.zero_grad();
        auto h = x;
        size_t hidden = 0;
        for (size_t l = 0; l < m.layers.size(); l++) {
            if (m.layers[l].hidden) {
                h = torch::addmm(b[l] + d[hidden++], h, wt[l]).clamp(0, 127);
            } else {
                h = torch::addmm(b[l], h, wt[l]);
            }
        }
        auto loss = torch::nn::functional::cross_entropy(h * to_nats, y);
        loss.backward();
        opt.step();
    }
    std::vector<int8_t> out;
    out.reserve(H);
    for (auto &o : d)
        for (int n = 0; n < o.size(0); n++)
            out.push_back((int8_t)std::clamp((int)std::lround(o.data_ptr<float>()[n]), -127, 127));
    return out;
}

double sample_bits(ModelRunner &runner, const AdaptationSample &sample, const std::vector<int8_t> &offsets)
{
    const int N = runner.model().outputs;
    runner.set_bias_offsets(offsets);
    std::vector<int32_t> logits((size_t)sample.n * N);
    runner.run(sample.inputs.data(), sample.n, logits.data());
    std::vector<uint32_t> g(N);
    double bits = 0;
    for (int i = 0; i < sample.n; i++) {
        uint32_t total = logits_to_freqs(&logits[(size_t)i * N], N, g.data());
        bits += std::log2((double)total / g[sample.symbols[i]]);
    }
    return bits;
}

} // namespace lmc
