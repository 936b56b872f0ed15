#include "torch_device.h"

#include <dlfcn.h>

#include "errors.h"

namespace lmc {

torch::Device select_torch_device(const std::string &device)
{
    bool want_cuda = device == "cuda";
    if (want_cuda && !torch::cuda::is_available())
        fail(LMC_ERR_UNSUPPORTED, "device cuda requested, but liblmc's LibTorch has no usable CUDA device");
    if (device.empty() || device == "auto")
        want_cuda = torch::cuda::is_available();
    else if (device != "cpu" && device != "cuda")
        fail(LMC_ERR_INVALID_ARG, "unknown device '" + device + "' (use cpu, cuda or auto)");
    if (!want_cuda)
        return torch::Device(torch::kCPU);
    at::globalContext().setAllowTF32CuBLAS(false);
    return torch::Device(torch::kCUDA);
}

void limit_openblas_threads()
{
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
        set(1);
}

} // namespace lmc
