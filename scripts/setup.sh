#!/usr/bin/env bash
# One command from nothing: installs the Debian packages we build with,
# builds liblmc and the patched FFmpeg into build/install, then runs the
# main job (scripts/demo.sh) on a real sample clip. Re-running is
# incremental. Pass --no-demo to only build (the test command does).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p build

packages=(build-essential cmake pkg-config nasm patch xz-utils ca-certificates
  libtorch-dev libopenblas0-pthread libgtest-dev
  libx264-dev libx265-dev libsdl2-dev zlib1g-dev dpkg-dev python3 python3-numpy
  clang libclang-rt-14-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > build-apt.log 2>&1 || { tail -30 build-apt.log; exit 1; }
  rm -f build-apt.log
fi

jobs=$(nproc)
echo "== building liblmc (build/lmc -> build/install)"
cmake -S . -B build/lmc -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$root/build/install" > build/cmake-configure.log 2>&1 \
  || { tail -30 build/cmake-configure.log; exit 1; }
cmake --build build/lmc -j "$jobs" > build/cmake-build.log 2>&1 \
  || { grep -E "error|Error" -A3 build/cmake-build.log | head -60; exit 1; }
cmake --install build/lmc > /dev/null

echo "== building the patched FFmpeg 7.1.5 (build/install/bin)"
bash scripts/build_ffmpeg.sh

if [ "${1:-}" != "--no-demo" ]; then
  bash scripts/demo.sh
fi
