#!/usr/bin/env bash
# Runs on the GPU machine: builds liblmc against its CUDA LibTorch, FFmpeg
# without the benchmark peers (that machine has no x264, x265, SDL2 or
# network: the FFmpeg source travels as build/downloads/ffmpeg_7.1.5.orig.tar.xz),
# then bench/video.py for lmc_video only with -device cuda on the test split
# (carry build/corpus/test). Results (bench/results/video_cuda.*) and logs
# go to $OUT. Extra arguments go to bench/video.py.
#
#   run: [MODELS="models/video-s.lmcm"] bash scripts/gpu_bench.sh [--frames 8]   (carry build/corpus/test,
#        build/downloads/ffmpeg_7.1.5.orig.tar.xz)
. "$(dirname "$0")/gpu_build_lmc.sh"
JOBS=$(nproc) LMC_PREFIX=/tmp/lmc-gpu-install LMC_FFMPEG_PEERS=0 \
  FFMPEG_ORIG_TARBALL="$root/build/downloads/ffmpeg_7.1.5.orig.tar.xz" \
  bash scripts/build_ffmpeg.sh 2>&1 | tail -3 || { cp build/logs/*.log "$out/" 2>/dev/null; exit 1; }
"$py" bench/video.py --codecs lmc --device cuda --models ${MODELS:-models/video-s.lmcm models/video-l.lmcm} "$@" \
  2>&1 | tee "$out/bench.log"
cp bench/results/video_cuda.* "$out/"
