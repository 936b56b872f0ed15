#!/usr/bin/env bash
# The main job: code a real clip with lmc_video into MKV and NUT, decode
# both, check them frame by frame against the source (framemd5), and print
# the sizes next to FFV1 and x264 lossless on the same clip.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ff="$root/build/install/bin/ffmpeg"
clip=${1:-$root/samples/vtest_384x288.y4m}
out=${LMC_DEMO_DIR:-$root/build/demo}
mkdir -p "$out"
q=(-hide_banner -loglevel error -y)

"$ff" "${q[@]}" -i "$clip" -f framemd5 "$out/source.framemd5"
raw=$("$ff" "${q[@]}" -i "$clip" -f rawvideo - | wc -c)

calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }

run() { # name, output file, codec args...
  local name=$1 file=$2; shift 2
  local t0=$(date +%s.%N)
  "$ff" "${q[@]}" -i "$clip" "$@" "$file"
  local t1=$(date +%s.%N)
  "$ff" "${q[@]}" -i "$file" -pix_fmt "$pix" -f framemd5 "$out/$name.framemd5"
  local t2=$(date +%s.%N)
  local ok="bit-exact"
  if ! diff <(grep -v '^#' "$out/source.framemd5") <(grep -v '^#' "$out/$name.framemd5") > /dev/null; then
    ok="MISMATCH"; status=1
  fi
  local size=$(stat -c %s "$file")
  printf "%-22s %10d %8s %8s %8s %8s  %s\n" "$name" "$size" "$(calc "$raw / $size")" \
    "$(calc "8 * $size / $raw")" "$(calc "$t1 - $t0")" "$(calc "$t2 - $t1")" "$ok"
}

pix=$("$root/build/install/bin/ffprobe" -v error -select_streams v:0 -show_entries stream=pix_fmt -of csv=p=0 "$clip")
frames=$(grep -vc '^#' "$out/source.framemd5")
status=0
echo "clip: $clip ($pix, $frames frames, $raw bytes raw)"
printf "%-22s %10s %8s %8s %8s %8s  %s\n" codec bytes ratio bits/smp enc_s dec_s check
run lmc_video.mkv "$out/lmc.mkv" -c:v lmc_video -threads 2
run lmc_video.nut "$out/lmc.nut" -c:v lmc_video -threads 2
run ffv1.mkv "$out/ffv1.mkv" -c:v ffv1 -level 3 -coder 1 -context 1 -g 1 -threads 2
run x264-qp0.mkv "$out/x264.mkv" -c:v libx264 -qp 0 -preset veryslow -threads 2
exit $status
