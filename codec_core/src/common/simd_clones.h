// Per-sample integer loops that the compiler vectorises are built for the
// baseline x86-64 (SSE2) and again for AVX2 and AVX-512 machines; the loader
// picks the widest the CPU has (GCC/Clang function multiversioning). The
// arithmetic is integer, so every clone computes the same values (the golden
// streams pass on each).
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__) && !defined(LMC_NO_CLONES)
#define LMC_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LMC_SIMD_CLONES
#endif
