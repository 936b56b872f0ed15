// A yuv420p frame as the learned networks see it (docs/format.md 10): six
// half-resolution planes, the four luma phases (channel 2i + j holds row
// offset i, column offset j) then U and V, each sample less 128, as a
// float32 tensor of integers [6, ph / 2, pw / 2]. Edges are repeated out to
// the padded size pw x ph (even). Shared by lmc_gen's learned coding and the
// lmc_restore filter.
#pragma once

#include <cstdint>
#include <torch/torch.h>
#include <vector>

namespace lmc {

torch::Tensor yuv420_to_half_planes(const uint8_t *const planes[], const int strides[], int width, int height,
                                    int padded_width, int padded_height);

// x: [6, >= ceil(height / 2), >= ceil(width / 2)] integers in [-128, 127], on any device.
void half_planes_to_yuv420(const torch::Tensor &x, uint8_t *const planes[], const int strides[], int width,
                           int height);

// A tensor of integer values as int32, row-major, copied to the CPU.
std::vector<int32_t> tensor_ints(const torch::Tensor &t);

} // namespace lmc
