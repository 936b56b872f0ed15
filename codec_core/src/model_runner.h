// Runs an integer MLP (docs/format.md section 1) on a batch of input
// vectors and returns integer logits. Large batches go through LibTorch
// (float32 GEMMs on integer values: exact by the 2^24 bound; on CUDA when
// asked for and available); tiny batches on the CPU, as in a sample-by-sample
// audio decoder, run a plain integer loop because LibTorch's per-call cost
// dominates there. Both paths give identical logits (tested).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "model_file.h"

namespace lmc {

class ModelRunner {
public:
    // device: "cpu", "cuda", or empty/"auto" (CUDA when available).
    ModelRunner(std::shared_ptr<const Model> model, const std::string &device, int threads);
    ~ModelRunner();

    // in: batch x inputs integer-valued floats; out: batch x outputs logits.
    void run(const float *in, int batch, int32_t *logits);
    // The same computation through one path only (for tests and benchmarks).
    void run_torch(const float *in, int batch, int32_t *logits);
    void run_integer(const float *in, int batch, int32_t *logits) const;

    const Model &model() const { return *model_; }
    bool on_cuda() const;
    std::string device_name() const;

private:
    struct Torch;
    std::shared_ptr<const Model> model_;
    std::unique_ptr<Torch> torch_;
    int threads_;

public:
    int threads() const { return threads_; }
};

} // namespace lmc
