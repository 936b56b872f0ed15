#!/usr/bin/env bash
# The lmc_map filter draws what each sample costs the lossless model: its
# frames have the drawn plane's size, its per-frame bits (frame metadata) add
# up to about what lmc_video spends on the same frames, and a plane the format
# does not have is refused without a crash.
set -euo pipefail
. "$(dirname "$0")/common.sh"

real=$(first_sample 'vtest*.y4m')
[ -n "$real" ] || fail "samples/vtest_384x288.y4m is missing"
ff -i "$real" -frames:v 3 -vf "$REAL_CROP" -c:v rawvideo -f nut "$TMP/src.nut"   # 176x144 yuv420p

# Luma (default) and the U plane: gray frames of that plane's size.
ff -i "$TMP/src.nut" -vf lmc_map -f rawvideo -pix_fmt gray "$TMP/y.gray"
[ "$(file_size "$TMP/y.gray")" = $((176 * 144 * 3)) ] || fail "luma map: wrong size"
ff -i "$TMP/src.nut" -vf lmc_map=plane=1 -f rawvideo -pix_fmt gray "$TMP/u.gray"
[ "$(file_size "$TMP/u.gray")" = $((88 * 72 * 3)) ] || fail "U map: wrong size"
mean=$(/usr/bin/python3 -c "import sys; b = open(sys.argv[1], 'rb').read(); print(sum(b) / len(b))" "$TMP/y.gray")
log "luma map: mean value $mean (32 per bit)"
awk -v m="$mean" 'BEGIN { exit !(m > 8 && m < 250) }' || fail "luma map mean $mean: not a plausible bits map"

# The frames' bits against lmc_video's packets for the same frames, all keyframes.
"$FFPROBE" -v error -f lavfi -i "movie=$TMP/src.nut,lmc_map" -show_entries frame_tags=lavfi.lmc_map.bits \
    -of csv=p=0 >"$TMP/bits.csv" || fail "ffprobe could not read the filter's metadata"
map_bytes=$(awk '{ s += $1 } END { printf "%d", s / 8 }' "$TMP/bits.csv")
ff -i "$TMP/src.nut" -c:v lmc_video -g 1 -f nut "$TMP/v.nut"
pkt_bytes=$("$FFPROBE" -v error -select_streams v:0 -show_entries packet=size -of csv=p=0 "$TMP/v.nut" |
            awk '{ s += $1 } END { print s }')
log "lmc_map: $map_bytes bytes over 3 frames; lmc_video -g 1 packets: $pkt_bytes bytes"
awk -v a="$map_bytes" -v b="$pkt_bytes" 'BEGIN { d = a / b - 1; exit !(d < 0.05 && d > -0.05) }' ||
    fail "the map's bits ($map_bytes bytes) are not within 5% of lmc_video's packets ($pkt_bytes)"

# A plane yuv420p does not have: a clear error, no crash.
rc=$(ff_rc "$TMP/bad.log" -loglevel error -i "$TMP/src.nut" -vf lmc_map=plane=3 -f null -)
check_no_crash "$rc" "$TMP/bad.log" "plane 3 of yuv420p"
[ "$rc" != 0 ] || fail "plane 3 of yuv420p was accepted"
grep -q "plane 3" "$TMP/bad.log" || fail "the message does not name the plane"
pass
