#!/usr/bin/env bash
# Builds FFmpeg 7.1.5 with the LMC codecs (liblmc) into build/install.
#
#   scripts/build_ffmpeg.sh
#
# Steps (each one skipped when its inputs did not change, so a second run with
# nothing changed rebuilds nothing):
#   1. get the pristine orig tarball from Debian's source package (trixie)
#   2. extract it to build/ffmpeg-src and apply patches/*.patch
#   3. copy ffmpeg_plugin/*.[ch] into libavcodec/, vf_*.c into libavfilter/ (only files whose content differs)
#   4. configure (only when the configure line, the patches or liblmc's
#      pkg-config flags changed), make, make install
#
# Environment:
#   LMC_PREFIX           where liblmc is installed (lib/pkgconfig/lmc.pc);
#                        default build/install (FFmpeg is installed there too)
#   FFMPEG_ORIG_TARBALL  a local ffmpeg_7.1.5.orig.tar.xz to use instead of
#                        downloading (checked against the known SHA-256)
#   JOBS                 make -j value (default: nproc)
#   LMC_FFMPEG_PEERS=0   build without the benchmark peers and players (libx264,
#                        libx265, SDL2/ffplay, zlib/PNG): for the GPU machine,
#                        which has none of their libraries
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

FFMPEG_VERSION=7.1.5
DEBIAN_VERSION=7:7.1.5-0+deb13u1
# SHA-256 of ffmpeg_7.1.5.orig.tar.xz (Checksums-Sha256 of the 7:7.1.5-0+deb13u1 .dsc).
ORIG_SHA256=de668509caf9e35e3cd162473441fdb29538c6d96ed080292b3cf9e6fc5d558f

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
DOWNLOADS=$BUILD/downloads
SRC=$BUILD/ffmpeg-src
PREFIX=$BUILD/install
LMC_PREFIX=${LMC_PREFIX:-$PREFIX}
LOGDIR=$BUILD/logs
ORIG=$DOWNLOADS/ffmpeg_${FFMPEG_VERSION}.orig.tar.xz
JOBS=${JOBS:-$(nproc)}

mkdir -p "$DOWNLOADS" "$LOGDIR"

say()  { printf '[build_ffmpeg] %s\n' "$*"; }
die()  { printf '[build_ffmpeg] ERROR: %s\n' "$*" >&2; exit 1; }
# run_logged LOG CMD...: runs CMD with its output in LOG; on failure prints the
# log's tail and exits.
run_logged() {
    local log=$1; shift
    if ! "$@" >"$log" 2>&1; then
        printf '[build_ffmpeg] ERROR: "%s" failed; last lines of %s:\n' "$*" "$log" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root for: $*"; fi
}

# ---------------------------------------------------------------- 1. source
have_trixie_src() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && grep -Eq '^[[:space:]]*deb-src[[:space:]].*[[:space:]]trixie[[:space:]].*main' "$f" && return 0
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # deb822: one stanza naming deb-src, trixie and main (stanzas are
        # separated by blank lines).
        awk 'BEGIN { RS = ""; found = 0 }
             /Types:[^\n]*deb-src/ && /Suites:[^\n]*[ \t]trixie([ \t\n]|$)/ &&
             /Components:[^\n]*main/ && !/Enabled:[ \t]*no/ { found = 1 }
             END { exit !found }' "$f" && return 0
    done
    return 1
}

fetch_orig() {
    if [ -f "$ORIG" ]; then
        return 0
    fi
    if [ -n "${FFMPEG_ORIG_TARBALL:-}" ]; then
        [ -f "$FFMPEG_ORIG_TARBALL" ] || die "FFMPEG_ORIG_TARBALL=$FFMPEG_ORIG_TARBALL does not exist"
        say "using local tarball $FFMPEG_ORIG_TARBALL"
        cp "$FFMPEG_ORIG_TARBALL" "$ORIG.part"
        mv "$ORIG.part" "$ORIG"
        return 0
    fi
    command -v apt-get >/dev/null || die "apt-get not found; set FFMPEG_ORIG_TARBALL"
    if ! have_trixie_src; then
        say "adding a deb-src entry for Debian trixie main"
        as_root tee /etc/apt/sources.list.d/lmc-trixie-src.sources >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    say "apt-get update"
    run_logged "$LOGDIR/apt-update.log" as_root apt-get update
    say "downloading the ffmpeg=$DEBIAN_VERSION source package"
    # apt verifies every file against the signed Sources index.
    (cd "$DOWNLOADS" && run_logged "$LOGDIR/apt-source.log" \
        apt-get source --download-only "ffmpeg=$DEBIAN_VERSION")
    [ -f "$ORIG" ] || die "apt-get source did not produce $ORIG"
}

