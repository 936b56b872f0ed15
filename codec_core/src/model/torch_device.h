// Where LibTorch runs our integer networks: the device a codec asked for
// ("cpu", "cuda", or empty/"auto" for CUDA when there is one), checked once
// for both runners (the MLP's and lmc_gen's convolutions).
#pragma once

#include <string>
#include <torch/torch.h>

namespace lmc {

// Fails with LMC_ERR_UNSUPPORTED (cuda asked, none usable) or
// LMC_ERR_INVALID_ARG (unknown name). On CUDA it keeps cuBLAS in plain fp32:
// TF32 would round the inputs; int8-range values survive it, but the 2^24
// argument (format.md 1) is then stated for plain fp32 only.
torch::Device select_torch_device(const std::string &device);

// LibTorch builds that hand GEMMs to OpenBLAS (Debian's) get OpenBLAS's own
// thread pool, which at::set_num_threads does not reach. Its workers spin
// in sched_yield between our small GEMMs: measured on 2 cores, the batched
// encoder spent 3.4 s of system time on 8 CIF frames and ran slower than the
// decoder. liblmc parallelises above the GEMM, so OpenBLAS gets one thread.
// Other BLAS libraries do not export this symbol.
void limit_openblas_threads();

} // namespace lmc
