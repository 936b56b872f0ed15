// Runs an integer MLP (docs/format.md section 1) on a batch of input
// vectors and returns integer logits. On the CPU, every batch goes through
// the SIMD integer kernel (int_mlp_kernel.h) where the CPU has AVX2; else
// large batches go through LibTorch (float32 GEMMs on integer values: exact
// by the 2^24 bound) and tiny ones, as in a sample-by-sample audio decoder,
// through the plain integer loop (LibTorch's per-call cost dominates there).
// On CUDA, LibTorch. Every path gives identical logits (tested).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "int_mlp_kernel.h"
#include "model_file.h"

namespace lmc {

class ModelRunner {
public:
    // device: "cpu", "cuda", or empty/"auto" (CUDA when available).
    ModelRunner(std::shared_ptr<const Model> model, const std::string &device, int threads);
    ~ModelRunner();

    // in: batch x inputs integer-valued floats; out: batch x outputs logits.
    void run(const float *in, int batch, int32_t *logits);
    // The frequency-table indices of the logits (freq_table.h), batch x
    // outputs bytes. On CUDA they are made on the device, so a batch sends a
    // byte per symbol back instead of a float; elsewhere from run().
    void run_indices(const float *in, int batch, uint8_t *k);
    // The same computation through one path only (for tests and benchmarks).
    void run_torch(const float *in, int batch, int32_t *logits);
    void run_integer(const float *in, int batch, int32_t *logits) const;
    // The SIMD kernel CPU batches take (kNone: LibTorch and the integer loop).
    IntMlpKernel::Isa simd_kernel() const { return kernel_ ? kernel_->isa() : IntMlpKernel::kNone; }

    // Frame adaptation (docs/format.md 7.4): offsets of the hidden layers'
    // biases in activation units (bias + offset * 2^shift), one per hidden
    // unit in layer order; empty restores the model's own biases. Fails with
    // LMC_ERR_INVALID_DATA if a row would break the exactness bound. Not to be
    // called while run() is in progress.
    void set_bias_offsets(const std::vector<int8_t> &offsets);
    bool has_bias_offsets() const { return offsets_set_; }
    int hidden_units() const;

    const Model &model() const { return *model_; }
    bool on_cuda() const;
    std::string device_name() const;

private:
    struct Torch;
    std::shared_ptr<const Model> model_;
    std::unique_ptr<Torch> torch_;
    std::unique_ptr<IntMlpKernel> kernel_;
    std::vector<std::vector<int32_t>> bias_; // per layer, with the offsets applied
    bool offsets_set_ = false;
    int threads_;

public:
    int threads() const { return threads_; }
};

} // namespace lmc
