#!/usr/bin/env bash
# Seeking: a 10-frame clip with keyframes every 4 frames (-g 4: frames 1-3,
# 5-7, 9 are inter frames) in MKV and NUT; -ss to a middle frame gives that
# source frame with exact seeking (decoding from the keyframe before it); a
# plain keyframe seek (-noaccurate_seek: relies on the container index and
# key flags) gives a source frame at or before the target, never a damaged one.
set -euo pipefail
. "$(dirname "$0")/common.sh"

RATE=10
make_video_src "$TMP/src.nut" yuv420p 64x48 10 "$RATE"
video_hashes "$TMP/src" "$TMP/src.nut" -pix_fmt yuv420p
[ "$(wc -l <"$TMP/src")" = 10 ] || fail "source does not have 10 frames"

for ext in mkv nut; do
    out=$TMP/clip.$ext
    ff -i "$TMP/src.nut" -c:v lmc_video -g 4 "$out"
    # Packets 0, 4 and 8 are keyframes, the others not.
    flags=$(timeout "$LMC_TEST_TIMEOUT" "$FFPROBE" -v error -select_streams v:0 \
            -show_entries packet=flags -of csv=p=0 "$out" | cut -c1 | tr -d '\n')
    [ "$flags" = "K___K___K_" ] || fail "$ext: packet key flags are '$flags', want K___K___K_"
    for frame in 3 6 9; do
        ss=$(awk -v f="$frame" -v r="$RATE" 'BEGIN { printf "%.3f", f / r }')
        want=$(sed -n "$((frame + 1))p" "$TMP/src")
        for mode in accurate keyframe; do
            extra=()
            [ "$mode" = keyframe ] && extra=(-noaccurate_seek)
            ff "${extra[@]}" -ss "$ss" -i "$out" -map 0:v:0 -frames:v 1 -pix_fmt yuv420p \
               -f framemd5 "$TMP/seek.$ext.$frame.$mode"
            got=$(awk -F', *' '!/^#/ { print $5, $6; exit }' "$TMP/seek.$ext.$frame.$mode")
            if [ "$mode" = keyframe ]; then
                # A plain seek starts decoding at a keyframe at or before the
                # target (NUT indexes syncpoints, every ~32 KiB, not every
                # keyframe) and shows a source frame at or before the target.
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
