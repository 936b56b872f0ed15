#!/usr/bin/env bash
# Runs on the GPU machine: builds liblmc against its CUDA LibTorch and FFmpeg
# without the benchmark peers, checks CPU<->CUDA exactness on the streams of
# scripts/cross_cases.sh (gpu_crosscheck.sh), then runs bench/speed.py with
# lmc_video on CUDA and, on the same machine, on its CPU threads, beside FFV1.
# Results and logs go to $OUT. SKIP_CROSSCHECK=1 leaves the exactness check out.
# The clips come from build/speed_clips, made here by
# `bench/speed.py --frames 8 --clips build/speed_clips`: the peers-free FFmpeg
# there decoded the H.264 source into other frames from run to run.
#
#   run: bash scripts/gpu_speed.sh --frames 8 [bench/speed.py arguments]
#        (carry build/cross, build/speed_clips, build/downloads/ffmpeg_7.1.5.orig.tar.xz,
#         build/downloads/python3-imageio_2.4.1-5_all.deb)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SKIP_CROSSCHECK:-0}" = 1 ] || bash scripts/gpu_crosscheck.sh > /dev/null
. scripts/gpu_build_lmc.sh # (again: a no-op build) for root, out, py and LD_LIBRARY_PATH
JOBS=$(nproc) LMC_PREFIX=/tmp/lmc-gpu-install LMC_FFMPEG_PEERS=0 \
  FFMPEG_ORIG_TARBALL="$root/build/downloads/ffmpeg_7.1.5.orig.tar.xz" \
  bash scripts/build_ffmpeg.sh > "$out/ffmpeg_build.log" 2>&1 || { tail -20 "$out/ffmpeg_build.log"; exit 1; }
threads=$(nproc)
"$py" bench/speed.py --device cuda --codecs lmc_video,ffv1 --threads "$threads" --clips build/speed_clips "$@" 2>&1 | tee "$out/speed_cuda.log"
"$py" bench/speed.py --device cpu --codecs lmc_video --threads "$threads" --clips build/speed_clips "$@" 2>&1 | tee "$out/speed_cpu.log"
cp bench/results/speed_cuda.* "$out/" 2>/dev/null || true
cp bench/results/speed.md "$out/speed_cpu16.md" 2>/dev/null || true
