#!/usr/bin/python3
"""Lossless video benchmark: lmc_video against FFV1, x264, x265, PNG and JPEG-XL.

    /usr/bin/python3 bench/video.py [--split test] [--items coffee,cube] [--frames N]
        [--models models/video-s.lmcm ...] [--gop 30] [--threads 2]
        [--codecs lmc,ffv1] [--device cuda] [--ffmpeg build/install/bin/ffmpeg]
        [--corpus build/corpus]

Every video item of build/corpus/SPLIT (see models/training/corpus.py) is written to
a temporary .y4m (gbrp, which y4m cannot hold, as raw gbrp), coded by every codec,
decoded, and the decode compared bit for bit with the source (framemd5 for the
ffmpeg codecs, the decoded samples for JPEG-XL). A mismatch or a failed run is
reported loudly and the script exits non-zero.

Codecs: lmc_video with each model (-model, -g), FFV1 level 3 range coder, x264
-qp 0 veryslow, x265 lossless slow, PNG and JPEG-XL (cjxl -d 0 -e 9, from Debian's
libjxl-tools) per frame. PNG and JPEG-XL code YUV items plane by plane as gray
images, so they are lossless on the same samples as the video codecs.

Measures per item and codec: coded bytes, ratio (raw 8-bit size / coded size), bits
per 8-bit sample (every sample of every plane counts), encode and decode frames/s
with --threads threads (ffmpeg's -benchmark loop time, which leaves out process
start-up) and the wall seconds of every run. Prints one line per (item, codec), then
the tables, and writes bench/results/NAME[_DEVICE].{json,md,png} (NAME: --name,
default video; _DEVICE when --device is not cpu).
"""
import argparse
import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
Y4M_TAG = {"gray": "mono", "yuv420p": "420jpeg", "yuv422p": "422", "yuv444p": "444"}
YUV = ("yuv420p", "yuv422p", "yuv444p")


class Failure(Exception):
    """A run failed or a decode differs from its source."""


# ---------------------------------------------------------------- items

@dataclass
class Unit:
    """A clip: name, pixel format and planes (uint8 [T, h, w] each)."""
    name: str
    pix: str
    planes: list

    @property
    def frames(self):
        return self.planes[0].shape[0]

    @property
    def size(self):
        return f"{self.planes[0].shape[2]}x{self.planes[0].shape[1]}"

    @property
    def samples(self):
        return sum(p.size for p in self.planes)


def load_items(corpus, split, names, max_frames):
    """The split's video items, optionally only those whose name contains one of names."""
    index = Path(corpus, split, "index.json")
    if not index.exists():
        sys.exit(f"{index} missing: build the corpus with /usr/bin/python3 models/training/corpus.py")
    items = []
    for entry in json.loads(index.read_text())["video"]:
        if names and not any(n in entry["name"] for n in names):
            continue
        z = np.load(Path(corpus, split, "video", entry["name"] + ".npz"))
        planes = [z[k][:max_frames] for k in ("p0", "p1", "p2") if k in z.files]
        items.append(Unit(entry["name"], str(z["pix_fmt"]), planes))
    if not items:
        sys.exit(f"no video items in {index} match {names}")
    return items


def gray_planes(unit):
    """A YUV unit as one gray unit per plane (for the still-image codecs); others as they are."""
    if unit.pix not in YUV:
        return [unit]
    return [Unit(f"{unit.name}.{c}", "gray", [p]) for c, p in zip("YUV", unit.planes)]


def frame_image(unit, t):
    """Frame t as an [h, w] (gray) or [h, w, 3] RGB array (gbrp planes are G, B, R)."""
    if unit.pix == "gbrp":
        g, b, r = (p[t] for p in unit.planes)
        return np.stack([r, g, b], axis=-1)
    assert unit.pix == "gray", unit.pix
    return unit.planes[0][t]


# ---------------------------------------------------------------- files

def write_source(unit, path):
    """Writes unit as y4m (raw gbrp for gbrp) and returns the ffmpeg input options."""
    with open(path, "wb") as f:
        if unit.pix != "gbrp":
            w, h = unit.size.split("x")
            f.write(f"YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C{Y4M_TAG[unit.pix]}\n".encode())
        for t in range(unit.frames):
            if unit.pix != "gbrp":
                f.write(b"FRAME\n")
            for p in unit.planes:
                f.write(p[t].tobytes())
    if unit.pix == "gbrp":
        return ["-f", "rawvideo", "-pix_fmt", "gbrp", "-s", unit.size, "-framerate", "25"]
    return []


