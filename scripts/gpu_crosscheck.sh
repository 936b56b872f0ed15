#!/usr/bin/env bash
# Runs on the GPU machine (see docs/exactness.md): builds liblmc against the
# CUDA LibTorch there, decodes the CPU-encoded streams in build/cross/ on
# CUDA, encodes the same clip on CUDA and writes the GPU streams and a log
# to $OUT for the CPU build to decode.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${OUT:-/tmp/cross-out}
mkdir -p "$out"
py=/opt/torch/.venv/bin/python
[ -x "$py" ] || py=python3
prefix=$("$py" -c 'import torch; print(torch.utils.cmake_prefix_path)')
echo "== torch $("$py" -c 'import torch; print(torch.__version__, torch.cuda.get_device_name(0))')"
gen=(); command -v ninja > /dev/null && gen=(-G Ninja)
cmake -S . -B /tmp/lmc-gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DLMC_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_INSTALL_PREFIX=/tmp/lmc-gpu-install > "$out/build.log" 2>&1
cmake --build /tmp/lmc-gpu -j "$(nproc)" >> "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
cmake --install /tmp/lmc-gpu >> "$out/build.log" 2>&1
x=/tmp/lmc-gpu-install/bin/lmc-crosscheck
export LD_LIBRARY_PATH="$prefix/../../lib:${LD_LIBRARY_PATH:-}"
export LMC_MODEL_DIR="$root/models"
clip=samples/vtest_384x288.y4m
{
  for kind in video gen video-l; do
    args=(8 "$kind")
    [ "$kind" = video-l ] && args=(8 video models/video-l.lmcm)
    echo "== $kind: CPU-encoded stream (from the Debian CPU build) decoded here"
    cat "build/cross/cpu_$kind.txt"
    $x decode cuda "build/cross/cpu_$kind.lmcg"
    $x decode cpu "build/cross/cpu_$kind.lmcg"
    echo "== $kind: encoded here on CUDA and on this machine's CPU"
    $x encode cuda "$clip" "$out/gpu_$kind.lmcg" "${args[@]}"
    $x encode cpu "$clip" /tmp/cpu_here_$kind.lmcg "${args[@]}"
    cmp "$out/gpu_$kind.lmcg" /tmp/cpu_here_$kind.lmcg && echo "CUDA and CPU encoders wrote identical bytes"
    cmp "$out/gpu_$kind.lmcg" "build/cross/cpu_$kind.lmcg" && echo "identical to the Debian CPU build's stream"
    $x decode cuda "$out/gpu_$kind.lmcg"
  done
} 2>&1 | tee "$out/crosscheck.log"
