#!/usr/bin/env bash
# Video + audio in one file (MKV and NUT): both streams decode bit-exactly,
# and so does a file with lmc_video, lmc_gen and lmc_audio together.
set -euo pipefail
. "$(dirname "$0")/common.sh"

make_video_src "$TMP/v.nut" yuv420p 64x48 5 5
video_hashes "$TMP/v.ref" "$TMP/v.nut" -pix_fmt yuv420p
ff -f lavfi -i "sine=f=500:r=22050:d=1" -ac 2 -c:a pcm_s16le "$TMP/a.wav"
ref_audio=$(audio_md5 "$TMP/a.wav")

for ext in mkv nut; do
    out=$TMP/av.$ext
    ff -i "$TMP/v.nut" -i "$TMP/a.wav" -map 0:v -map 1:a -c:v lmc_video -c:a lmc_audio "$out"
    expect_probe "$out" codec_name lmc_video v:0
    expect_probe "$out" codec_name lmc_audio a:0
    video_hashes "$TMP/av.$ext.v" "$out" -pix_fmt yuv420p
    same_hashes "$TMP/v.ref" "$TMP/av.$ext.v" "video of av.$ext"
    got=$(audio_md5 "$out")
    [ "$got" = "$ref_audio" ] || fail "audio of av.$ext differs ($got vs $ref_audio)"
    # Decoding both streams in one run (the usual player/transcoder case).
    ff -i "$out" -map 0:v -map 0:a -c:v rawvideo -c:a pcm_s16le -f nut "$TMP/av.$ext.both.nut"
    video_hashes "$TMP/av.$ext.both.v" "$TMP/av.$ext.both.nut"
    same_hashes "$TMP/v.ref" "$TMP/av.$ext.both.v" "video of av.$ext decoded with audio"
    [ "$(audio_md5 "$TMP/av.$ext.both.nut")" = "$ref_audio" ] || fail "audio of av.$ext decoded with video differs"
    log "av.$ext: lmc_video + lmc_audio, both bit-exact"
done

# All three codecs in one file.
for ext in mkv nut; do
    out=$TMP/three.$ext
    ff -i "$TMP/v.nut" -i "$TMP/a.wav" -map 0:v -map 0:v -map 1:a \
       -c:v:0 lmc_video -c:v:1 lmc_gen -max_error:v:1 3 -c:a lmc_audio "$out"
    expect_probe "$out" codec_name lmc_video v:0
    expect_probe "$out" codec_name lmc_gen v:1
    expect_probe "$out" codec_name lmc_audio a:0
    video_hashes "$TMP/three.$ext.v" "$out" -pix_fmt yuv420p
    same_hashes "$TMP/v.ref" "$TMP/three.$ext.v" "lmc_video of three.$ext"
    [ "$(audio_md5 "$out")" = "$ref_audio" ] || fail "audio of three.$ext differs"
    ff -i "$out" -map 0:v:1 -pix_fmt yuv420p -f framemd5 "$TMP/three.$ext.gen"
    [ "$(grep -vc '^#' "$TMP/three.$ext.gen")" = 5 ] || fail "lmc_gen stream of three.$ext: wrong frame count"
    log "three.$ext: lmc_video + lmc_gen + lmc_audio"
done

pass
