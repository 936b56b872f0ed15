#include "model_runner.h"

#include <ATen/Parallel.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <torch/torch.h>

#include "errors.h"
#include "freq_table.h"
#include "torch_device.h"

namespace lmc {

// Batches up to this size take the integer loop on the CPU, on any device.
constexpr int kSmallBatch = 8;
// Smaller batches run on one thread: a wavefront step is too little work to
// share, and OpenMP teams that spin-wait for a busy second core turned a
// 0.4 s decode into 15 s (measured on 2 cores under load).
constexpr int kParallelBatch = 4096;

struct ModelRunner::Torch {
    torch::Device device{torch::kCPU};
    std::vector<torch::Tensor> weight_t; // [in, out] float
    std::vector<torch::Tensor> bias;     // [out] float

    // The network on the device: batch x outputs integer-valued floats there.
    torch::Tensor logits(const Model &m, const float *in, int batch) const
    {
        auto x = torch::from_blob(const_cast<float *>(in), {batch, m.inputs}, torch::kFloat);
        if (device.is_cuda())
            x = x.to(device);
        for (size_t l = 0; l < m.layers.size(); l++) {
            const ModelLayer &layer = m.layers[l];
            x = torch::addmm(bias[l], x, weight_t[l]);
            x.mul_(1.0 / (double)(1u << layer.shift)).floor_();
            if (layer.hidden)
                x.clamp_(0, 127);
            else
                x.clamp_(-32767, 32767);
        }
        return x;
    }
};

ModelRunner::ModelRunner(std::shared_ptr<const Model> model, const std::string &device, int threads)
    : model_(std::move(model)), torch_(new Torch), threads_(std::max(threads, 1))
{
    limit_openblas_threads();
    torch_->device = select_torch_device(device);
    for (const ModelLayer &l : model_->layers) {
        auto w = torch::empty({l.out, l.in}, torch::kFloat);
        float *wp = w.data_ptr<float>();
        for (size_t i = 0; i < l.weight.size(); i++)
            wp[i] = l.weight[i];
        auto b = torch::empty({l.out}, torch::kFloat);
        for (int n = 0; n < l.out; n++)
            b.data_ptr<float>()[n] = (float)l.bias[n];
        torch_->weight_t.push_back(w.t().contiguous().to(torch_->device));
        torch_->bias.push_back(b.to(torch_->device));
        bias_.push_back(l.bias);
    }
    // LMC_CPU_KERNEL=torch or =avx2 picks a narrower path, to measure what each buys.
    IntMlpKernel::Isa isa = IntMlpKernel::best();
    if (const char *choice = getenv("LMC_CPU_KERNEL")) {
        if (strcmp(choice, "torch") == 0)
            isa = IntMlpKernel::kNone;
        else if (strcmp(choice, "avx2") == 0 && isa != IntMlpKernel::kNone)
            isa = IntMlpKernel::kAvx2;
    }
    if (isa != IntMlpKernel::kNone) // also beside CUDA, for the small batches (run())
        kernel_.reset(new IntMlpKernel(*model_, bias_, isa));
}

int ModelRunner::hidden_units() const
{
    int n = 0;
    for (const ModelLayer &l : model_->layers)
        n += l.hidden ? l.out : 0;
    return n;
}

void ModelRunner::set_bias_offsets(const std::vector<int8_t> &offsets)
{
    if (!offsets.empty() && (int)offsets.size() != hidden_units())
        fail(LMC_ERR_INVALID_ARG, "bias offsets do not match the model's hidden units");
    size_t k = 0;
    for (size_t i = 0; i < model_->layers.size(); i++) {
        const ModelLayer &l = model_->layers[i];
        std::vector<int32_t> b = l.bias;
        if (l.hidden && !offsets.empty()) {
            for (int n = 0; n < l.out; n++) {
                int64_t v = (int64_t)l.bias[n] + (int64_t)offsets[k++] * ((int64_t)1 << l.shift);
                int64_t row = std::llabs(v);
                for (int j = 0; j < l.in; j++)
                    row += 127 * std::abs((int)l.weight[(size_t)n * l.in + j]);
                if (row >= (int64_t)1 << 24)
                    fail(LMC_ERR_INVALID_DATA, "adapted bias breaks the 2^24 exactness bound (corrupt data)");
                b[n] = (int32_t)v;
            }
        }
        if (b != bias_[i]) {
            auto t = torch::empty({l.out}, torch::kFloat);
            for (int n = 0; n < l.out; n++)
                t.data_ptr<float>()[n] = (float)b[n];
            torch_->bias[i] = t.to(torch_->device);
            bias_[i] = std::move(b);
        }
    }
    if (kernel_)
        kernel_->set_bias(bias_);
    offsets_set_ = !offsets.empty();
}

ModelRunner::~ModelRunner() = default;

bool ModelRunner::on_cuda() const { return torch_->device.is_cuda(); }

std::string ModelRunner::device_name() const { return on_cuda() ? "cuda" : "cpu"; }

void ModelRunner::run(const float *in, int batch, int32_t *logits)
{
    if (batch <= 0)
        return;
    // Small batches stay on the CPU even where the network lives on the GPU: a
    // launch and the copy back cost more than the CPU's whole evaluation of a
    // few rows (the audio decoder's one sample at a time, a wavefront's corner
    // steps). The integers are the same on every path (docs/exactness.md).
    const bool cpu = !on_cuda() || batch <= kSmallBatch;
    if (cpu && kernel_) {
        thread_local std::vector<uint8_t> ok; // per wavefront step: no allocation once grown
        ok.resize(batch);
        kernel_->run(in, batch, logits, ok.data());
        for (int i = 0; i < batch; i++) // inputs the format does not allow: the reference
            if (!ok[i])
                run_integer(in + (size_t)i * model_->inputs, 1, logits + (size_t)i * model_->outputs);
        return;
    }
    if (cpu && batch <= kSmallBatch)
        run_integer(in, batch, logits);
    else
        run_torch(in, batch, logits);
}

void ModelRunner::run_indices(const float *in, int batch, uint8_t *k)
{
    if (batch <= 0)
        return;
    const int N = model_->outputs;
    if (!on_cuda() || batch <= kSmallBatch) {
        thread_local std::vector<int32_t> logits;
        logits.resize((size_t)batch * N);
        run(in, batch, logits.data());
        for (int i = 0; i < batch; i++)
            logits_to_indices(&logits[(size_t)i * N], N, k + (size_t)i * N);
        return;
    }
    c10::InferenceMode guard;
    // Integer-valued floats below 2^24 (format.md 1): max - x and the clamp are exact.
    torch::Tensor x = torch_->logits(*model_, in, batch);
    auto m = std::get<0>(x.max(1, true));
    x = (m - x).clamp_max_(255).to(torch::kUInt8).to(torch::kCPU).contiguous();
    memcpy(k, x.data_ptr<uint8_t>(), (size_t)batch * N);
}

void ModelRunner::run_torch(const float *in, int batch, int32_t *logits)
{
    c10::InferenceMode guard;
    // The thread count is process-wide in LibTorch: set it for every call.
    int threads = batch >= kParallelBatch ? threads_ : 1;
    if (!on_cuda() && at::get_num_threads() != threads)
        at::set_num_threads(threads);
    // Logits fit 16 bits (|l| <= 32767): converted where they are, half the bytes cross.
    auto x = torch_->logits(*model_, in, batch).to(torch::kInt16).to(torch::kCPU).to(torch::kInt32).contiguous();
    memcpy(logits, x.data_ptr<int32_t>(), sizeof(int32_t) * (size_t)batch * model_->outputs);
}

void ModelRunner::run_integer(const float *in, int batch, int32_t *logits) const
{
    int widest = model_->inputs;
    for (const ModelLayer &l : model_->layers)
        widest = std::max(widest, l.out);
    std::vector<int32_t> a(widest), b(widest);
    for (int i = 0; i < batch; i++) {
        for (int k = 0; k < model_->inputs; k++)
            a[k] = (int32_t)in[(size_t)i * model_->inputs + k];
        for (const ModelLayer &l : model_->layers) {
            for (int n = 0; n < l.out; n++) {
                const int8_t *w = &l.weight[(size_t)n * l.in];
                int32_t acc = bias_[&l - model_->layers.data()][n];
                for (int k = 0; k < l.in; k++)
                    acc += w[k] * a[k];
                int32_t v = acc >> l.shift; // arithmetic shift = floor division
                b[n] = l.hidden ? std::clamp(v, 0, 127) : std::clamp(v, -32767, 32767);
            }
            std::swap(a, b);
        }
        memcpy(logits + (size_t)i * model_->outputs, a.data(), sizeof(int32_t) * model_->outputs);
    }
}

} // namespace lmc
