// The lmc_restore filter's work (docs/format.md section 11): a decoded
// yuv420p frame and the filter's previous output go through the restoration
// network, whose output, a correction, is added to the frame. Integers
// throughout (conv_runner.h), so the CPU and CUDA give the same frames; the
// previous output makes it recurrent, so an inexact one would drift.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <torch/torch.h>

#include "conv_runner.h"

namespace lmc {

class FrameRestorer {
public:
    FrameRestorer(std::shared_ptr<const RestoreModel> model, int width, int height, const std::string &device,
                  int threads);

    // src and dst: yuv420p planes of the size given when made; they may be the same.
    void restore(const uint8_t *const src[], const int src_strides[], uint8_t *const dst[],
                 const int dst_strides[]);
    // Forgets the previous output (a seek): the next frame is its own.
    void reset() { previous_ = torch::Tensor(); }

private:
    std::shared_ptr<const RestoreModel> model_;
    ConvRunner runner_;
    int width_, height_, pw_, ph_; // padded to multiples of the model's align
    torch::Tensor previous_;       // [6, ph / 2, pw / 2] on the runner's device
};

} // namespace lmc
