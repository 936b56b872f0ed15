#!/usr/bin/env bash
# Seeking: a 10-frame clip (-g 1) in MKV and NUT; -ss to a middle frame gives
# that source frame with exact seeking, and with a plain keyframe seek
# (-noaccurate_seek: relies on the container index and key flags) in MKV; in
# NUT a plain seek gives a source frame at or before the target.
set -euo pipefail
. "$(dirname "$0")/common.sh"

RATE=10
make_video_src "$TMP/src.nut" yuv420p 64x48 10 "$RATE"
video_hashes "$TMP/src" "$TMP/src.nut" -pix_fmt yuv420p
[ "$(wc -l <"$TMP/src")" = 10 ] || fail "source does not have 10 frames"

for ext in mkv nut; do
    out=$TMP/clip.$ext
    ff -i "$TMP/src.nut" -c:v lmc_video -g 1 "$out"
    # Every packet must be a keyframe.
    flags=$(timeout "$LMC_TEST_TIMEOUT" "$FFPROBE" -v error -select_streams v:0 \
            -show_entries packet=flags -of csv=p=0 "$out")
    [ "$(grep -c '^K' <<<"$flags")" = 10 ] || fail "$ext: not all 10 packets are keyframes: $flags"
    for frame in 3 6 9; do
        ss=$(awk -v f="$frame" -v r="$RATE" 'BEGIN { printf "%.3f", f / r }')
        want=$(sed -n "$((frame + 1))p" "$TMP/src")
        for mode in accurate keyframe; do
            extra=()
            [ "$mode" = keyframe ] && extra=(-noaccurate_seek)
            ff "${extra[@]}" -ss "$ss" -i "$out" -map 0:v:0 -frames:v 1 -pix_fmt yuv420p \
               -f framemd5 "$TMP/seek.$ext.$frame.$mode"
            got=$(awk -F', *' '!/^#/ { print $5, $6; exit }' "$TMP/seek.$ext.$frame.$mode")
            if [ "$mode" = keyframe ] && [ "$ext" = nut ]; then
                # NUT indexes syncpoints (every ~32 KiB), not every keyframe:
                # a plain seek lands on a source frame at or before the target.
                idx=$(grep -nxF "$got" "$TMP/src" | head -n 1 | cut -d: -f1)
                [ -n "$idx" ] && [ "$((idx - 1))" -le "$frame" ] ||
                    fail "$ext: -ss $ss ($mode) gave '$got', not a source frame at or before $frame"
            else
                [ "$got" = "$want" ] ||
                    fail "$ext: -ss $ss ($mode) gave '$got', source frame $frame is '$want'"
            fi
        done
    done
    log "$ext: -ss to frames 3, 6, 9 gives the source frames"
done

pass
