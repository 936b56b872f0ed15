#!/usr/bin/env bash
# The lmc_restore filter restores decoded video: on a real clip coded by x264
# at bench/rd.py's lowest rate (crf 48) it brings the frames closer to the source (FFmpeg's psnr
# filter), it gives the same frames on 1 and 2 threads, and a missing or
# wrong-kind model is refused with a clear error and no crash.
set -euo pipefail
. "$(dirname "$0")/common.sh"

real=$(first_sample 'vtest*.y4m')
[ -n "$real" ] || fail "samples/vtest_384x288.y4m is missing"
ff -i "$real" -frames:v 4 -vf "$REAL_CROP" -c:v rawvideo -f nut "$TMP/src.nut"   # 176x144 yuv420p
ff -i "$TMP/src.nut" -c:v libx264 -preset veryslow -crf 48 -g 8 "$TMP/low.mkv"

psnr_of() {  # PSNR (all planes, from the mean MSE) of $1 (a filter chain on the decoded clip) against the source
    ff -i "$TMP/low.mkv" -i "$TMP/src.nut" -lavfi "[0:v]$1[a];[a][1:v]psnr=stats_file=$TMP/psnr.txt" -f null -
    awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^mse_avg:/) { split($i, v, ":"); s += v[2]; n++ } }
         END { if (n) printf "%.3f", 10 * log(255 * 255 / (s / n)) / log(10) }' "$TMP/psnr.txt"
}
plain=$(psnr_of null)
restored=$(psnr_of lmc_restore)
log "x264 crf 48: $plain dB decoded, $restored dB through lmc_restore"
[ -n "$plain" ] && [ -n "$restored" ] || fail "no PSNR from FFmpeg's psnr filter"
awk -v a="$restored" -v b="$plain" 'BEGIN { exit !(a > b + 0.05) }' ||
    fail "lmc_restore did not bring the frames closer to the source ($restored dB against $plain dB)"

# The same frames on 1 and 2 threads (integer arithmetic throughout).
ff -i "$TMP/low.mkv" -vf lmc_restore=threads=1 -f framemd5 "$TMP/t1.md5"
ff -i "$TMP/low.mkv" -vf lmc_restore=threads=2 -f framemd5 "$TMP/t2.md5"
cmp -s <(grep -v '^#' "$TMP/t1.md5") <(grep -v '^#' "$TMP/t2.md5") || fail "1 and 2 threads give different frames"

# A missing model and a model of the wrong kind: errors that say so, no crash.
rc=$(ff_rc "$TMP/missing.log" -loglevel error -i "$TMP/low.mkv" -vf lmc_restore=model=/nonexistent.lmcm -f null -)
check_no_crash "$rc" "$TMP/missing.log" "a missing model"
[ "$rc" != 0 ] || fail "a missing model was accepted"
rc=$(ff_rc "$TMP/kind.log" -loglevel error -i "$TMP/low.mkv" -vf "lmc_restore=model=$REPO/models/gen-i.lmcm" -f null -)
check_no_crash "$rc" "$TMP/kind.log" "a gen model"
[ "$rc" != 0 ] || fail "a gen model was accepted as a restoration model"
grep -q "wrong kind" "$TMP/kind.log" || fail "the message does not say the model is of the wrong kind"
pass
