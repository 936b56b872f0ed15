#!/usr/bin/env bash
# ffplay plays lmc_video (and lmc_audio) files to the end with SDL's dummy
# drivers, exits 0 and logs no error.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ -x "$FFPLAY" ] || fail "$FFPLAY not found"

make_video_src "$TMP/v.nut" yuv420p 64x48 5 5
ff -f lavfi -i "sine=f=440:r=16000:d=1" -c:a pcm_s16le "$TMP/a.wav"
ff -i "$TMP/v.nut" -c:v lmc_video "$TMP/video.mkv"
ff -i "$TMP/v.nut" -i "$TMP/a.wav" -map 0:v -map 1:a -c:v lmc_video -c:a lmc_audio "$TMP/av.mkv"
ff -i "$TMP/v.nut" -c:v lmc_gen -q:v 12 "$TMP/gen.nut"

for f in video.mkv av.mkv gen.nut; do
    rc=0
    SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy timeout 60 \
        "$FFPLAY" -hide_banner -autoexit -loglevel error "$TMP/$f" \
        >"$TMP/$f.out" 2>"$TMP/$f.log" </dev/null || rc=$?
    [ "$rc" = 124 ] && fail "ffplay did not finish $f within 60 s"
    [ "$rc" = 0 ] || { cat "$TMP/$f.log" >&2; fail "ffplay exited $rc on $f"; }
    if [ -s "$TMP/$f.log" ]; then
        cat "$TMP/$f.log" >&2
        fail "ffplay logged errors while playing $f"
    fi
    log "$f played to the end, no errors"
done

pass
