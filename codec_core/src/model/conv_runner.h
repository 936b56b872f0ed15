// Runs lmc_gen's integer convolutional networks (conv_net.h) through
// LibTorch on the CPU or on CUDA. Tensors hold integers as float32; every
// convolution is an unfold and a float32 GEMM (exact: the model file's row
// bound keeps every partial sum below 2^24), then an exact scale by 2^-shift,
// floor and clamp, so every device computes the same integers. No cuDNN or
// Winograd convolution is ever used: those are not exact.
#pragma once

#include <memory>
#include <string>
#include <torch/torch.h>
#include <vector>

#include "conv_net.h"

namespace lmc {

class ConvRunner {
public:
    // device: "cpu", "cuda", or empty/"auto"; threads: CPU threads (stripes of rows in parallel).
    ConvRunner(std::shared_ptr<const GenIntraModel> model, const std::string &device, int threads);

    enum Net { kAnalysis, kHyperAnalysis, kHyperSynthesis, kSynthesis };
    // x: [C, H, W] integer-valued float32 on device(); returns the net's output there.
    torch::Tensor run(Net net, torch::Tensor x) const;

    const torch::Device &device() const { return device_; }
    const GenIntraModel &model() const { return *model_; }

private:
    struct Layer {
        ConvOp::Type type = ConvOp::kConv;
        int k = 1;
        torch::Tensor weight;          // [out, in * k * k]
        torch::Tensor bias, scale, lo, hi; // [out, 1]: scale = 2^-shift
    };
    torch::Tensor conv(const Layer &l, const torch::Tensor &x) const;
    std::shared_ptr<const GenIntraModel> model_;
    torch::Device device_{torch::kCPU};
    int threads_;
    std::vector<std::vector<Layer>> nets_;
};

} // namespace lmc
