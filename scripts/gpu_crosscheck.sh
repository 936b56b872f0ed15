#!/usr/bin/env bash
# Runs on the GPU machine (see docs/exactness.md): builds liblmc against the
# CUDA LibTorch there, decodes the CPU-encoded streams in build/cross/ on
# CUDA, encodes the same clip on CUDA and writes the GPU streams and a log
# to $OUT for the CPU build to decode.
. "$(dirname "$0")/gpu_build_lmc.sh"
x=/tmp/lmc-gpu-install/bin/lmc-crosscheck
export LMC_MODEL_DIR="$root/models"
. scripts/cross_cases.sh
{
  for case in "${CROSS_CASES[@]}"; do
    read -r kind clip args <<<"$case"
    echo "== $kind: CPU-encoded stream (from the Debian CPU build) decoded here"
    cat "build/cross/cpu_$kind.txt"
    $x decode cuda "build/cross/cpu_$kind.lmcg"
    $x decode cpu "build/cross/cpu_$kind.lmcg"
    echo "== $kind: encoded here on CUDA and on this machine's CPU"
    $x encode cuda "$clip" "$out/gpu_$kind.lmcg" $args
    $x encode cpu "$clip" /tmp/cpu_here_$kind.lmcg $args
    cmp "$out/gpu_$kind.lmcg" /tmp/cpu_here_$kind.lmcg && echo "CUDA and CPU encoders wrote identical bytes"
    cmp "$out/gpu_$kind.lmcg" "build/cross/cpu_$kind.lmcg" && echo "identical to the Debian CPU build's stream"
    $x decode cuda "$out/gpu_$kind.lmcg"
  done
} 2>&1 | tee "$out/crosscheck.log"
