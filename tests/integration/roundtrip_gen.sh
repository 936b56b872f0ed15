#!/usr/bin/env bash
# lmc_gen keeps every decoded sample within max_error of the source (checked
# exactly on the raw planes) and makes smaller files than lossless lmc_video.
set -euo pipefail
. "$(dirname "$0")/common.sh"

# maxdiff A B: largest |a - b| over two raw 8-bit files of equal size.
maxdiff() {
    /usr/bin/python3 - "$1" "$2" <<'EOF'
import sys
a = open(sys.argv[1], "rb").read()
b = open(sys.argv[2], "rb").read()
if len(a) != len(b) or not a:
    sys.exit("size mismatch: %d vs %d bytes" % (len(a), len(b)))
print(max(abs(x - y) for x, y in zip(a, b)))
EOF
}

# check SRC PIXFMT LABEL
check() {
    local src=$1 pf=$2 label=$3 d ext
    ff -i "$src" -map 0:v:0 -pix_fmt "$pf" -f rawvideo "$TMP/$label.src.raw"
    ff -i "$src" -map 0:v:0 -c:v lmc_video "$TMP/$label.lossless.mkv"
    local lossless
    lossless=$(file_size "$TMP/$label.lossless.mkv")
    for d in 1 4; do
        for ext in mkv nut; do
            local out=$TMP/$label.gen$d.$ext
            ff -i "$src" -map 0:v:0 -c:v lmc_gen -max_error "$d" "$out"
            expect_probe "$out" codec_name lmc_gen
            expect_probe "$out" pix_fmt "$pf"
            ff -i "$out" -map 0:v:0 -pix_fmt "$pf" -f rawvideo "$TMP/$label.gen$d.$ext.raw"
            local m
            m=$(maxdiff "$TMP/$label.src.raw" "$TMP/$label.gen$d.$ext.raw") ||
                fail "$label max_error=$d $ext: decoded size differs from the source"
            [ "$m" -le "$d" ] || fail "$label max_error=$d $ext: max abs error $m > $d"
            log "$label max_error=$d $ext: max abs error $m, $(file_size "$out") bytes (lossless $lossless)"
        done
        [ "$(file_size "$TMP/$label.gen$d.mkv")" -lt "$lossless" ] ||
            fail "$label max_error=$d: lmc_gen file is not smaller than lmc_video's ($lossless bytes)"
        # Decoding is deterministic: MKV and NUT give the same frames.
        cmp -s "$TMP/$label.gen$d.mkv.raw" "$TMP/$label.gen$d.nut.raw" ||
            fail "$label max_error=$d: MKV and NUT decode differently"
    done
}

make_video_src "$TMP/yuv420p.nut" yuv420p 96x64 3
check "$TMP/yuv420p.nut" yuv420p synth_yuv420p
make_video_src "$TMP/gbrp.nut" gbrp 64x48 2
check "$TMP/gbrp.nut" gbrp synth_gbrp

real=$(first_sample '*.y4m')
if [ -n "$real" ]; then
    # Real content: 2 frames, cropped to 176x144 to stay quick.
    ff -i "$real" -frames:v 2 -vf "$REAL_CROP" -c:v rawvideo -f nut "$TMP/real.nut"
    pf=$(probe "$TMP/real.nut" pix_fmt)
    check "$TMP/real.nut" "$pf" "real_$(basename "$real" .y4m)"
fi

# max_error outside 0..32 is refused (0 is the learned coding: roundtrip_gen_learned.sh).
for bad in -1 33; do
    rc=$(ff_rc "$TMP/bad$bad.log" -loglevel error -f lavfi -i testsrc2=s=32x32:r=1 -frames:v 1 \
         -c:v lmc_gen -max_error "$bad" -f null -)
    check_no_crash "$rc" "$TMP/bad$bad.log" "max_error $bad"
    [ "$rc" != 0 ] || fail "max_error $bad was accepted"
done

pass
