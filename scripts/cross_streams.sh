#!/usr/bin/env bash
# Debian CPU side of the exactness check (docs/exactness.md): encodes every
# case of scripts/cross_cases.sh with the installed lmc-crosscheck into
# build/cross/cpu_NAME.lmcg and records its decode hash in cpu_NAME.txt.
# Carry build/cross to the GPU machine and run scripts/gpu_crosscheck.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cross_cases.sh
x=build/install/bin/lmc-crosscheck
export LD_LIBRARY_PATH=build/install/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
mkdir -p build/cross
build/install/bin/ffmpeg -v error -y -stream_loop 1 -i samples/vtest_384x288.y4m -f yuv4mpegpipe build/cross/loop.y4m
for case in "${CROSS_CASES[@]}"; do
  read -r name clip args <<<"$case"
  $x encode cpu "$clip" "build/cross/cpu_$name.lmcg" $args
  $x decode cpu "build/cross/cpu_$name.lmcg" | tee "build/cross/cpu_$name.txt"
done
