#!/usr/bin/env bash
# lmc_video is lossless for every pixel format, in MKV and NUT: the decoded
# frames have the same framemd5 as the source in the coded pixel format.
# rgb24 input is coded as gbrp (FFmpeg's format negotiation) and converts back
# to identical rgb24.
set -euo pipefail
. "$(dirname "$0")/common.sh"

FRAMES=3

# roundtrip SRC PIXFMT LABEL: encode SRC (already in PIXFMT) to MKV and NUT.
roundtrip() {
    local src=$1 pf=$2 label=$3 ext
    video_hashes "$TMP/$label.src" "$src" -pix_fmt "$pf"
    for ext in mkv nut; do
        local out=$TMP/$label.$ext
        ff -i "$src" -map 0:v:0 -c:v lmc_video "$out"
        expect_probe "$out" codec_name lmc_video
        expect_probe "$out" pix_fmt "$pf"
        video_hashes "$TMP/$label.$ext.dec" "$out" -pix_fmt "$pf"
        same_hashes "$TMP/$label.src" "$TMP/$label.$ext.dec" "$label in $ext"
        log "$label ($pf) $ext: $(wc -l <"$TMP/$label.src") frame(s) bit-exact, $(file_size "$out") bytes"
    done
}

for pf in gray yuv420p yuv422p yuv444p gbrp; do
    make_video_src "$TMP/src_$pf.nut" "$pf" 64x48 "$FRAMES"
    roundtrip "$TMP/src_$pf.nut" "$pf" "$pf"
done

# Odd sizes: chroma planes of 4:2:0 / 4:2:2 round up.
for pf in yuv420p yuv422p; do
    make_video_src "$TMP/src_odd_$pf.nut" "$pf" 37x23 2
    roundtrip "$TMP/src_odd_$pf.nut" "$pf" "odd_$pf"
done

# rgb24 input: coded as gbrp, identical after converting back to rgb24.
make_video_src "$TMP/src_rgb24.nut" rgb24 64x48 "$FRAMES"
video_hashes "$TMP/rgb24.src" "$TMP/src_rgb24.nut" -pix_fmt rgb24
video_hashes "$TMP/rgb24.src_gbrp" "$TMP/src_rgb24.nut" -pix_fmt gbrp
for ext in mkv nut; do
    out=$TMP/rgb24.$ext
    ff -i "$TMP/src_rgb24.nut" -c:v lmc_video "$out"
    expect_probe "$out" pix_fmt gbrp
    video_hashes "$TMP/rgb24.$ext.gbrp" "$out" -pix_fmt gbrp
    same_hashes "$TMP/rgb24.src_gbrp" "$TMP/rgb24.$ext.gbrp" "rgb24->gbrp in $ext"
    video_hashes "$TMP/rgb24.$ext.rgb" "$out" -pix_fmt rgb24
    same_hashes "$TMP/rgb24.src" "$TMP/rgb24.$ext.rgb" "rgb24 back from gbrp in $ext"
    log "rgb24 $ext: coded as gbrp, rgb24 identical"
done

