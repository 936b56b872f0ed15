#!/usr/bin/env bash
# Stream copy MKV -> NUT -> MKV keeps the stream header (extradata) and the
# packets: every hop decodes bit-exactly; ffprobe names the codecs; ffmpeg
# lists all three codecs with their liblmc encoders and decoders.
set -euo pipefail
. "$(dirname "$0")/common.sh"

codecs=$("$FFMPEG" -hide_banner -codecs 2>&1) || fail "ffmpeg -codecs failed"
for c in lmc_video lmc_gen lmc_audio; do
    line=$(grep -E "^ [A-Z.]{6} $c " <<<"$codecs") || fail "ffmpeg -codecs does not list $c"
    case $line in
        " DE"*"(decoders: lib$c"*"(encoders: lib$c"*) ;;
        *) fail "ffmpeg -codecs: $c lacks its liblmc decoder/encoder: $line" ;;
    esac
done
log "ffmpeg -codecs lists lmc_video, lmc_gen, lmc_audio (decoders and encoders)"

extradata() {   # extradata_size and sha256 of stream 0
    timeout "$LMC_TEST_TIMEOUT" "$FFPROBE" -v error -show_data_hash sha256 \
        -show_entries stream=extradata_size,extradata_hash -of default=nw=1 "$1"
}

make_video_src "$TMP/src.nut" yuv420p 64x48 3
video_hashes "$TMP/src.v" "$TMP/src.nut" -pix_fmt yuv420p
ff -f lavfi -i "sine=f=330:r=16000:d=0.7" -ac 2 -c:a pcm_s16le "$TMP/src.wav"
ref_audio=$(audio_md5 "$TMP/src.wav")

ff -i "$TMP/src.nut" -c:v lmc_video "$TMP/video.mkv"
ff -i "$TMP/src.nut" -c:v lmc_gen -max_error 2 "$TMP/gen.mkv"
ff -i "$TMP/src.wav" -c:a lmc_audio "$TMP/audio.mkv"
video_hashes "$TMP/gen.ref" "$TMP/gen.mkv" -pix_fmt yuv420p

for kind in video gen audio; do
    ff -i "$TMP/$kind.mkv" -map 0 -c copy "$TMP/$kind.nut"
    ff -i "$TMP/$kind.nut" -map 0 -c copy "$TMP/$kind.2.mkv"
    ff -i "$TMP/$kind.2.mkv" -map 0 -c copy "$TMP/$kind.3.nut"
    ed=$(extradata "$TMP/$kind.mkv")
    case $ed in *"extradata_size=0"*|"") fail "$kind.mkv has no extradata" ;; esac
    for f in "$kind.mkv" "$kind.nut" "$kind.2.mkv" "$kind.3.nut"; do
        expect_probe "$TMP/$f" codec_name "lmc_$kind"
        [ "$(extradata "$TMP/$f")" = "$ed" ] || fail "$f: extradata changed by the remux"
        if [ "$kind" = audio ]; then
            [ "$(audio_md5 "$TMP/$f")" = "$ref_audio" ] || fail "$f: audio differs after remux"
        else
            video_hashes "$TMP/$f.v" "$TMP/$f" -pix_fmt yuv420p
            if [ "$kind" = video ]; then
                same_hashes "$TMP/src.v" "$TMP/$f.v" "$f"
            else
                same_hashes "$TMP/gen.ref" "$TMP/$f.v" "$f (vs the lmc_gen MKV decode)"
            fi
        fi
    done
    log "lmc_$kind: MKV -> NUT -> MKV -> NUT by stream copy, extradata kept, decodes identically"
done

pass
