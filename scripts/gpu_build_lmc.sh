#!/usr/bin/env bash
# Sourced by the GPU-machine scripts (gpu_crosscheck.sh, gpu_bench.sh): builds
# and installs liblmc against the CUDA LibTorch of the machine's Python into
# /tmp/lmc-gpu-install. Runs from the repository root; sets root, out ($OUT,
# created), py, torch_prefix and LD_LIBRARY_PATH; the build log goes to
# $out/build.log.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=${OUT:-/tmp/lmc-gpu-out}
mkdir -p "$out"
py=/opt/torch/.venv/bin/python
[ -x "$py" ] || py=python3
torch_prefix=$("$py" -c 'import torch; print(torch.utils.cmake_prefix_path)')
echo "== torch $("$py" -c 'import torch; print(torch.__version__, torch.cuda.get_device_name(0))')"
gen=(); command -v ninja > /dev/null && gen=(-G Ninja)
cmake -S . -B /tmp/lmc-gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DLMC_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH="$torch_prefix" -DCMAKE_INSTALL_PREFIX=/tmp/lmc-gpu-install > "$out/build.log" 2>&1
cmake --build /tmp/lmc-gpu -j "$(nproc)" >> "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
cmake --install /tmp/lmc-gpu >> "$out/build.log" 2>&1
export LD_LIBRARY_PATH="$torch_prefix/../../lib:${LD_LIBRARY_PATH:-}"
