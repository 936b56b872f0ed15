#!/usr/bin/env bash
# The test command: builds everything it needs from nothing (scripts/setup.sh
# without the demo, and the sanitized fuzz targets), then runs with ctest the
# GoogleTest unit tests, the integration tests through the built ffmpeg and a
# short run of every fuzz target.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/build"
bash "$root/scripts/setup.sh" --no-demo
bash "$root/scripts/fuzz.sh" build
cd "$root/build/lmc"
ctest --output-on-failure -j "$(nproc)" "$@"
