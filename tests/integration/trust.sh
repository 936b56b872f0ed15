#!/usr/bin/env bash
# What a user can trust, through the ffmpeg we build:
#  - every input lmc_video takes round-trips bit-exactly in its own pixel
#    format (yuvj*, rgb24, bgr24, alpha planar and packed, 9-16 bit planar,
#    as well as the formats of roundtrip_video.sh); every other format
#    (big-endian, packed 16-bit, semi-planar, ...) is refused with a message
#    naming the formats it takes, never converted behind the user's back;
#  - a frame size change mid-stream is refused (it read past the frame);
#  - the hostile files found by fuzzing liblmc 0.7 (tests/data/hostile) end
#    with an error in seconds, never a crash or a hang;
#  - a damaged packet with -xerror stops ffmpeg with a non-zero exit;
#  - ffprobe names the model (name, file, sha256sum) and the liblmc version;
#  - the FFmpeg is one a user keeps: mp4/mov, avi, aac, mp3, mjpeg, png,
#    pipes in and out, and pkg-config links a program that runs.
set -euo pipefail
. "$(dirname "$0")/common.sh"

HOSTILE=$REPO/tests/data/hostile

# --------------------------------------------- formats coded exactly or refused
for pf in yuvj420p yuvj422p yuvj444p rgb24 bgr24 yuva420p yuva444p gbrap rgba bgra argb abgr \
          yuv420p10le yuv422p10le yuv444p12le yuv444p16le gray10le gray12le gray16le gbrp10le gbrp16le \
          gbrap12le yuva420p10le yuv420p9le; do
    make_video_src "$TMP/src_$pf.nut" "$pf" 64x48 3
    video_hashes "$TMP/$pf.src" "$TMP/src_$pf.nut" -pix_fmt "$pf"
    ff -i "$TMP/src_$pf.nut" -c:v lmc_video "$TMP/$pf.mkv"
    video_hashes "$TMP/$pf.dec" "$TMP/$pf.mkv" -pix_fmt "$pf"
    same_hashes "$TMP/$pf.src" "$TMP/$pf.dec" "$pf"
    log "$pf: coded as $(probe "$TMP/$pf.mkv" pix_fmt), 3 frames bit-exact in $pf"
done

for pf in yuv420p10be gray16be yuva422p ya8 rgba64le rgb48le nv12 p010le yuyv422 uyvy422; do
    label=refuse_$pf
    rc=$(ff_rc "$TMP/$label.log" -loglevel error -f lavfi -i "testsrc2=s=64x48:r=5,format=$pf" \
         -frames:v 1 -c:v lmc_video -f null -)
    check_no_crash "$rc" "$TMP/$label.log" "$label"
    [ "$rc" != 0 ] || fail "$pf was accepted (and converted?)"
    grep -q "Pixel format $pf cannot be coded exactly" "$TMP/$label.log" &&
        grep -q "yuv420p, yuv422p, yuv444p, gbrp, yuva420p, yuva444p and gbrap at 8 bits per sample and their 9 to 16 bit" "$TMP/$label.log" || {
        cat "$TMP/$label.log" >&2; fail "$pf: the refusal does not name the formats lmc_video takes"; }
done
log "10 formats lmc_video cannot code exactly (big-endian, packed 16-bit, 4:2:2 or packed gray alpha, semi-planar, packed YUV) refused with the list of those it takes"

# An explicit conversion is the user's choice and works.
ff -f lavfi -i "testsrc2=s=64x48:r=5,format=p010le" -frames:v 2 -pix_fmt yuv420p10le -c:v lmc_video "$TMP/asked.mkv"
log "p010le with -pix_fmt yuv420p10le (asked for): coded"

# ------------------------------------------------ frame size change mid-stream
label=size_change
rc=$(ff_rc "$TMP/$label.log" -loglevel error -f lavfi -i "testsrc2=size=64x48:rate=10,format=yuv420p" \
     -frames:v 4 -vf "scale=w='if(gte(n,2),32,64)':h='if(gte(n,2),24,48)':eval=frame" \
     -c:v lmc_video -g 2 "$TMP/$label.nut")
check_no_crash "$rc" "$TMP/$label.log" "$label"
[ "$rc" != 0 ] || fail "a frame size change mid-stream was accepted"
grep -q "cannot change size" "$TMP/$label.log" || { cat "$TMP/$label.log" >&2; fail "$label: unclear error"; }
log "frame size change mid-stream: refused, exit $rc"

