#!/usr/bin/env bash
# Bad input gives clean errors, never a crash (exit >= 128) nor a hang:
#  - corrupted and truncated packets (MKV, NUT; video and audio): "Invalid
#    data" from the decoder, and no wrong frame is ever output;
#  - truncated files;
#  - a damaged stream header, and one claiming absurd dimensions;
#  - a missing model on decode: non-zero exit when the decoder opens, the
#    message names the model file (and its sha256sum) and where it looked;
#  - a wrong model file given to the encoder;
#  - absurd dimensions on encode.
set -euo pipefail
. "$(dirname "$0")/common.sh"

# edit OP FILE ARGS...: byte-level edits (see the python code).
edit() {
    /usr/bin/python3 - "$@" <<'EOF'
import sys, zlib
op, path = sys.argv[1], sys.argv[2]
data = bytearray(open(path, "rb").read())
if op == "flip":                       # flip OFFSET COUNT: invert COUNT bytes
    off, n = int(sys.argv[3]), int(sys.argv[4])
    for i in range(off, min(off + n, len(data))):
        data[i] ^= 0xFF
elif op == "truncate":                 # truncate SIZE
    data = data[:int(sys.argv[3])]
elif op in ("dims", "damage"):
    h = data.find(b"LMCS")
    if h < 0 or len(data) < h + 56:
        sys.exit("no LMC stream header in " + path)
    if op == "dims":                   # dims W H: claim other dimensions, valid CRC
        crc = h + (54 if data[h + 4] == 3 else 52)  # version 3 adds the tile grid (format.md 4)
        data[h + 40:h + 44] = int(sys.argv[3]).to_bytes(4, "little")
        data[h + 44:h + 48] = int(sys.argv[4]).to_bytes(4, "little")
        data[crc:crc + 4] = zlib.crc32(bytes(data[h:crc])).to_bytes(4, "little")
    else:                              # damage: break the header (CRC mismatch)
        data[h + 20] ^= 0x55
else:
    sys.exit("unknown op " + op)
open(path, "wb").write(data)
EOF
}

# packets FILE STREAM: "pos size" of each packet (ffprobe prints size first).
packets() {
    timeout "$LMC_TEST_TIMEOUT" "$FFPROBE" -v error -select_streams "$2" \
        -show_entries packet=pos,size -of csv=p=0 "$1" | awk -F, '{ print $2, $1 }'
}

# decode_bad FILE LABEL [INPUT OPTIONS...]: decode all streams; must not crash
# or hang. Prints the exit status; the log is $TMP/LABEL.log.
decode_bad() {
    local file=$1 label=$2; shift 2
    local rc
    rc=$(ff_rc "$TMP/$label.log" -loglevel error "$@" -i "$file" -map 0 -fps_mode passthrough \
         -f framemd5 "$TMP/$label.framemd5")
    check_no_crash "$rc" "$TMP/$label.log" "$label"
    echo "$rc"
}

expect_invalid_data() {     # LABEL RC
    grep -q "Invalid data" "$TMP/$1.log" || {
        cat "$TMP/$1.log" >&2; fail "$1: no 'Invalid data' error (exit $2)"; }
}

# Every frame a damaged file decodes to must be a source frame, and at least
# MIN of them must come out.
expect_only_source_frames() {     # LABEL MIN
    local n=0 bad=0 h
    while read -r h; do
        n=$((n + 1))
        grep -qxF "$h" "$TMP/src.v" || bad=$((bad + 1))
    done < <(awk -F', *' '!/^#/ && $1 == 0 { print $5, $6 }' "$TMP/$1.framemd5" 2>/dev/null)
    [ "$bad" = 0 ] || fail "$1: $bad decoded frame(s) are not source frames"
    [ "$n" -ge "$2" ] || fail "$1: only $n frame(s) decoded, expected at least $2"
}

# ------------------------------------------------------------------ sources
make_video_src "$TMP/src.nut" yuv420p 64x48 5 5
video_hashes "$TMP/src.v" "$TMP/src.nut" -pix_fmt yuv420p
ff -f lavfi -i "sine=f=300:r=16000:d=3" -ac 2 -c:a pcm_s16le "$TMP/src.wav"   # 3 packets
for ext in mkv nut; do
    ff -i "$TMP/src.nut" -c:v lmc_video -g 3 "$TMP/video.$ext"   # keyframes: 0, 3
    ff -i "$TMP/src.wav" -c:a lmc_audio "$TMP/audio.$ext"
done

# -------------------------------------------- corrupted packets (middle bytes)
for ext in mkv nut; do
    for kind in video audio; do
        f=$TMP/$kind.$ext.corrupt.$ext
        cp "$TMP/$kind.$ext" "$f"
        read -r pos size < <(packets "$f" 0 | sed -n 2p)
        [ -n "${size:-}" ] || fail "$kind.$ext: could not locate packet 2"
        edit flip "$f" $((pos + size / 2)) 8
        rc=$(decode_bad "$f" "corrupt_${kind}_$ext")
        expect_invalid_data "corrupt_${kind}_$ext" "$rc"
        if [ "$kind" = video ]; then
            # Packet 1 is damaged: frame 2 (inter) has no previous frame, the
            # keyframe 3 restarts decoding; 0, 3 and 4 come out.
            expect_only_source_frames "corrupt_${kind}_$ext" 3
            grep -q "next keyframe" "$TMP/corrupt_${kind}_$ext.log" ||
                fail "corrupt_${kind}_$ext: the decoder does not say that it waits for a keyframe"
        fi
        log "$kind.$ext with a corrupted packet: 'Invalid data', exit $rc, no crash"
    done
