// Runs the integer convolutional networks of conv_net.h (lmc_gen, lmc_restore) through
// LibTorch on the CPU or on CUDA. Tensors hold integers as float32; every
// convolution is an unfold and a float32 GEMM (exact: the model file's row
// bound keeps every partial sum below 2^24), then an exact scale by 2^-shift,
// floor and clamp, so every device computes the same integers. No cuDNN or
// Winograd convolution is ever used: those are not exact.
#pragma once

#include <string>
#include <torch/torch.h>
#include <vector>

#include "conv_net.h"

namespace lmc {

class ConvRunner {
public:
    // nets: the networks run() takes by index (their weights are copied);
    // device: "cpu", "cuda", or empty/"auto"; threads: CPU threads (stripes of rows in parallel).
    ConvRunner(const std::vector<const ConvNet *> &nets, const std::string &device, int threads);

    // x: [C, H, W] integer-valued float32 on device(); returns network net's output there.
    torch::Tensor run(int net, torch::Tensor x) const;

    const torch::Device &device() const { return device_; }

private:
    struct Layer {
        ConvOp::Type type = ConvOp::kConv;
        int k = 1;
        torch::Tensor weight;          // [out, in * k * k]
        torch::Tensor bias, scale, lo, hi; // [out, 1]: scale = 2^-shift
    };
    torch::Tensor conv(const Layer &l, const torch::Tensor &x) const;
    torch::Device device_{torch::kCPU};
    int threads_;
    std::vector<std::vector<Layer>> nets_;
};

} // namespace lmc
