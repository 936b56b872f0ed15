#!/usr/bin/env bash
# lmc_gen's learned coding (the default, max_error 0) through the patched
# FFmpeg: every file decodes, to the same frames from MKV and NUT and on one
# or two threads; -q:v trades bits for quality in order; -g puts keyframes
# where it says and inter frames between, which cost fewer bits than intra
# ones; -b:v meets its average bitrate within 5% over a clip; what it cannot
# code is refused.
set -euo pipefail
. "$(dirname "$0")/common.sh"

real=$(first_sample 'vtest*.y4m')
[ -n "$real" ] || fail "samples/vtest_384x288.y4m is missing"
ff -i "$real" -frames:v 8 -c:v rawvideo -f nut "$TMP/src.nut"

# psnr_yuv DECODED: the psnr filter's average over Y, U and V against the source.
psnr_yuv() {
    ff -i "$1" -i "$TMP/src.nut" -lavfi "[0:v][1:v]psnr=stats_file=$TMP/psnr.log" -f null -
    awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^psnr_avg:/) { split($i, a, ":"); s += a[2]; n++ } }
         END { printf "%.2f\n", s / n }' "$TMP/psnr.log"
}

prev_size=0
prev_psnr=99
for q in 4 14 28; do
    for ext in mkv nut; do
        ff -i "$TMP/src.nut" -c:v lmc_gen -q:v $q "$TMP/q$q.$ext"
        expect_probe "$TMP/q$q.$ext" codec_name lmc_gen
        expect_probe "$TMP/q$q.$ext" pix_fmt yuv420p
        video_hashes "$TMP/q$q.$ext.h1" "$TMP/q$q.$ext" -threads 1
    done
    video_hashes "$TMP/q$q.mkv.h2" "$TMP/q$q.mkv" -threads 2
    [ "$(wc -l <"$TMP/q$q.mkv.h1")" = 8 ] || fail "q $q: not 8 frames decoded"
    same_hashes "$TMP/q$q.mkv.h1" "$TMP/q$q.nut.h1" "q $q: MKV vs NUT decode"
    same_hashes "$TMP/q$q.mkv.h1" "$TMP/q$q.mkv.h2" "q $q: 1 vs 2 decoder threads"
    size=$(file_size "$TMP/q$q.mkv")
    psnr=$(psnr_yuv "$TMP/q$q.mkv")
    log "-q:v $q: $size bytes, PSNR-YUV $psnr dB"
    if [ "$prev_size" != 0 ]; then
        [ "$size" -lt "$prev_size" ] || fail "-q:v $q is not smaller than the finer quantiser"
        awk -v a="$psnr" -v b="$prev_psnr" 'BEGIN { exit !(a <= b + 0.01) }' ||
            fail "-q:v $q has a higher PSNR than the finer quantiser"
    fi
    awk -v a="$psnr" 'BEGIN { exit !(a > 20) }' || fail "-q:v $q: PSNR-YUV $psnr dB, the decode is broken"
    prev_size=$size
    prev_psnr=$psnr
done

# -g: keyframes every 4 frames, inter frames between (liblmc 0.13), against
# every frame intra at the same quantiser.
for g in 1 4; do
    ff -i "$TMP/src.nut" -c:v lmc_gen -q:v 14 -g $g "$TMP/g$g.nut"
    video_hashes "$TMP/g$g.h1" "$TMP/g$g.nut" -threads 1
    video_hashes "$TMP/g$g.h2" "$TMP/g$g.nut" -threads 2
    same_hashes "$TMP/g$g.h1" "$TMP/g$g.h2" "-g $g: 1 vs 2 decoder threads"
done
keys=$("$FFPROBE" -v error -select_streams v:0 -show_entries packet=flags -of csv=p=0 "$TMP/g4.nut" |
       cut -c1 | tr -d '\n')
[ "$keys" = "K___K___" ] || fail "-g 4: keyframe flags $keys, not K___K___"
intra=$(file_size "$TMP/g1.nut") inter=$(file_size "$TMP/g4.nut")
log "-q:v 14: -g 1 $intra bytes (PSNR-YUV $(psnr_yuv "$TMP/g1.nut") dB), -g 4 $inter bytes" \
    "(PSNR-YUV $(psnr_yuv "$TMP/g4.nut") dB)"
[ "$inter" -lt "$intra" ] || fail "-g 4 ($inter bytes) is not smaller than every frame intra ($intra)"

# -b:v: the average bitrate of the packets within 5% (8 frames at the source's rate).
fps=$(probe "$TMP/src.nut" r_frame_rate)
for rate in 80k 150k; do
    ff -i "$TMP/src.nut" -c:v lmc_gen -b:v $rate "$TMP/b$rate.nut"
    video_hashes "$TMP/b$rate.h" "$TMP/b$rate.nut"
    bytes=$("$FFPROBE" -v error -select_streams v:0 -show_entries packet=size -of csv=p=0 "$TMP/b$rate.nut" |
            awk '{ s += $1 } END { print s }')
    target=$(( ${rate%k} * 1000 * 8 * ${fps#*/} / ${fps%/*} / 8 ))
    log "-b:v $rate: $bytes bytes of packets, target $target"
    awk -v a="$bytes" -v t="$target" 'BEGIN { d = a / t - 1; exit !(d < 0.05 && d > -0.05) }' ||
        fail "-b:v $rate: $bytes bytes, not within 5% of $target"
done

# Refused with a clear message and a non-zero exit: a format the learned
# coding does not take, a quantiser out of range.
rc=$(ff_rc "$TMP/gray.log" -loglevel error -f lavfi -i testsrc2=s=64x64:r=1 -frames:v 1 -pix_fmt gray \
     -c:v lmc_gen -f null -)
check_no_crash "$rc" "$TMP/gray.log" "gray input"
[ "$rc" != 0 ] || fail "gray input was accepted by the learned coding"
grep -q "yuv420p" "$TMP/gray.log" || fail "gray input: the message does not name yuv420p"
rc=$(ff_rc "$TMP/q40.log" -loglevel error -i "$TMP/src.nut" -frames:v 1 -c:v lmc_gen -q:v 40 -f null -)
check_no_crash "$rc" "$TMP/q40.log" "-q:v 40"
[ "$rc" != 0 ] || fail "-q:v 40 was accepted"
log "gray input and -q:v 40 refused"
pass