done

# ------------------------------ truncated packets (NUT passes short packets on)
for kind in video audio; do
    f=$TMP/$kind.trunc_pkt.nut
    cp "$TMP/$kind.nut" "$f"
    read -r pos size < <(packets "$f" 0 | tail -n 1)
    edit truncate "$f" $((pos + size / 2))
    rc=$(decode_bad "$f" "truncpkt_$kind")
    expect_invalid_data "truncpkt_$kind" "$rc"
    [ "$kind" = video ] && expect_only_source_frames "truncpkt_$kind" 4
    log "$kind.nut with a truncated last packet: 'Invalid data', exit $rc, no crash"
done

# ------------------------------------------------------------ truncated files
for ext in mkv nut; do
    for kind in video audio; do
        full=$(file_size "$TMP/$kind.$ext")
        for pct in 10 50 90; do
            f=$TMP/$kind.$ext.cut$pct.$ext
            cp "$TMP/$kind.$ext" "$f"
            edit truncate "$f" $((full * pct / 100))
            rc=$(decode_bad "$f" "cut${pct}_${kind}_$ext")
            [ "$kind" = video ] && expect_only_source_frames "cut${pct}_${kind}_$ext" 0
        done
        log "$kind.$ext truncated to 10/50/90%: no crash, no hang, no wrong frame"
    done
done

# ----------------------------------------------------- damaged stream headers
cp "$TMP/video.mkv" "$TMP/badheader.mkv"
edit damage "$TMP/badheader.mkv"
rc=$(decode_bad "$TMP/badheader.mkv" badheader)
[ "$rc" != 0 ] || fail "a damaged stream header was accepted"
expect_invalid_data badheader "$rc"
log "damaged stream header: 'Invalid data', exit $rc"

cp "$TMP/video.mkv" "$TMP/hugeheader.mkv"
edit dims "$TMP/hugeheader.mkv" 17000 16
rc=$(decode_bad "$TMP/hugeheader.mkv" hugeheader)
[ "$rc" != 0 ] || fail "a stream header claiming 17000x16 was accepted"
log "stream header claiming 17000x16: refused, exit $rc"

# ---------------------------------------------------- missing model on decode
mkdir -p "$TMP/empty_models"
for kind in video audio; do
    model=$( [ "$kind" = video ] && echo video-s.lmcm || echo audio-a.lmcm )
    file_sha=$(sha256sum <"$REPO/models/$model" | cut -c1-64)
    for dir in "$TMP/empty_models" /nonexistent/lmc-models; do
        label=nomodel_$kind
        rc=$(decode_bad "$TMP/$kind.mkv" "$label" -model_dir "$dir")
        [ "$rc" != 0 ] || { cat "$TMP/$label.log" >&2; fail "$kind: decoding without the model exited 0"; }
        for want in "Opening the liblmc decoder" "$model" "$file_sha" "$dir"; do
            grep -qF "$want" "$TMP/$label.log" || {
                cat "$TMP/$label.log" >&2; fail "$kind: the error does not say '$want'"; }
        done
        [ "$(grep -c 'failed' "$TMP/$label.log")" -le 2 ] || {
            cat "$TMP/$label.log" >&2; fail "$kind: the error repeats (once per packet?)"; }
    done
    log "$kind without its model (-model_dir empty/nonexistent): exit $rc when the decoder opens, names $model, sha256 $file_sha"
done

# ------------------------------------------------ wrong model file on encode
head -c 4096 /dev/urandom >"$TMP/random.lmcm"
printf 'LMCM' >"$TMP/magic_only.lmcm"
models=("$TMP/random.lmcm" "$TMP/magic_only.lmcm" /nonexistent/model.lmcm)
real_model=""
for d in "$LMC_INSTALL/share/lmc/models" "$REPO/models"; do
    [ -f "$d/video-s.lmcm" ] && { real_model=$d/video-s.lmcm; break; }
done
if [ -n "$real_model" ]; then
    head -c $(( $(file_size "$real_model") / 2 )) "$real_model" >"$TMP/truncated.lmcm"
    models+=("$TMP/truncated.lmcm")
    audio_model=$(dirname "$real_model")/audio-s.lmcm
    [ -f "$audio_model" ] && models+=("$audio_model")   # wrong kind for video
fi
for m in "${models[@]}"; do
    label=badmodel_$(basename "$m" .lmcm)
    rc=$(ff_rc "$TMP/$label.log" -loglevel error -i "$TMP/src.nut" -c:v lmc_video -model "$m" -f null -)
    check_no_crash "$rc" "$TMP/$label.log" "$label"
    [ "$rc" != 0 ] || fail "encoder accepted model file $m"
    grep -qi "model" "$TMP/$label.log" || { cat "$TMP/$label.log" >&2; fail "$label: unclear error"; }
    log "encoder with model $(basename "$m"): refused, exit $rc: $(grep -i -m1 'model' "$TMP/$label.log")"
done

# ------------------------------------------------------ absurd dimensions
for size in 16400x8 8x16400; do
    label=dims_$size
    rc=$(ff_rc "$TMP/$label.log" -loglevel error -f lavfi -i "color=s=$size:r=1" -frames:v 1 \
         -pix_fmt gray -c:v lmc_video -f null -)
    check_no_crash "$rc" "$TMP/$label.log" "$label"
    [ "$rc" != 0 ] || fail "encoder accepted $size"
    grep -q "$size" "$TMP/$label.log" || { cat "$TMP/$label.log" >&2; fail "$label: unclear error"; }
    log "encode at $size: refused, exit $rc"
done

pass
