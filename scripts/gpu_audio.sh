#!/usr/bin/env bash
# Runs on the GPU machine: builds liblmc against its CUDA LibTorch and FFmpeg
# without the benchmark peers (a no-op where a warm machine has them), then
# bench/audio.py for lmc_audio alone on the test split with -device cuda and
# --threads 2 (the peers' tools are not installed there: bench/results/audio.md
# has them, from the 2-core machine). DEVICES="cuda cpu" also runs its CPU.
# Results (bench/results/audio_gpuhost*) and logs go to $OUT.
#
#   run: bash scripts/gpu_audio.sh   (carry build/corpus/test,
#        build/downloads/ffmpeg_7.1.5.orig.tar.xz)
. "$(dirname "$0")/gpu_build_lmc.sh"
JOBS=$(nproc) LMC_PREFIX=/tmp/lmc-gpu-install LMC_FFMPEG_PEERS=0 \
  FFMPEG_ORIG_TARBALL="$root/build/downloads/ffmpeg_7.1.5.orig.tar.xz" \
  bash scripts/build_ffmpeg.sh > "$out/ffmpeg_build.log" 2>&1 || { tail -20 "$out/ffmpeg_build.log"; exit 1; }
for device in ${DEVICES:-cuda}; do
  name=audio_gpuhost; [ "$device" = cuda ] || name=audio_gpuhost_$device
  "$py" bench/audio.py --codecs lmc_audio --device "$device" --threads 2 --name "$name" 2>&1 | tee "$out/audio_$device.log"
done
cp bench/results/audio_gpuhost* "$out/"