def write_pnm(path, img):
    magic = b"P6" if img.ndim == 3 else b"P5"
    Path(path).write_bytes(magic + f"\n{img.shape[1]} {img.shape[0]}\n255\n".encode() + img.tobytes())


def read_pnm(path):
    data = Path(path).read_bytes()
    # Exactly one whitespace byte ends the header: the first pixel may itself be
    # a whitespace byte (9, 10, 13, 32), which split() would eat.
    m = re.match(rb"(P[56])\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    magic, w, h, maxval = m.groups()
    assert maxval == b"255", path
    shape = (int(h), int(w), 3) if magic == b"P6" else (int(h), int(w))
    return np.frombuffer(data[m.end():], np.uint8).reshape(shape)


# ---------------------------------------------------------------- running

def read_y4m(path, max_frames):
    """The first max_frames frames of a 4:2:0 8-bit .y4m as a Unit (write_source's inverse)."""
    data = Path(path).read_bytes()
    header, rest = data.split(b"\n", 1)
    fields = {t[:1]: t[1:] for t in header.split()[1:]}
    w, h = int(fields[b"W"]), int(fields[b"H"])
    if not fields.get(b"C", b"420").startswith(b"420"):
        sys.exit(f"{path}: only 4:2:0 .y4m clips are supported")
    size = w * h * 3 // 2
    frames = []
    while rest.startswith(b"FRAME") and len(frames) < max_frames:
        rest = rest.split(b"\n", 1)[1]
        frames.append(np.frombuffer(rest[:size], np.uint8))
        rest = rest[size:]
    f = np.stack(frames)
    planes = [f[:, :w * h].reshape(-1, h, w), f[:, w * h:w * h * 5 // 4].reshape(-1, h // 2, w // 2),
              f[:, w * h * 5 // 4:].reshape(-1, h // 2, w // 2)]
    return Unit(Path(path).stem, "yuv420p", planes)


def run(cmd):
    """Runs cmd; returns (wall seconds, stdout, stderr). Raises Failure with stderr's tail."""
    t0 = time.perf_counter()
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if p.returncode:
        raise Failure(f"{shlex.join(map(str, cmd))} exited {p.returncode}: {p.stderr.strip()[-600:]}")
    return seconds, p.stdout, p.stderr


def ffmpeg_run(ffmpeg, *args):
    """Runs ffmpeg with -benchmark; returns (seconds of its transcode loop, wall seconds, stdout).

    The loop time leaves out process start-up (our ffmpeg loads LibTorch: about 0.7 s)
    and the opening of decoders; it includes opening the encoder."""
    wall, out, err = run([ffmpeg, "-hide_banner", "-loglevel", "info", "-nostats", "-benchmark", *args])
    loop = re.findall(r"bench: utime=\S+ stime=\S+ rtime=([0-9.]+)s", err)
    if not loop:
        raise Failure(f"no -benchmark line from {ffmpeg} {shlex.join(map(str, args))}")
    return float(loop[-1]), wall, out


def framemd5(ffmpeg, path, pix, in_args=(), threads=1):
    """(loop seconds, wall seconds, per-frame md5 list) of decoding path to pix."""
    loop, wall, out = ffmpeg_run(ffmpeg, "-threads", threads, *in_args, "-i", path,
                                 "-pix_fmt", pix, "-f", "framemd5", "-")
    return loop, wall, [l.split(",")[-1].strip() for l in out.splitlines() if l and not l.startswith("#")]


def add(a, b):
    return [x + y for x, y in zip(a, b)]


_SOURCES = {}


def source(u, tmp, ffmpeg):
    """The unit's source file in tmp, its ffmpeg input options and its framemd5 (made once)."""
    src = Path(tmp, f"{u.name}.src")
    if src not in _SOURCES:
        in_args = write_source(u, src)
        _SOURCES[src] = (src, in_args, framemd5(ffmpeg, src, u.pix, in_args)[2])
    return _SOURCES[src]


# ---------------------------------------------------------------- codecs

@dataclass
class FFCodec:
    """A codec run through ffmpeg: source -> file -> framemd5 of the decode."""
    name: str
    args: list                      # encoder options
    formats: set                    # source pixel formats it codes
    container: str = "mkv"
    as_pix: dict = field(default_factory=dict)   # source pix -> pix_fmt handed to the encoder
    dec_args: list = field(default_factory=list)  # decoder options
    per_plane: bool = False         # YUV coded plane by plane as gray

    def code(self, unit, tmp, opt):
        units = gray_planes(unit) if self.per_plane else [unit]
        if any(u.pix not in self.formats for u in units):
            return None
        total = [0] * 5
        for u in units:
            total = add(total, self.code_unit(u, tmp, opt))
        return total

    def code_unit(self, u, tmp, opt):
        src, in_args, want = source(u, tmp, opt.ffmpeg)
        out = Path(tmp, f"{u.name}.{self.name.replace(' ', '_')}.{self.container}")
        pix = ["-pix_fmt", self.as_pix[u.pix]] if u.pix in self.as_pix else []
        enc_s, enc_wall, _ = ffmpeg_run(opt.ffmpeg, "-y", *in_args, "-i", src, *self.args, *pix,
                                        "-threads", opt.threads, out)
        dec_s, dec_wall, got = framemd5(opt.ffmpeg, out, u.pix, self.dec_args, opt.threads)
        if got != want:
            raise Failure(f"MISMATCH: {u.name} through {self.name}: decode differs from the source")
        return out.stat().st_size, enc_s, dec_s, enc_wall, dec_wall


@dataclass
class JxlCodec:
    """cjxl/djxl on every frame (RGB for gbrp, gray for gray, each plane as gray for YUV)."""
    name: str = "jpeg-xl"

    def code(self, unit, tmp, opt):
        total = [0] * 5
        for u in gray_planes(unit):
            for t in range(u.frames):
                total = add(total, self.code_image(frame_image(u, t), Path(tmp, f"{u.name}.{t}"), opt))
        return total

    def code_image(self, img, stem, opt):
        src, jxl, dec = (stem.with_suffix(stem.suffix + s) for s in (".pnm", ".jxl", ".dec.ppm"))
        write_pnm(src, img)
        threads = f"--num_threads={opt.threads}"
        enc_s = run(["cjxl", src, jxl, "-d", "0", "-e", "9", threads, "--quiet"])[0]
        dec_s = run(["djxl", jxl, dec, threads, "--quiet"])[0]
        if not np.array_equal(read_pnm(dec), img):
            raise Failure(f"MISMATCH: {stem.name} through {self.name}: decode differs from the source")
        return jxl.stat().st_size, enc_s, dec_s, enc_s, dec_s


def lmc_codec(model, opt):
    device = ["-device", opt.device] if opt.device else []
    return FFCodec(f"lmc_video {Path(model).stem}",
                   ["-c:v", "lmc_video", "-model", Path(model).resolve(), "-g", opt.gop, *device,
                    *shlex.split(opt.lmc_args)],
                   {"gray", *YUV, "gbrp"},
                   dec_args=["-model_dir", Path(model).resolve().parent, *device])


def codecs(opt):
    x265 = f"lossless=1:pools={opt.threads}"
    return [lmc_codec(m, opt) for m in opt.models] + [
        FFCodec("ffv1", ["-c:v", "ffv1", "-level", "3", "-coder", "1", "-context", "1", "-g", "1",
                         "-slicecrc", "1"], {"gray", *YUV, "gbrp"}),
        FFCodec("x264", ["-c:v", "libx264", "-qp", "0", "-preset", "veryslow", "-g", opt.gop], {"gray", *YUV}),
        FFCodec("x265", ["-c:v", "libx265", "-x265-params", x265, "-preset", "slow", "-g", opt.gop],
                {"gray", *YUV, "gbrp"}),
        FFCodec("png", ["-c:v", "png"], {"gray", "gbrp"}, as_pix={"gbrp": "rgb24"}, per_plane=True),
        JxlCodec(),
    ]


# ---------------------------------------------------------------- measures

def record(unit, codec, coded):
    """One result row; coded is (bytes, enc_s, dec_s, enc_wall, dec_wall), None (n/a) or an error string."""
    r = {"item": unit.name, "pix_fmt": unit.pix, "size": unit.size, "frames": unit.frames,
         "raw_bytes": unit.samples, "codec": codec.name}
    if coded is None or isinstance(coded, str):
        return {**r, "status": coded or "n/a"}
    size, enc_s, dec_s, enc_wall, dec_wall = coded
    return {**r, "status": "ok", "bytes": size, "enc_s": round(enc_s, 3), "dec_s": round(dec_s, 3),
            "enc_wall_s": round(enc_wall, 3), "dec_wall_s": round(dec_wall, 3),
            **rates(unit.samples, unit.frames, size, enc_s, dec_s)}


def rates(raw, frames, size, enc_s, dec_s):
    return {"ratio": round(raw / size, 4), "bits_per_sample": round(8 * size / raw, 4),
            "enc_fps": round(frames / enc_s, 3), "dec_fps": round(frames / dec_s, 3)}


def totals(rows, names):
    """Per codec: sums over the items it coded, and bits/sample over items every codec coded."""
    ok = [r for r in rows if r["status"] == "ok"]
    common = {r["item"] for r in rows} - {r["item"] for r in rows if r["status"] != "ok"}
    out = {}
    for n in names:
        mine = [r for r in ok if r["codec"] == n]
        if not mine:
            continue
        raw, size, frames, enc_s, dec_s, enc_wall, dec_wall = (
            sum(r[k] for r in mine)
            for k in ("raw_bytes", "bytes", "frames", "enc_s", "dec_s", "enc_wall_s", "dec_wall_s"))
        both = [r for r in mine if r["item"] in common]
        out[n] = {"items": len(mine), "raw_bytes": raw, "bytes": size, "frames": frames,
                  "enc_s": round(enc_s, 2), "dec_s": round(dec_s, 2), "enc_wall_s": round(enc_wall, 2),
                  "dec_wall_s": round(dec_wall, 2), **rates(raw, frames, size, enc_s, dec_s),
                  "common_items": len(both),
                  "common_bits_per_sample": round(8 * sum(r["bytes"] for r in both)
                                                  / max(1, sum(r["raw_bytes"] for r in both)), 4)}
    return out


# ---------------------------------------------------------------- output

def progress_line(r):
    head = f"{r['item']:18s} {r['pix_fmt']:8s} {r['codec']:18s}"
    if r["status"] != "ok":
        return f"{head} {r['status']}"
    return (f"{head} {r['bytes']:10d} B  {r['bits_per_sample']:6.3f} bits/sample  "
            f"enc {r['enc_fps']:8.2f} fps  dec {r['dec_fps']:8.2f} fps")


def item_table(rows, names):
    items = list(dict.fromkeys(r["item"] for r in rows))
    cell = {(r["item"], r["codec"]): r for r in rows}
    lines = ["| item | format | frames | raw bytes | " + " | ".join(names) + " |",
             "|---|---|---:|---:|" + "---:|" * len(names)]
    for it in items:
        first = cell[(it, names[0])]
        vals = []
        for n in names:
            r = cell[(it, n)]
            vals.append(f"{r['bytes']} ({r['bits_per_sample']:.3f})" if r["status"] == "ok" else r["status"])
        lines.append(f"| {it} | {first['pix_fmt']} {first['size']} | {first['frames']} | {first['raw_bytes']} | "
                     + " | ".join(vals) + " |")
    return "\n".join(lines)


def totals_table(tot):
    lines = ["| codec | items | bytes | ratio | bits/sample | bits/sample, items all codecs code | "
             "enc fps | dec fps | enc s | dec s | enc wall s | dec wall s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, t in tot.items():
        lines.append(f"| {n} | {t['items']} | {t['bytes']} | {t['ratio']:.3f} | {t['bits_per_sample']:.3f} | "
                     f"{t['common_bits_per_sample']:.3f} ({t['common_items']}) | {t['enc_fps']:.2f} | "
                     f"{t['dec_fps']:.2f} | {t['enc_s']:.2f} | {t['dec_s']:.2f} | "
                     f"{t['enc_wall_s']:.1f} | {t['dec_wall_s']:.1f} |")
    return "\n".join(lines)


def detail_table(rows):
    lines = ["| item | codec | bytes | ratio | bits/sample | enc fps | dec fps | enc s | dec s | "
             "enc wall s | dec wall s |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r["status"] == "ok":
            lines.append(f"| {r['item']} | {r['codec']} | {r['bytes']} | {r['ratio']:.3f} | "
                         f"{r['bits_per_sample']:.3f} | {r['enc_fps']:.2f} | {r['dec_fps']:.2f} | "
                         f"{r['enc_s']:.2f} | {r['dec_s']:.2f} | {r['enc_wall_s']:.2f} | {r['dec_wall_s']:.2f} |")
        else:
            lines.append(f"| {r['item']} | {r['codec']} | {r['status']} |" + " |" * 8)
    return "\n".join(lines)


NOTES = """\
Notes:
- Every coded file was decoded and compared bit for bit with its source: framemd5 of
  the decode in the source pixel format for the ffmpeg codecs, the decoded samples for
  JPEG-XL. Raw size counts one byte per 8-bit sample of every plane; bits/sample is
  8 x coded bytes / samples (a yuv420p pixel has 1.5 samples, gray 1, gbrp and yuv444p 3).
- lmc_video: `-c:v lmc_video -model M -g GOP` (.mkv). FFV1: `-level 3 -coder 1 -context 1
  -g 1 -slicecrc 1` (.mkv). x264: `-qp 0 -preset veryslow -g GOP` (.mkv); this FFmpeg has
  no libx264rgb, so gbrp items are n/a. x265: `-x265-params lossless=1:pools=THREADS
  -preset slow -g GOP` (.mkv), gbrp coded as RGB. GOP (--gop, default 30) is the same
  keyframe interval for every codec with inter frames, so all can seek equally far. PNG: ffmpeg's png encoder into .mkv, gbrp
  handed over as rgb24 (a lossless reorder). JPEG-XL: `cjxl -d 0 -e 9` per frame from
  PGM/PPM, sizes of the .jxl files, decoded with djxl. PNG and JPEG-XL cannot hold
  YUV, so YUV items are coded plane by plane as gray images (the same samples,
  losslessly; no colour conversion or chroma upsampling).
- Speed: fps = frames / "s", where "s" is ffmpeg's own `-benchmark` time of its
  transcode loop (reading the source and encoding, or decoding and the framemd5 of the
  output; encoder set-up is inside it, decoder set-up is not) and the wall time of
  cjxl/djxl (one process per image). "wall s" is the wall clock of the whole process
  per run; our ffmpeg loads LibTorch at start-up (about 0.7 s a process), which would
  otherwise swamp FFV1, x264 and PNG on short items. ffmpeg codecs run with
  `-threads N` (x265 with pools=N), cjxl/djxl with `--num_threads=N`.
- The last column pair "bits/sample, items all codecs code" sums only items that every
  codec coded (x264 skips gbrp), so those numbers compare like with like."""


def machine(opt):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    m = {"host": platform.node(), "nproc": len(os.sched_getaffinity(0)), "cpu": cpu}
    if opt.device == "cuda":
        try:
            m["gpu"] = run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"])[1].strip()
        except (Failure, OSError):
            m["gpu"] = "?"
    return m


def save_run(name, device, command, rows, failures, **extra):
    """Writes bench/results/NAME[_DEVICE].json (run facts, extra, rows); returns (stem, date, machine line)."""
    stem = ROOT / "bench/results" / (name + (f"_{device}" if device and device != "cpu" else ""))
    stem.parent.mkdir(parents=True, exist_ok=True)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    mach = machine(argparse.Namespace(device=device))
    Path(f"{stem}.json").write_text(json.dumps({"command": command, "date": date, "machine": mach, **extra,
                                                "failures": failures, "results": rows}, indent=1) + "\n")
    return stem, date, ", ".join(f"{k} {v}" for k, v in mach.items())


def exit_on_failures(failures):
    if failures:
        print(f"\n{len(failures)} FAILURE(S):\n" + "\n".join(failures), file=sys.stderr)
        sys.exit(1)


def versions(opt):
    v = {"ffmpeg": run([opt.ffmpeg, "-version"])[1].splitlines()[0].split(" Copyright")[0]}
    try:
        v["cjxl"] = run(["cjxl", "--version"])[1].splitlines()[0]
    except (Failure, OSError):
        v["cjxl"] = "missing"
    return v


def status_text(failures):
    """The results file's line on exactness."""
    return ("Every decode matched its source bit for bit." if not failures else
            "**FAILURES:**\n\n" + "\n".join(f"- {f}" for f in failures))


def pyplot():
    """matplotlib.pyplot for files (Agg), or None where it is missing (tables only)."""
    try:
        import matplotlib
    except ImportError:  # the GPU machine's Python has none
        print("matplotlib missing: no plot", file=sys.stderr)
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(plt, fig, path, title):
    """Titles the figure with the command and date, writes it as PNG and closes it."""
    fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot(tot, path, title):
    plt = pyplot()
    if not plt:
        return
    names = list(tot)
    x = np.arange(len(names))
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    bps = [tot[n]["common_bits_per_sample"] for n in names]
    a.bar(x, bps, color="tab:blue")
    a.set_ylabel("bits per 8-bit sample (lower is better)")
    a.set_title(f"size, items every codec codes ({tot[names[0]]['common_items']})")
    for xi, v in zip(x, bps):
        a.text(xi, v, f"{v:.2f}", ha="center", va="bottom", fontsize=8)
    b.bar(x - 0.2, [tot[n]["dec_fps"] for n in names], 0.4, label="decode", color="tab:green")
    b.bar(x + 0.2, [tot[n]["enc_fps"] for n in names], 0.4, label="encode", color="tab:orange")
    b.set_yscale("log")
    b.set_ylabel("frames per second (log)")
    b.set_title("speed, all items each codec codes")
    b.legend()
    for ax in (a, b):
        ax.set_xticks(x, names, rotation=30, ha="right")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_results(opt, rows, tot, failures, command):
    out = ROOT / "bench/results"
    out.mkdir(parents=True, exist_ok=True)
    stem = out / (opt.name + (f"_{opt.device}" if opt.device and opt.device != "cpu" else ""))
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    mach, vers = machine(opt), versions(opt)
    names = list(dict.fromkeys(r["codec"] for r in rows))
    Path(f"{stem}.json").write_text(json.dumps(
        {"command": command, "date": date, "machine": mach, "versions": vers, "threads": opt.threads,
         "failures": failures, "totals": tot, "results": rows}, indent=1) + "\n")
    where = ", ".join(f"{k} {v}" for k, v in mach.items())
    status = status_text(failures)
    Path(f"{stem}.md").write_text(
        f"# Lossless video: lmc_video against FFV1, x264, x265, PNG and JPEG-XL\n\n"
        f"Command: `{command}`\n\nDate: {date}. Machine: {where}. {vers['ffmpeg']}; {vers['cjxl']}.\n\n"
        f"{status}\n\n## Totals\n\n{totals_table(tot)}\n\n"
        f"## Per item: bytes (bits/sample)\n\n{item_table(rows, names)}\n\n"
        f"## Per item and codec\n\n{detail_table(rows)}\n\n{NOTES}\n")
    if tot:
        plot(tot, f"{stem}.png", f"{command}\n{date}, {where}")
    return stem


# ---------------------------------------------------------------- main

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(ROOT / "build/corpus"), help="corpus root (default build/corpus)")
    ap.add_argument("--split", default="test")
    ap.add_argument("--items", default="", help="comma-separated name substrings (default: every item)")
    ap.add_argument("--frames", type=int, default=None, help="at most N frames per item")
    ap.add_argument("--models", nargs="+", default=sorted(map(str, ROOT.glob("models/video-*.lmcm"))))
    ap.add_argument("--codecs", default="",
                    help="comma-separated codec name prefixes to run (default: all), e.g. lmc,ffv1")
    ap.add_argument("--gop", type=int, default=30, help="-g (keyframe interval) for lmc_video, x264 and x265")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default=None, help="-device for lmc_video (cpu, cuda, auto)")
    ap.add_argument("--name", default="video",
                    help="results file name (bench/results/NAME.*): a partial run need not replace the full table")
    ap.add_argument("--lmc-args", default="", help="more lmc_video encoder options, e.g. '-adapt 2'")
    ap.add_argument("--ffmpeg", default=str(ROOT / "build/install/bin/ffmpeg"))
    return ap.parse_args()


def code_all(items, all_codecs, opt):
    """Codes every item with every codec, printing a line each; returns (rows, failures)."""
    rows, failures = [], []
    for unit in items:
        with tempfile.TemporaryDirectory(prefix="lmc-bench-") as tmp:
            for codec in all_codecs:
                try:
                    coded = codec.code(unit, tmp, opt)
                except Failure as e:
                    failures.append(str(e))
                    print(f"FAILED: {e}", file=sys.stderr, flush=True)
                    coded = "MISMATCH" if str(e).startswith("MISMATCH") else "FAILED"
                rows.append(record(unit, codec, coded))
                print(progress_line(rows[-1]), flush=True)
    return rows, failures


def main():
    opt = parse_args()
    command = shlex.join(["/usr/bin/python3", "bench/video.py", *sys.argv[1:]])
    items = load_items(opt.corpus, opt.split, [n for n in opt.items.split(",") if n], opt.frames)
    wanted = [c for c in opt.codecs.split(",") if c]
    all_codecs = [c for c in codecs(opt) if not wanted or any(c.name.startswith(w) for w in wanted)]
    rows, failures = code_all(items, all_codecs, opt)
    names = [c.name for c in all_codecs]
    tot = totals(rows, names)
    print("\n" + item_table(rows, names) + "\n\n" + totals_table(tot))
    stem = write_results(opt, rows, tot, failures, command)
    print(f"\nwrote {stem}.json, .md, .png")
    exit_on_failures(failures)


if __name__ == "__main__":
    main()
