#!/usr/bin/env bash
# lmc_audio is lossless: WAV -> MKV/NUT -> WAV gives the same PCM md5, for mono,
# stereo and 5.1 s16, 24-bit and 32-bit samples (s32), odd lengths (1 sample,
# one block + 1, ...), edge values, and a real recording when samples/ has one.
# Formats it does not code are refused with a clear error.
set -euo pipefail
. "$(dirname "$0")/common.sh"

# make_wav OUT RATE CHANNELS SAMPLES KIND: deterministic s16 WAV.
#   KIND: tone (sine + noise), silence, extremes (full-scale square + min/max)
make_wav() {
    /usr/bin/python3 - "$@" <<'EOF'
import math, random, struct, sys, wave
out, rate, ch, n, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rnd = random.Random(1234)
data = []
for i in range(n):
    for c in range(ch):
        if kind == "silence":
            v = 0
        elif kind == "extremes":
            v = (32767, -32768, 32767, -32768, 0, -1, 1)[(i // (c + 1)) % 7]
        else:
            v = int(9000 * math.sin(2 * math.pi * (220 * (c + 1)) * i / rate)) + rnd.randint(-300, 300)
        data.append(max(-32768, min(32767, v)))
w = wave.open(out, "wb")
w.setnchannels(ch); w.setsampwidth(2); w.setframerate(rate)
w.writeframes(struct.pack("<%dh" % len(data), *data))
w.close()
EOF
}

# roundtrip WAV LABEL [SAMPLE_FMT=s16 [PCM=pcm_s16le]]
roundtrip() {
    local wav=$1 label=$2 fmt=${3:-s16} pcm=${4:-pcm_s16le} ext ref got
    ref=$(audio_md5 "$wav")
    for ext in mkv nut; do
        local out=$TMP/$label.$ext
        ff -i "$wav" -map 0:a:0 -c:a lmc_audio "$out"
        # Frame threads in the encoder too: one thread writes the same packets.
        ff -i "$wav" -map 0:a:0 -c:a lmc_audio -threads 1 "$TMP/one_thread.$ext"
        ff -i "$out" -map 0:a:0 -c copy -f framemd5 "$TMP/packets.default"
        ff -i "$TMP/one_thread.$ext" -map 0:a:0 -c copy -f framemd5 "$TMP/packets.one"
        same_hashes "$TMP/packets.default" "$TMP/packets.one" "$label via $ext: packets of 1 and of the default encoder threads"
        expect_probe "$out" codec_name lmc_audio
        expect_probe "$out" sample_fmt "$fmt"
        ff -i "$out" -map 0:a:0 -c:a "$pcm" "$TMP/$label.$ext.wav"
        got=$(audio_md5 "$TMP/$label.$ext.wav")
        [ "$got" = "$ref" ] || fail "$label via $ext: PCM differs ($got vs $ref)"
        # Frame threads: each thread decodes whole blocks; 1 and 3 threads give the same PCM.
        for t in 1 3; do # hashed as audio_md5 hashes (s32 streams as s32)
            ff -threads $t -i "$out" -map 0:a:0 -c:a "pcm_${fmt}le" -f md5 "$TMP/threads.md5"
            [ "$(cat "$TMP/threads.md5")" = "$ref" ] || fail "$label via $ext, $t decoder threads: PCM differs"
        done
        log "$label $ext: bit-exact (1, 3 and the default decoder threads; the same packets from 1 and the default encoder threads), $(file_size "$out") bytes (wav $(file_size "$wav"))"
    done
}

# Blocks of about a second (lmc_audio_default_block: 16384 samples at 44.1
# kHz, 8192 at 8 kHz): 1 sample, one block + 1, a few blocks + a tail.
for ch in 1 2; do
    for n in 1 16385 40000; do
        make_wav "$TMP/tone_${ch}ch_$n.wav" 44100 "$ch" "$n" tone
        roundtrip "$TMP/tone_${ch}ch_$n.wav" "tone_${ch}ch_$n"
    done
done
make_wav "$TMP/tone_1ch_8192_8k.wav" 8000 1 8192 tone
roundtrip "$TMP/tone_1ch_8192_8k.wav" tone_1ch_8192_8k
make_wav "$TMP/tone_2ch_4095_48k.wav" 48000 2 4095 tone
roundtrip "$TMP/tone_2ch_4095_48k.wav" tone_2ch_4095_48k
make_wav "$TMP/tone_6ch.wav" 48000 6 20000 tone
roundtrip "$TMP/tone_6ch.wav" tone_6ch
# 24-bit and 32-bit WAVs (FFmpeg decodes both to s32), scaled in double
# precision so that every bit below the top 16 is used.
ff -i "$TMP/tone_2ch_16385.wav" -af "aformat=sample_fmts=dbl,volume=1.7,aformat=sample_fmts=s32" \
    -c:a pcm_s24le "$TMP/tone24.wav"
roundtrip "$TMP/tone24.wav" tone24 s32 pcm_s24le
ff -i "$TMP/tone_2ch_16385.wav" -af "aformat=sample_fmts=dbl,volume=0.9,aformat=sample_fmts=s32" \
    -c:a pcm_s32le "$TMP/tone32.wav"
roundtrip "$TMP/tone32.wav" tone32 s32 pcm_s32le
make_wav "$TMP/silence.wav" 16000 2 5000 silence
roundtrip "$TMP/silence.wav" silence_2ch
make_wav "$TMP/extremes.wav" 22050 2 5000 extremes
roundtrip "$TMP/extremes.wav" extremes_2ch

# Real recordings: the first second of each WAV in samples/ (as s16).
for wav in "$SAMPLES"/*.wav; do
    [ -f "$wav" ] || continue
    name=$(basename "$wav" .wav)
    ff -i "$wav" -t 1 -c:a pcm_s16le "$TMP/real_$name.wav"
    ch=$(probe "$TMP/real_$name.wav" channels)
    if [ "$ch" -gt 8 ]; then log "skipping $wav: $ch channels"; continue; fi
    roundtrip "$TMP/real_$name.wav" "real_$name"
done

# Refused with a clear message: 9 channels, and float samples.
make_wav "$TMP/nine.wav" 8000 9 100 tone
rc=$(ff_rc "$TMP/nine.log" -loglevel error -i "$TMP/nine.wav" -c:a lmc_audio -f null -)
check_no_crash "$rc" "$TMP/nine.log" "9 channels"
[ "$rc" != 0 ] || fail "9-channel input was accepted"
grep -q "codes 1 to 8" "$TMP/nine.log" || { cat "$TMP/nine.log" >&2; fail "no clear message for 9 channels"; }

rc=$(ff_rc "$TMP/flt.log" -loglevel error -i "$TMP/tone_1ch_16385.wav" -c:a lmc_audio -sample_fmt flt -f null -)
check_no_crash "$rc" "$TMP/flt.log" "float input"
[ "$rc" != 0 ] || fail "float samples were accepted"
grep -qi "sample format" "$TMP/flt.log" || { cat "$TMP/flt.log" >&2; fail "no clear message for float samples"; }
log "9 channels and float samples refused with clear messages"

pass
