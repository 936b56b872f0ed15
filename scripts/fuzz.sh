#!/usr/bin/env bash
# Fuzzing as FFmpeg and dav1d do it: libFuzzer targets for the video/gen and
# audio decoders, the stream header and the model file parser, with liblmc
# built with AddressSanitizer and UndefinedBehaviorSanitizer (clang).
#
#   scripts/fuzz.sh build                 build build/fuzz and write the seed
#                                         corpus from our encoders
#   scripts/fuzz.sh run SECONDS [TARGET]  run each target (or one) for SECONDS,
#                                         corpus in build/fuzz/corpus/TARGET;
#                                         prints runs, speed and crashes per
#                                         target and adds them to build/fuzz/results.md;
#                                         exits non-zero on any crash, leak of a
#                                         sanitizer report or hang (artifacts in
#                                         build/fuzz/artifacts)
#   FUZZ_JOBS=N scripts/fuzz.sh run ...   N processes per target on one corpus
#                                         (a long run on a many-core machine);
#                                         their inputs are added up
#
# The test command runs a short run (ctest fuzz.*); the long run is documented
# in docs/fuzzing.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz=$root/build/fuzz
targets=(video_decoder audio_decoder stream_header model_file)

build() {
    command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang)" >&2; exit 1; }
    mkdir -p "$fuzz"
    echo "== building the fuzz targets (build/fuzz, clang, ASan + UBSan)"
    cmake -S "$root" -B "$fuzz" -DLMC_FUZZ=ON -DLMC_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >"$fuzz/configure.log" 2>&1 ||
        { tail -30 "$fuzz/configure.log"; exit 1; }
    cmake --build "$fuzz" -j "$(nproc)" --target lmc-fuzz-seeds "${targets[@]/#/fuzz_}" >"$fuzz/build.log" 2>&1 ||
        { grep -E "error" -A3 "$fuzz/build.log" | head -40; exit 1; }
    {
        echo "| target | seconds | inputs run | inputs/s | corpus | crashes, hangs, sanitizer reports |"
        echo "|---|---:|---:|---:|---:|---:|"
    } >"$fuzz/results.md"
    rm -rf "$fuzz/seeds"
    ASAN_OPTIONS=detect_leaks=0 "$fuzz/tests/fuzz/lmc-fuzz-seeds" "$fuzz/seeds"
}

seeds_of() {
    case $1 in
        video_decoder) echo video ;; audio_decoder) echo audio ;;
        stream_header) echo header ;; model_file) echo model ;;
    esac
}

run() {
    local seconds=${1:?seconds}; shift
    local which=("${@:-${targets[@]}}") t failed=0
    mkdir -p "$fuzz/artifacts"
    local jobs=${FUZZ_JOBS:-1}
    for t in "${which[@]}"; do
        local bin=$fuzz/tests/fuzz/fuzz_$t corpus=$fuzz/corpus/$t
        [ -x "$bin" ] || { echo "fuzz.sh: $bin missing: run scripts/fuzz.sh build" >&2; exit 1; }
        mkdir -p "$corpus"
        local j pids=() logs=() rc=0
        for ((j = 0; j < jobs; j++)); do
            local log=$fuzz/$t.log
            [ "$jobs" = 1 ] || log=$fuzz/$t.$j.log
            logs+=("$log")
            # Leak checking is off: LibTorch keeps its allocations to exit.
            ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
                "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 \
                -artifact_prefix="$fuzz/artifacts/$t-" "$corpus" "$fuzz/seeds/$(seeds_of "$t")" >"$log" 2>&1 &
            pids+=($!)
        done
        for j in "${pids[@]}"; do wait "$j" || rc=$?; done
        local runs=0 speed=0 size bad log n
        for log in "${logs[@]}"; do
            n=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
            runs=$((runs + n))
            n=$(grep -m1 -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
            speed=$((speed + n))
        done
        size=$(ls "$corpus" | wc -l)
        bad=$( [ "$rc" = 0 ] && echo 0 || echo 1 )
        printf '%-14s %6s s %9s inputs %6s/s  corpus %5s  %s\n' "$t" "$seconds" "$runs" "$speed" "$size" \
            "$( [ "$bad" = 0 ] && echo "no crash" || echo "FAILED (exit $rc, logs ${logs[*]})")"
        echo "| $t | $seconds | $runs | $speed | $size | $bad |" >>"$fuzz/results.md"
        if [ "$bad" != 0 ]; then
            grep -hE "ERROR|SUMMARY|runtime error|Test unit written" "${logs[@]}" | head -20 >&2
            failed=1
        fi
    done
    return $failed
}

case ${1:-} in
    build) build ;;
    run) shift; run "$@" ;;
    *) echo "usage: $0 build | run SECONDS [TARGET...]" >&2; exit 2 ;;
esac
