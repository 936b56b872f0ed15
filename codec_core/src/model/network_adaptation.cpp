#include "network_adaptation.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "freq_table.h"
#include "simd_clones.h"
#include "worker_pool.h"

namespace lmc {

// Adam on the float relaxation of the network (no floor). A few steps at a
// large rate on a few thousand samples reach most of what 300 steps on the
// whole frame do (measured in Python on a noisy grey keyframe, 3.040 bits per
// sample: 8 steps on 4096 samples 2.917, 20 on 8192 2.903, 300 on all 2.873).
constexpr float kFitRate = 0.6f;
constexpr float kBeta1 = 0.9f, kBeta2 = 0.999f, kEpsilon = 1e-8f; // Adam's usual constants

// The sample is cut into this many parts whatever the thread count, and the
// parts' gradients are added in order, so the fit does not depend on the
// number of threads.
constexpr int kParts = 8;

namespace {

// The network in float, the weights twice: in [in][out] order for the
// forward pass and in [out][in] order for the backward one, so that both are
// sums of rows, which vectorise (dot products would be serial float sums).
struct FloatNet {
    struct Layer {
        int in = 0, out = 0;
        bool hidden = false;
        std::vector<float> w, wt, bias; // w[o * in + i] = wt[i * out + o] = weight[o][i]
    };
    std::vector<Layer> layers;
    int widest = 0;
};

FloatNet float_net(const Model &m)
{
    FloatNet net;
    for (const ModelLayer &l : m.layers) {
        const float scale = 1.0f / (float)(1u << l.shift);
        FloatNet::Layer f;
        f.in = l.in;
        f.out = l.out;
        f.hidden = l.hidden;
        f.w.resize((size_t)l.in * l.out);
        f.wt.resize(f.w.size());
        f.bias.resize(l.out);
        for (int o = 0; o < l.out; o++) {
            f.bias[o] = (float)l.bias[o] * scale;
            for (int i = 0; i < l.in; i++)
                f.w[(size_t)o * l.in + i] = f.wt[(size_t)i * l.out + o] = l.weight[(size_t)o * l.in + i] * scale;
        }
        net.widest = std::max({net.widest, l.in, l.out});
        net.layers.push_back(std::move(f));
    }
    return net;
}

// Both passes are sums of weight rows scaled by one value each. They are done
// kBlock outputs at a time into a local array that the compiler keeps in
// vector registers; summing into memory made each row wait for the last
// row's store.
constexpr int kBlock = 64;

template <int B> inline void scaled_row_sum(const float *rows, size_t stride, const float *scale, int n, float *acc)
{
    for (int r = 0; r < n; r++) {
        const float a = scale[r];
        if (a == 0.0f) // clamped hidden units and far-off symbols are often zero
            continue;
        const float *row = rows + (size_t)r * stride;
        for (int j = 0; j < B; j++)
            acc[j] += a * row[j];
    }
}

// out[j] = init[j] + sum_r scale[r] * rows[r][j] for j < width (init null: 0)
LMC_SIMD_CLONES void rows_times(const float *rows, const float *scale, int n, int width, const float *init, float *out)
{
    int j0 = 0;
    for (; j0 + kBlock <= width; j0 += kBlock) {
        float acc[kBlock];
        for (int j = 0; j < kBlock; j++)
            acc[j] = init ? init[j0 + j] : 0.0f;
        scaled_row_sum<kBlock>(rows + j0, width, scale, n, acc);
        memcpy(out + j0, acc, sizeof(acc));
    }
    for (int j = j0; j < width; j++) { // a width that is no multiple of the block
        float acc = init ? init[j] : 0.0f;
        for (int r = 0; r < n; r++)
            acc += scale[r] * rows[(size_t)r * width + j];
        out[j] = acc;
    }
}

// sum of v[0..n), n a multiple of 16, in 16 lanes (a serial float sum would
// not vectorise).
LMC_SIMD_CLONES float lane_sum(const float *v, int n)
{
    float lane[16] = {};
    for (int k = 0; k < n; k += 16)
        for (int j = 0; j < 16; j++)
            lane[j] += v[k + j];
    float s = 0;
    for (float x : lane)
        s += x;
    return s;
}

// 2^t for t <= 0 (a softmax over logits in 1/16 bit), to about 1e-7
// relative: the fit's accuracy, not the stream's, depends on it.
LMC_SIMD_CLONES void exp2_nonpositive(float *v, int n)
{
    for (int k = 0; k < n; k++) {
        const float t = std::max(v[k], -126.0f);
        const float fl = std::floor(t), f = t - fl; // f in [0, 1)
        float p = 1.535336188e-4f;
        p = p * f + 1.339887440e-3f;
        p = p * f + 9.618437357e-3f;
        p = p * f + 5.550332471e-2f;
        p = p * f + 2.402264791e-1f;
        p = p * f + 6.931472028e-1f;
        p = p * f + 1.0f;
        int32_t bits;
        memcpy(&bits, &p, 4);
        bits += (int32_t)fl << 23;
        memcpy(&v[k], &bits, 4);
    }
}

// Adds the loss gradient of samples [first, end) with respect to each hidden
// layer's bias offsets to grad (hidden units in layer order).
void accumulate_gradient(const FloatNet &net, const AdaptationSample &sample, const std::vector<float> &offsets,
                           size_t first, size_t end, std::vector<float> &grad)
{
    const size_t L = net.layers.size();
    std::vector<std::vector<float>> act(L + 1), pre(L); // act[0] input, act[l + 1] layer l's output, pre[l] before its clamp
    std::vector<float> bias_plus(net.widest), delta(net.widest), back(net.widest);
    for (size_t l = 0; l < L; l++)
        act[l + 1].resize(net.layers[l].out), pre[l].resize(net.layers[l].out);
    const int ninputs = net.layers[0].in;
    for (size_t s = first; s < end; s++) {
        act[0].assign(&sample.inputs[s * ninputs], &sample.inputs[(s + 1) * ninputs]);
        size_t at = 0;
        for (size_t l = 0; l < L; l++) {
            const FloatNet::Layer &f = net.layers[l];
            const float *bias = f.bias.data();
            if (f.hidden) {
                for (int o = 0; o < f.out; o++)
                    bias_plus[o] = f.bias[o] + offsets[at + o];
                bias = bias_plus.data();
                at += f.out;
            }
            rows_times(f.wt.data(), act[l].data(), f.in, f.out, bias, act[l + 1].data());
            if (f.hidden) {
                pre[l] = act[l + 1];
                for (int o = 0; o < f.out; o++)
                    act[l + 1][o] = std::clamp(act[l + 1][o], 0.0f, 127.0f);
            }
        }
        // Softmax over logits in 1/16 bit: p = 2^((z - max) / 16) / sum.
        std::vector<float> &z = act[L];
        const int N = (int)z.size(), sym = sample.symbols[s];
        const float zmax = *std::max_element(z.begin(), z.end());
        for (int o = 0; o < N; o++)
            delta[o] = (z[o] - zmax) * (1.0f / 16.0f);
        exp2_nonpositive(delta.data(), N);
        const float sum = lane_sum(delta.data(), N);
        // d(bits)/dz = (p - onehot) / 16; the loss in nats differs by a constant
        // factor that Adam does not see.
        const float inv = 1.0f / (16.0f * sum);
        for (int o = 0; o < N; o++)
            delta[o] *= inv;
        delta[sym] -= 1.0f / 16.0f;
        // Back through the layers to each hidden layer's pre-clamp sum.
        at = offsets.size();
        for (size_t l = L - 1; l >= 1; l--) {
            const FloatNet::Layer &f = net.layers[l], &below = net.layers[l - 1];
            rows_times(f.w.data(), delta.data(), f.out, f.in, nullptr, back.data());
            at -= below.out;
            for (int i = 0; i < below.out; i++) {
                // The clamp passes the gradient on [0, 127], ends included
                // (as autograd does; sums of multiples of 2^-shift are often 0).
                const float a = pre[l - 1][i];
                delta[i] = a >= 0.0f && a <= 127.0f ? back[i] : 0.0f;
                grad[at + i] += delta[i];
            }
        }
    }
}

} // namespace

std::vector<int8_t> fit_bias_offsets(const ModelRunner &runner, const AdaptationSample &sample,
                                     const std::vector<int8_t> &start, int steps, WorkerPool *pool)
{
    const int H = runner.hidden_units();
    if (sample.n == 0 || H == 0)
        return start;
    const FloatNet net = float_net(runner.model());
    std::vector<float> d(H, 0.0f), m(H, 0.0f), v(H, 0.0f);
    for (int k = 0; k < H && !start.empty(); k++)
        d[k] = start[k];
    std::vector<std::vector<float>> part_grad(kParts, std::vector<float>(H));
    float beta1_t = 1, beta2_t = 1;
    for (int step = 0; step < steps; step++) {
        auto part = [&](int k) {
            std::fill(part_grad[k].begin(), part_grad[k].end(), 0.0f);
            const size_t first = (size_t)sample.n * k / kParts, end = (size_t)sample.n * (k + 1) / kParts;
            accumulate_gradient(net, sample, d, first, end, part_grad[k]);
        };
        if (pool)
            pool->for_each(kParts, part);
        else
            for (int k = 0; k < kParts; k++)
                part(k);
        beta1_t *= kBeta1;
        beta2_t *= kBeta2;
        for (int u = 0; u < H; u++) {
            float g = 0;
            for (int k = 0; k < kParts; k++)
                g += part_grad[k][u];
            g /= (float)sample.n; // the mean loss
            m[u] = kBeta1 * m[u] + (1 - kBeta1) * g;
            v[u] = kBeta2 * v[u] + (1 - kBeta2) * g * g;
            const float mhat = m[u] / (1 - beta1_t), vhat = v[u] / (1 - beta2_t);
            d[u] -= kFitRate * mhat / (std::sqrt(vhat) + kEpsilon);
        }
    }
    std::vector<int8_t> out(H);
    for (int u = 0; u < H; u++)
        out[u] = (int8_t)std::clamp((int)std::lround(d[u]), -127, 127);
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
