# Shared helpers for the integration tests (sourced, not run).
#
# Environment:
#   LMC_INSTALL       install prefix holding bin/ffmpeg, ffprobe, ffplay
#                     (default: <repo>/build/install)
#   LMC_TEST_TMP      scratch directory (default: a fresh mktemp -d, removed
#                     when the test passes and kept when it fails)
#   LMC_SAMPLES       directory with real samples (default: <repo>/samples)
#   LMC_TEST_TIMEOUT  seconds any one ffmpeg command may take (default 300)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -euo pipefail

TEST_NAME=$(basename "$0" .sh)
INTEGRATION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$INTEGRATION_DIR/../.." && pwd)
LMC_INSTALL=${LMC_INSTALL:-$REPO/build/install}
SAMPLES=${LMC_SAMPLES:-$REPO/samples}
LMC_TEST_TIMEOUT=${LMC_TEST_TIMEOUT:-300}
FFMPEG=$LMC_INSTALL/bin/ffmpeg
FFPROBE=$LMC_INSTALL/bin/ffprobe
FFPLAY=$LMC_INSTALL/bin/ffplay

log()  { printf '[%s] %s\n' "$TEST_NAME" "$*"; }
fail() { printf '[%s] FAIL: %s\n' "$TEST_NAME" "$*" >&2; exit 1; }
pass() { printf '[%s] PASS\n' "$TEST_NAME"; }

if [ -n "${LMC_TEST_TMP:-}" ]; then
    TMP=$LMC_TEST_TMP/$TEST_NAME
    rm -rf "$TMP"
    mkdir -p "$TMP"
else
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/lmc-$TEST_NAME.XXXXXX")
    _lmc_cleanup() {
        local rc=$?
        if [ "$rc" = 0 ]; then rm -rf "$TMP"; else echo "[$TEST_NAME] files kept in $TMP" >&2; fi
    }
    trap _lmc_cleanup EXIT
fi

command -v /usr/bin/python3 >/dev/null || fail "python3 is needed by the tests"
for _b in "$FFMPEG" "$FFPROBE"; do
    [ -x "$_b" ] || fail "$_b not found (build with scripts/build_ffmpeg.sh or set LMC_INSTALL)"
done

_FF_N=0

# ff ARGS...: runs ffmpeg, fails the test (showing the log) unless it exits 0.
ff() {
    _FF_N=$((_FF_N + 1))
    local logf=$TMP/ffmpeg.$_FF_N.log rc=0
    timeout "$LMC_TEST_TIMEOUT" "$FFMPEG" -hide_banner -nostdin -y -loglevel error "$@" \
        >"$logf.out" 2>"$logf" || rc=$?
    if [ "$rc" != 0 ]; then
        {
            echo "command (exit $rc): ffmpeg $*"
            tail -n 20 "$logf"
        } >&2
        [ "$rc" = 124 ] && fail "ffmpeg timed out after ${LMC_TEST_TIMEOUT}s"
        fail "ffmpeg failed"
    fi
}

# ff_rc LOGFILE ARGS...: runs ffmpeg with stderr in LOGFILE and prints how it
# ended (never fails by itself): its exit status, "signal N" when a signal
# killed it (a crash), or "timeout" after FF_RC_TIMEOUT seconds (default 60).
# Note: ffmpeg exits with (AVERROR & 255) on errors, so statuses >= 128 are
# ordinary error exits there (AVERROR(EINVAL) gives 234, AVERROR_INVALIDDATA
# 183): a crash is told apart by asking the OS whether a signal ended the
# process, not by the number.
ff_rc() {
    local logf=$1; shift
    /usr/bin/python3 -c '
import subprocess, sys
logf, limit, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
with open(logf, "wb") as err, open(logf + ".out", "wb") as out:
    try:
        rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                            timeout=limit).returncode
    except subprocess.TimeoutExpired:
        print("timeout")
        sys.exit(0)
print("signal %d" % -rc if rc < 0 else rc)
' "$logf" "${FF_RC_TIMEOUT:-60}" "$FFMPEG" -hide_banner -nostdin -y "$@"
}

# check_no_crash STATUS LOGFILE WHAT: STATUS (from ff_rc) of a command that was
# allowed to fail must be a clean exit: not killed by a signal, no timeout.
check_no_crash() {
    local rc=$1 logf=$2 what=$3
    case $rc in
        timeout) tail -n 5 "$logf" >&2; fail "$what: hung (no exit within ${FF_RC_TIMEOUT:-60} s)" ;;
        signal*) tail -n 5 "$logf" >&2; fail "$what: crashed ($rc)" ;;
        ''|*[!0-9]*) fail "$what: unexpected status '$rc'" ;;
    esac
}

# probe FILE ENTRY [STREAM]: one stream entry of ffprobe, e.g. probe f.mkv codec_name v:0
probe() {
    local file=$1 entry=$2 sel=${3:-0}
    timeout "$LMC_TEST_TIMEOUT" "$FFPROBE" -v error -select_streams "$sel" \
        -show_entries "stream=$entry" -of default=nw=1:nk=1 "$file"
}

# expect_probe FILE ENTRY VALUE [STREAM]
expect_probe() {
    local got
    got=$(probe "$1" "$2" "${4:-0}") || fail "ffprobe failed on $1"
    [ "$got" = "$3" ] || fail "$1: stream ${4:-0} $2 is '$got', expected '$3'"
}

# video_hashes OUT IN [OPTIONS...]: per-frame "size md5" of IN's first video
# stream (timestamps left out: containers differ in time bases).
video_hashes() {
    local out=$1 in=$2; shift 2
    ff -i "$in" -map 0:v:0 "$@" -f framemd5 "$out.framemd5"
    awk -F', *' '!/^#/ { print $5, $6 }' "$out.framemd5" >"$out"
    [ -s "$out" ] || fail "no frames decoded from $in"
}

# audio_md5 IN [OPTIONS...]: md5 of IN's first audio stream as s16le PCM, or
# as s32le when the stream holds more than 16 bits a sample.
audio_md5() {
    local in=$1 pcm=pcm_s16le; shift
    case $(probe "$in" sample_fmt a:0) in s32*) pcm=pcm_s32le ;; esac
    ff -i "$in" -map 0:a:0 "$@" -c:a $pcm -f md5 "$TMP/audio.md5"
    cat "$TMP/audio.md5"
}

# same_hashes A B WHAT: two hash files must be identical.
same_hashes() {
    if ! cmp -s "$1" "$2"; then
        diff "$1" "$2" | head -n 10 >&2 || true
        fail "$3: decoded frames differ from the source"
    fi
}

# make_video_src OUT PIXFMT SIZE FRAMES [RATE]: synthetic source as rawvideo in NUT.
make_video_src() {
    ff -f lavfi -i "testsrc2=s=$3:r=${5:-5}" -frames:v "$4" -vf "format=$2" \
        -c:v rawvideo -f nut "$1"
}

# first_sample PATTERN: first file in the samples dir matching PATTERN, or nothing.
first_sample() {
    local f
    for f in "$SAMPLES"/$1; do
        [ -f "$f" ] && { echo "$f"; return 0; }
    done
    return 0
}

# Real samples are cropped to this (top-left corner) to keep the tests quick.
REAL_CROP='crop=min(iw\,176):min(ih\,144):0:0'

# file_size FILE
file_size() { stat -c %s "$1"; }