# ----------------------------------------------- hostile files from the fuzzer
for f in crash_wrong_model_kind_video.mkv crash_wrong_model_kind_video.nut \
         crash_wrong_model_kind_audio.mkv hdr_16384x4096_420.mkv hdr_16384x4096_gbrp.mkv; do
    label=hostile_${f%.*}_${f##*.}
    start=$(date +%s)
    rc=$(FF_RC_TIMEOUT=60 ff_rc "$TMP/$label.log" -loglevel error -i "$HOSTILE/$f" -map 0 -f null -)
    check_no_crash "$rc" "$TMP/$label.log" "$label"
    [ "$rc" != 0 ] || { cat "$TMP/$label.log" >&2; fail "$f decoded without an error"; }
    grep -Eq "invalid model|Invalid data|cannot hold" "$TMP/$label.log" || {
        cat "$TMP/$label.log" >&2; fail "$f: unclear error"; }
    log "$f: exit $rc after $(( $(date +%s) - start )) s: $(grep -m1 -o 'failed: .*' "$TMP/$label.log" | cut -c1-110)"
done

# -max_pixels, FFmpeg's cap on what a stream may make a decoder allocate.
ff -f lavfi -i "testsrc2=s=64x48:r=5" -frames:v 1 -pix_fmt yuv420p -c:v lmc_video "$TMP/small.mkv"
rc=$(ff_rc "$TMP/max_pixels.log" -loglevel error -max_pixels 1000 -i "$TMP/small.mkv" -f null -)
check_no_crash "$rc" "$TMP/max_pixels.log" max_pixels
[ "$rc" != 0 ] || { cat "$TMP/max_pixels.log" >&2; fail "-max_pixels 1000 did not stop a 64x48 stream"; }
log "-max_pixels 1000 on a 64x48 stream: refused, exit $rc"

# ----------------------------------------------------------- -xerror on damage
make_video_src "$TMP/src.nut" yuv420p 64x48 4
ff -i "$TMP/src.nut" -c:v lmc_video -g 2 "$TMP/damaged.nut"
/usr/bin/python3 - "$TMP/damaged.nut" <<'EOF'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
d[len(d) * 3 // 4] ^= 0xFF     # inside the last frames
open(p, "wb").write(d)
EOF
rc=$(ff_rc "$TMP/xerror.log" -loglevel error -xerror -i "$TMP/damaged.nut" -f null -)
check_no_crash "$rc" "$TMP/xerror.log" xerror
[ "$rc" != 0 ] || { cat "$TMP/xerror.log" >&2; fail "-xerror: a damaged packet did not stop ffmpeg"; }
log "damaged packet with -xerror: exit $rc"

# ---------------------------------------------------- ffprobe names the model
ff -i "$TMP/src.nut" -c:v lmc_video "$TMP/probe.mkv"
sha=$(sha256sum <"$REPO/models/video-s.lmcm" | cut -c1-64)
timeout 60 "$FFPROBE" -hide_banner -show_frames -select_streams v:0 "$TMP/probe.mkv" \
    >"$TMP/probe.out" 2>"$TMP/probe.err" || fail "ffprobe failed on probe.mkv"
grep -q "TAG:lmc_model=video-s" "$TMP/probe.out" && grep -q "TAG:lmc_model_sha256=$sha" "$TMP/probe.out" || {
    head -n 40 "$TMP/probe.out" >&2; fail "ffprobe -show_frames does not name the model"; }
grep -q "model video-s (.*video-s.lmcm, sha256 $sha).*liblmc [0-9]" "$TMP/probe.err" || {
    cat "$TMP/probe.err" >&2; fail "ffprobe does not show the model file and liblmc version"; }
log "ffprobe: $(grep -m1 -o 'model video-s.*' "$TMP/probe.err")"

# ------------------------------------------------- an FFmpeg a user would keep
for want in "decoders: aac mp3float mjpeg png h264 hevc" "muxers: mp4 mov avi matroska" \
            "demuxers: mov avi mp3 aac" "protocols: fd pipe"; do
    what=${want%%:*}
    list=$(timeout 60 "$FFMPEG" -hide_banner "-$what" 2>&1)
    for name in ${want#*:}; do
        grep -Eq "(^| |,)$name(,| |$)" <<<"$list" || fail "ffmpeg has no $name in -$what"
    done
done
# Pipes in and out, real codecs around ours: an mp4 (x264) and a JPEG decoded,
# coded by lmc_video through stdin/stdout, decoded bit-exactly.
ff -f lavfi -i "testsrc2=s=128x96:r=10" -frames:v 5 -pix_fmt yuv420p -c:v libx264 -preset ultrafast "$TMP/in.mp4"
ff -f lavfi -i "testsrc2=s=128x96:r=10" -frames:v 1 -c:v mjpeg "$TMP/in.jpg"
ff -f lavfi -i "sine=f=440:r=44100:d=1" -c:a aac "$TMP/in.m4a"
for src in in.mp4 in.jpg; do
    video_hashes "$TMP/$src.src" "$TMP/$src"
    timeout 120 "$FFMPEG" -hide_banner -nostdin -loglevel error -f "$( [ "$src" = in.jpg ] && echo jpeg_pipe || echo mov )" \
        -i - -c:v lmc_video -f matroska - <"$TMP/$src" >"$TMP/$src.mkv" || fail "$src through pipes failed"
    video_hashes "$TMP/$src.dec" "$TMP/$src.mkv" -pix_fmt "$(probe "$TMP/$src" pix_fmt)"
    same_hashes "$TMP/$src.src" "$TMP/$src.dec" "$src through lmc_video"
done
ff -i "$TMP/in.m4a" -sample_fmt s16 -c:a lmc_audio "$TMP/aac.mka"
[ "$(audio_md5 "$TMP/aac.mka")" = "$(audio_md5 "$TMP/in.m4a" -sample_fmt s16)" ] || fail "aac -> lmc_audio not exact"
log "x264 mp4 and mjpeg in through stdin, lmc_video out through stdout, bit-exact; aac -> lmc_audio (s16) exact"

# pkg-config links a program against the shared libraries, and it runs.
cat >"$TMP/find_lmc.c" <<'EOF'
#include <stdio.h>
#include <libavcodec/avcodec.h>
int main(void)
{
    const AVCodec *c = avcodec_find_decoder_by_name("liblmc_video");
    printf("%s\n", c ? c->name : "missing");
    return !c;
}
EOF
PKG_CONFIG_PATH=$LMC_INSTALL/lib/pkgconfig cc "$TMP/find_lmc.c" -o "$TMP/find_lmc" \
    $(PKG_CONFIG_PATH=$LMC_INSTALL/lib/pkgconfig pkg-config --cflags --libs libavcodec) ||
    fail "a program could not be linked through pkg-config"
[ "$("$TMP/find_lmc")" = liblmc_video ] || fail "a program linked through pkg-config does not run"
log "pkg-config: a program linked against the shared libavcodec runs and finds liblmc_video"

pass