# Real samples, when the repository has them (2 frames of each y4m, each png;
# cropped to at most 176x144).
for y4m in "$SAMPLES"/*.y4m; do
    [ -f "$y4m" ] || continue
    name=$(basename "$y4m" .y4m)
    ff -i "$y4m" -frames:v 2 -vf "$REAL_CROP" -c:v rawvideo -f nut "$TMP/src_real_$name.nut"
    pf=$(probe "$TMP/src_real_$name.nut" pix_fmt)
    case $pf in
        gray|yuv420p|yuv422p|yuv444p) roundtrip "$TMP/src_real_$name.nut" "$pf" "real_$name" ;;
        *) log "skipping $y4m: pixel format $pf" ;;
    esac
done
for png in "$SAMPLES"/*.png; do
    [ -f "$png" ] || continue
    name=$(basename "$png" .png)
    pf=$(probe "$png" pix_fmt)
    [ "$pf" = rgb24 ] || [ "$pf" = gray ] || { log "skipping $png: pixel format $pf"; continue; }
    coded=$([ "$pf" = rgb24 ] && echo gbrp || echo gray)
    ff -i "$png" -vf "$REAL_CROP" -c:v png "$TMP/src_png_$name.png"
    png=$TMP/src_png_$name.png
    video_hashes "$TMP/png_$name.src" "$png" -pix_fmt "$pf"
    ff -i "$png" -c:v lmc_video "$TMP/png_$name.mkv"
    expect_probe "$TMP/png_$name.mkv" pix_fmt "$coded"
    video_hashes "$TMP/png_$name.dec" "$TMP/png_$name.mkv" -pix_fmt "$pf"
    same_hashes "$TMP/png_$name.src" "$TMP/png_$name.dec" "$png"
    log "$name.png ($pf as $coded): bit-exact, $(file_size "$TMP/png_$name.mkv") bytes (png $(file_size "$png"))"
done

# Older references (format.md 7.9): a loop of the vtest sample (4 frames, 3 times)
# decodes bit-exactly with the default -refs and with -refs 1, and the repeats
# that align from the frames they repeat make the default stream much smaller.
if [ -f "$SAMPLES/vtest_384x288.y4m" ]; then
    ff -i "$SAMPLES/vtest_384x288.y4m" -frames:v 4 -vf "$REAL_CROP" -c:v rawvideo -f nut "$TMP/loop1.nut"
    ff -stream_loop 2 -i "$TMP/loop1.nut" -c:v rawvideo -f nut "$TMP/loop.nut"
    video_hashes "$TMP/loop.src" "$TMP/loop.nut"
    [ "$(wc -l <"$TMP/loop.src")" = 12 ] || fail "the loop source has $(wc -l <"$TMP/loop.src") frames, not 12"
    for refs in 0 1; do
        ff -i "$TMP/loop.nut" -c:v lmc_video -refs $refs "$TMP/loop_refs$refs.mkv"
        video_hashes "$TMP/loop_refs$refs.dec" "$TMP/loop_refs$refs.mkv"
        same_hashes "$TMP/loop.src" "$TMP/loop_refs$refs.dec" "loop with -refs $refs"
    done
    older=$(file_size "$TMP/loop_refs0.mkv") previous=$(file_size "$TMP/loop_refs1.mkv")
    [ $((older * 3)) -lt $((previous * 2)) ] ||
        fail "older references: $older bytes, not below 2/3 of the $previous bytes with -refs 1"
    log "loop of 4 frames x 3: $older bytes with 16 references, $previous with -refs 1 (bit-exact)"
    rc=$(ff_rc "$TMP/refs17.log" -i "$TMP/loop.nut" -c:v lmc_video -refs 17 -f null -)
    check_no_crash "$rc" "$TMP/refs17.log" "-refs 17"
    [ "$rc" != 0 ] && grep -q "refs 17: 1 to 16" "$TMP/refs17.log" || fail "-refs 17: exit $rc, $(tail -n 2 "$TMP/refs17.log")"
    log "-refs 17 refused: $(grep -m1 "refs 17" "$TMP/refs17.log")"
    # -calibrate 0 (format.md 7.7 off, to measure what it buys): still bit-exact
    ff -i "$TMP/loop1.nut" -c:v lmc_video -calibrate 0 "$TMP/uncal.mkv"
    video_hashes "$TMP/uncal.dec" "$TMP/uncal.mkv"
    video_hashes "$TMP/loop1.src" "$TMP/loop1.nut"
    same_hashes "$TMP/loop1.src" "$TMP/uncal.dec" "-calibrate 0"
    log "-calibrate 0: bit-exact, $(file_size "$TMP/uncal.mkv") bytes"
fi

pass