fetch_orig
orig_sha=$(sha256sum "$ORIG" | cut -d' ' -f1)
[ "$orig_sha" = "$ORIG_SHA256" ] || die "$ORIG: SHA-256 $orig_sha, expected $ORIG_SHA256 (delete it to download again)"

# ------------------------------------------------------ 2. extract + patch
shopt -s nullglob
PATCHES=("$ROOT"/patches/*.patch)
PLUGINS=("$ROOT"/ffmpeg_plugin/*.c "$ROOT"/ffmpeg_plugin/*.h)
shopt -u nullglob

patch_hash=$( { echo "$orig_sha"
                for p in "${PATCHES[@]}"; do basename "$p"; sha256sum <"$p"; done
              } | sha256sum | cut -d' ' -f1)
PATCH_STAMP=$SRC/.lmc-patches.stamp

if [ ! -f "$PATCH_STAMP" ] || [ "$(cat "$PATCH_STAMP")" != "$patch_hash" ]; then
    say "extracting pristine FFmpeg $FFMPEG_VERSION into build/ffmpeg-src"
    rm -rf "$SRC" "$SRC.tmp"
    mkdir -p "$SRC.tmp"
    tar -xJf "$ORIG" -C "$SRC.tmp" --strip-components=1
    for p in "${PATCHES[@]}"; do
        say "applying $(basename "$p")"
        run_logged "$LOGDIR/patch-$(basename "$p").log" \
            patch -d "$SRC.tmp" -p1 --forward --batch -i "$p"
    done
    mv "$SRC.tmp" "$SRC"
    echo "$patch_hash" >"$PATCH_STAMP"
else
    say "source up to date (patches unchanged)"
fi

# ------------------------------------------------------- 3. wrapper sources
for f in "${PLUGINS[@]}"; do
    lib=libavcodec                                   # the codec wrappers
    case $(basename "$f") in vf_*) lib=libavfilter ;; esac  # the filters
    dst=$SRC/$lib/$(basename "$f")
    if ! cmp -s "$f" "$dst"; then
        say "updating $lib/$(basename "$f")"
        cp "$f" "$dst"
    fi
done
# The wrappers include the installed lmc.h, whose install keeps the source's
# old mtime, so make may not see it change: rebuild them when it does.
HEADER_STAMP=$SRC/.lmc-header.stamp
header_hash=$(sha256sum "$LMC_PREFIX/include/lmc/lmc.h" | cut -d' ' -f1)
if [ "$(cat "$HEADER_STAMP" 2>/dev/null)" != "$header_hash" ]; then
    rm -f "$SRC"/libavcodec/liblmc_*.o "$SRC"/libavfilter/vf_lmc_*.o
    echo "$header_hash" >"$HEADER_STAMP"
fi

# -------------------------------------------------------------- 4. configure
export PKG_CONFIG_PATH="$LMC_PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
if ! pkg-config --exists 'lmc >= 0.12.0'; then
    die "liblmc not found by pkg-config in $LMC_PREFIX/lib/pkgconfig (build and install liblmc first)"
fi

# A whole FFmpeg, as a user would keep it: every native decoder, encoder,
# muxer, demuxer, parser, protocol and filter (aac, mp3, mjpeg, png, mp4/mov,
# matroska, avi, fd/pipe, psnr/ssim/xpsnr, ...), shared libraries, plus our
# codecs and the benchmark peers. Autodetection is off so that the same
# configure line builds the same FFmpeg on every machine.
CONFIGURE_ARGS=(
    --prefix="$PREFIX"
    --disable-autodetect
    --disable-doc
    --enable-shared
    --disable-static
    --enable-gpl
    --enable-zlib
    --enable-liblmc
    --enable-libx264
    --enable-libx265
    --enable-sdl2
    --enable-ffplay
    --enable-ffprobe
)
if [ "${LMC_FFMPEG_PEERS:-1}" = 0 ]; then
    CONFIGURE_ARGS=(--prefix="$PREFIX" --disable-everything --disable-autodetect --disable-doc
        --enable-liblmc --enable-ffprobe
        --enable-encoder=liblmc_video,liblmc_audio,liblmc_gen,ffv1,flac,rawvideo,pcm_s16le,pcm_s24le,pcm_s32le,wrapped_avframe
        --enable-decoder=liblmc_video,liblmc_audio,liblmc_gen,ffv1,flac,rawvideo,pcm_s16le,pcm_s32le,wrapped_avframe,h264
        --enable-muxer=matroska,matroska_audio,nut,yuv4mpegpipe,wav,rawvideo,framemd5,md5,null,pcm_s16le,pcm_s32le
        --enable-demuxer=matroska,nut,yuv4mpegpipe,wav,rawvideo,pcm_s16le,pcm_s32le,mov --enable-parser=h264
        --enable-protocol=file,pipe --enable-filter=scale,format,null,anull,aformat,aresample,copy,lmc_map)
fi
command -v nasm >/dev/null || CONFIGURE_ARGS+=(--disable-x86asm)
# liblmc.so is found at run time through an rpath to its install directory.
if [ "$LMC_PREFIX" != "$PREFIX" ]; then
    CONFIGURE_ARGS+=(--extra-ldflags="-Wl,-rpath,$LMC_PREFIX/lib -Wl,-rpath,$PREFIX/lib")
else
    CONFIGURE_ARGS+=(--extra-ldflags="-Wl,-rpath,$PREFIX/lib")
fi

config_key=$( { printf '%s\n' "${CONFIGURE_ARGS[@]}"
                echo "$patch_hash"
                pkg-config --modversion --cflags --libs lmc
              } | sha256sum | cut -d' ' -f1)
CONFIG_STAMP=$SRC/.lmc-configure.stamp

if [ ! -f "$CONFIG_STAMP" ] || [ "$(cat "$CONFIG_STAMP")" != "$config_key" ] ||
   [ ! -f "$SRC/ffbuild/config.mak" ]; then
    say "configuring (log: build/logs/configure.log)"
    rm -f "$CONFIG_STAMP"
    (cd "$SRC" && run_logged "$LOGDIR/configure.log" ./configure "${CONFIGURE_ARGS[@]}")
    if [ -f "$SRC/ffbuild/config.log" ]; then cp "$SRC/ffbuild/config.log" "$LOGDIR/config.log"; fi
    echo "$config_key" >"$CONFIG_STAMP"
else
    say "configure up to date"
fi

# ------------------------------------------------------------ 5. build/install
say "make -j$JOBS (log: build/logs/make.log)"
(cd "$SRC" && run_logged "$LOGDIR/make.log" nice make -j"$JOBS")
if grep -Eq '^(CC|LD|AR)[[:space:]]' "$LOGDIR/make.log"; then
    say "compiled: $(grep -Ec '^CC[[:space:]]' "$LOGDIR/make.log") object(s), $(grep -Ec '^LD[[:space:]]' "$LOGDIR/make.log") link(s)"
else
    say "nothing to rebuild"
fi
say "make install (log: build/logs/install.log)"
(cd "$SRC" && run_logged "$LOGDIR/install.log" make install)
# The libraries are shared and live outside the system paths: give the
# installed pkg-config files an rpath, so that a program linked with
# `pkg-config --libs libavcodec` finds them when it runs.
for pc in "$PREFIX"/lib/pkgconfig/lib{avcodec,avformat,avutil,avfilter,avdevice,swscale,swresample,postproc}.pc; do
    [ -f "$pc" ] || continue
    grep -q -- '-Wl,-rpath' "$pc" || sed -i 's|^Libs: -L${libdir} |Libs: -L${libdir} -Wl,-rpath,${libdir} |' "$pc"
done

codecs=$("$PREFIX/bin/ffmpeg" -hide_banner -codecs 2>&1) || die "installed ffmpeg does not run: $codecs"
for c in lmc_video lmc_gen lmc_audio; do
    grep -Eq "^ [A-Z.]{6} $c " <<<"$codecs" || die "installed ffmpeg does not list $c"
done
say "done: $PREFIX/bin/ffmpeg, ffprobe$([ "${LMC_FFMPEG_PEERS:-1}" = 0 ] || echo ", ffplay")"
