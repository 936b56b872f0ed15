// Per-sample integer loops that the compiler vectorises are built for the
// baseline x86-64 (SSE2) and again for AVX2 and AVX-512 machines; the loader
// picks the widest the CPU has (GCC function multiversioning; the clang build,
// the fuzzers', keeps the baseline). The arithmetic is integer without
// overflow, so every clone computes the same values; the golden streams check
// the clone each test machine picks (x86-64-v4 on the development machine,
// whatever CI's CPU has there).
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(LMC_NO_CLONES)
#define LMC_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LMC_SIMD_CLONES
#endif
