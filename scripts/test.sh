#!/usr/bin/env bash
# The test command: builds everything it needs from nothing (scripts/setup.sh
# without the demo), then runs the GoogleTest unit tests and the integration
# tests through the built ffmpeg with ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/build"
bash "$root/scripts/setup.sh" --no-demo
cd "$root/build/lmc"
ctest --output-on-failure -j "$(nproc)" "$@"
