#!/usr/bin/python3
"""Deep samples benchmark: lmc_video against FFV1, x265, PNG and JPEG-XL at 10, 12 and 16 bits.

    /usr/bin/python3 bench/depth.py [--depths 8,10,12,16] [--codecs lmc,ffv1] [--threads 2]
        [--ffmpeg build/install/bin/ffmpeg]

Material: the raw.pixls.us crops of Debian's libjxl-testdata (the version pinned in
models/training/corpus.py): five cameras' raw files (DJI FC6310, Google Pixel 2 XL,
Huawei EVA-L09, Nikon D300, Sony RX1R II: 12-, 14- and 16-bit sensors) developed to
16-bit linear or Rec.709 RGB, 64x64 each, thousands of distinct values per crop. At
16 bits they are coded as they are; the 12- and 10-bit items keep each sample's top
bits (v >> 4, v >> 6), what a camera writing 12- or 10-bit output keeps. (The
package's other 16-bit files are 8-bit images scaled up: 256 distinct values.)

Every item is coded as gbrp<depth>le by every codec and decoded; the decode must equal
the source bit for bit (framemd5 in the item's own pixel format for the ffmpeg codecs,
the decoded samples for PNG and JPEG-XL) or the script exits non-zero. Codecs:
lmc_video (default model), FFV1 level 3, x265 lossless (10 and 12 bits: x265 has no
16-bit profile), PNG (16-bit RGB holding the samples unscaled), JPEG-XL (cjxl -d 0 -e 9
from a 16-bit PNG whose sBIT chunk names the depth). Prints the tables and writes
bench/results/depth.{json,md,png}.
"""
import argparse
import datetime
import json
import re
import shlex
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from debs import package_dir  # noqa: E402
from video import ROOT, Failure, ffmpeg_run, framemd5, machine, pyplot, run, save_figure, status_text  # noqa: E402

CROPS = "usr/share/libjxl-testdata/external/raw.pixls"
ITEMS = ["DJI-FC6310-16bit_709_v4_krita", "Google-Pixel2XL-16bit_acescg_g1_v4_krita",
         "HUAWEI-EVA-L09-16bit_709_g1_dt", "Nikon-D300-12bit_2020_g1_dt",
         "Sony-DSC-RX1RM2-14bit_709_v4_krita"]


def load(ffmpeg, png):
    """The crop as uint16 [3, h, w] planes G, B, R."""
    probe = str(Path(ffmpeg).with_name("ffprobe"))
    w, h = (int(v) for v in run([probe, "-v", "error", "-show_entries", "stream=width,height",
                                 "-of", "csv=p=0", png])[1].split(","))
    raw = subprocess.run([ffmpeg, "-v", "error", "-i", png, "-f", "rawvideo", "-pix_fmt", "gbrp16le", "-"],
                         capture_output=True, check=True).stdout  # bytes: run() decodes text
    return np.frombuffer(raw, "<u2").reshape(3, h, w)


def png_sbit(planes, depth):
    """16-bit RGB PNG of the samples, bit-replicated to 16 bits, with an sBIT chunk
    naming depth (cjxl 0.7 misreads PPMs whose maxval is not 255 or 65535)."""
    g, b, r = (p.astype(np.uint32) for p in planes)
    rgb = np.stack([r, g, b], axis=-1)
    if depth < 16:
        rgb = (rgb << (16 - depth)) | (rgb >> (2 * depth - 16))
    rgb = rgb.astype(">u2")
    h, w = g.shape

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + rgb[y].tobytes() for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + chunk(b"sBIT", bytes([depth] * 3)) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def read_ppm(data, depth):
    """djxl's PPM as planes G, B, R. djxl 0.7 writes samples scaled to 16 bits under a
    maxval of 2^depth - 1: scale them back (exact: the scaling rounds to nearest)."""
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    w, h, maxval = (int(v) for v in m.groups())
    rgb = np.frombuffer(data[m.end():], "u1" if maxval < 256 else ">u2").reshape(h, w, 3).astype(np.uint64)
    if 8 < depth < 16:
        rgb = (rgb * ((1 << depth) - 1) + 32767) // 65535
    return np.stack([rgb[..., 1], rgb[..., 2], rgb[..., 0]]).astype("<u2")


class Item:
    def __init__(self, name, planes, depth, tmp, ffmpeg):
        self.name, self.depth = name, depth
        self.planes = (planes >> (16 - depth)).astype("<u2")
        self.pix = f"gbrp{depth}le" if depth > 8 else "gbrp"
        self.h, self.w = self.planes.shape[1:]
        self.samples = self.planes.size
        self.raw = Path(tmp, f"{name}.{depth}.raw")
        self.raw.write_bytes(self.planes.astype("u1" if depth == 8 else "<u2").tobytes())
        self.in_args = ["-f", "rawvideo", "-pix_fmt", self.pix, "-s", f"{self.w}x{self.h}", "-framerate", "1"]
        self.md5 = framemd5(ffmpeg, self.raw, self.pix, self.in_args)[2]


def code_ffmpeg(item, tmp, opt, name, args):
    out = Path(tmp, f"{item.name}.{item.depth}.{name}.mkv")
    enc_s = ffmpeg_run(opt.ffmpeg, "-y", *item.in_args, "-i", item.raw, *args, "-threads", opt.threads, out)[0]
    dec_s, _, got = framemd5(opt.ffmpeg, out, item.pix, (), opt.threads)
    if got != item.md5:
        raise Failure(f"MISMATCH: {item.name} at {item.depth} bits through {name}")
    return out.stat().st_size, enc_s, dec_s


def code_png(item, tmp, opt):
    g, b, r = item.planes
    src = Path(tmp, f"{item.name}.{item.depth}.rgb48")
    src.write_bytes(np.stack([r, g, b], axis=-1).astype("<u2").tobytes())
    png = Path(tmp, f"{item.name}.{item.depth}.png")
    enc_s = ffmpeg_run(opt.ffmpeg, "-y", "-f", "rawvideo", "-pix_fmt", "rgb48le", "-s", f"{item.w}x{item.h}",
                       "-i", src, "-c:v", "png", "-pred", "mixed", "-frames:v", "1", png)[0]
    dec = subprocess.run([opt.ffmpeg, "-v", "error", "-i", png, "-f", "rawvideo", "-pix_fmt", "rgb48le", "-"],
                         capture_output=True, check=True).stdout
    if dec != src.read_bytes():
        raise Failure(f"MISMATCH: {item.name} at {item.depth} bits through png")
    return png.stat().st_size, enc_s, 0.0


def code_jxl(item, tmp, opt):
    src, jxl, dec = (Path(tmp, f"{item.name}.{item.depth}.{s}") for s in ("src.png", "jxl", "dec.ppm"))
    if item.depth == 8:  # (cjxl 0.7 corrupts its heap on a 16-bit PNG with an 8-bit sBIT)
        g, b, r = item.planes
        src = src.with_suffix(".ppm")
        src.write_bytes(f"P6\n{item.w} {item.h}\n255\n".encode() + np.stack([r, g, b], -1).astype("u1").tobytes())
    else:
        src.write_bytes(png_sbit(item.planes, item.depth))
    threads = f"--num_threads={opt.threads}"
    enc_s = run(["cjxl", src, jxl, "-d", "0", "-e", "9", threads, "--quiet"])[0]
    dec_s = run(["djxl", jxl, dec, threads, "--quiet"])[0]
    if not np.array_equal(read_ppm(dec.read_bytes(), item.depth), item.planes):
        raise Failure(f"MISMATCH: {item.name} at {item.depth} bits through jpeg-xl")
    return jxl.stat().st_size, enc_s, dec_s


def codecs(opt):
    x265 = ["-c:v", "libx265", "-x265-params", f"lossless=1:pools={opt.threads}:log-level=error", "-preset", "slow"]
    ffv1 = ["-c:v", "ffv1", "-level", "3", "-coder", "1", "-context", "1", "-g", "1", "-slicecrc", "1"]
    return {
        "lmc_video": lambda it, tmp: code_ffmpeg(it, tmp, opt, "lmc", ["-c:v", "lmc_video"]),
        "ffv1": lambda it, tmp: code_ffmpeg(it, tmp, opt, "ffv1", ffv1),
        "x265": lambda it, tmp: None if it.depth > 12 else code_ffmpeg(it, tmp, opt, "x265", x265),
        "png": lambda it, tmp: code_png(it, tmp, opt),
        "jpeg-xl": lambda it, tmp: code_jxl(it, tmp, opt),
    }


def tables(rows, names, depths):
    cell = {(r["item"], r["depth"], r["codec"]): r for r in rows}
    lines = ["| depth | codec | bytes, 5 crops | bits/sample | vs lmc_video |", "|---:|---|---:|---:|---:|"]
    totals = {}
    for d in depths:
        for n in names:
            mine = [r for r in rows if r["depth"] == d and r["codec"] == n and r["status"] == "ok"]
            if len(mine) != len(ITEMS):
                continue
            size, samples = sum(r["bytes"] for r in mine), sum(r["samples"] for r in mine)
            totals[(d, n)] = size
            base = totals.get((d, "lmc_video"))
            rel = f"{100 * (size / base - 1):+.1f}%" if base and n != "lmc_video" else ""
            lines.append(f"| {d} | {n} | {size} | {8 * size / samples:.3f} | {rel} |")
    per = ["| item | depth | " + " | ".join(names) + " |", "|---|---:|" + "---:|" * len(names)]
    for it in ITEMS:
        for d in depths:
            vals = [str(cell[(it, d, n)].get("bytes", cell[(it, d, n)]["status"])) for n in names]
            per.append(f"| {it} | {d} | " + " | ".join(vals) + " |")
    return "\n".join(lines), "\n".join(per), totals


def plot(totals, names, depths, path, title):
    plt = pyplot()
    if not plt:
        return
    fig, ax = plt.subplots(figsize=(8, 4.5))
    x = np.arange(len(depths))
    width = 0.8 / len(names)
    samples = len(ITEMS) * 64 * 64 * 3
    for i, n in enumerate(names):
        v = [8 * totals[(d, n)] / samples if (d, n) in totals else 0 for d in depths]
        ax.bar(x + (i - (len(names) - 1) / 2) * width, v, width, label=n)
    ax.set_xticks(x, [f"{d}-bit" for d in depths])
    ax.set_ylabel("bits per sample (lower is better)")
    ax.set_title("five cameras' raw crops (raw.pixls.us), lossless")
    ax.legend()
    save_figure(plt, fig, path, title)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--depths", default="8,10,12,16")
    ap.add_argument("--codecs", default="", help="comma-separated codec name prefixes (default: all)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ffmpeg", default=str(ROOT / "build/install/bin/ffmpeg"))
    opt = ap.parse_args()
    command = shlex.join(["/usr/bin/python3", "bench/depth.py", *sys.argv[1:]])
    depths = [int(d) for d in opt.depths.split(",")]
    wanted = [c for c in opt.codecs.split(",") if c]
    coders = {n: f for n, f in codecs(opt).items() if not wanted or any(n.startswith(w) for w in wanted)}
    crops = package_dir("libjxl-testdata") / CROPS
    rows, failures = [], []
    with tempfile.TemporaryDirectory(prefix="lmc-depth-") as tmp:
        for name in ITEMS:
            planes = load(opt.ffmpeg, str(crops / f"{name}.png"))
            for d in depths:
                item = Item(name, planes, d, tmp, opt.ffmpeg)
                for n, code in coders.items():
                    r = {"item": name, "depth": d, "codec": n, "samples": item.samples}
                    try:
                        got = code(item, tmp)
                        r.update({"status": "n/a"} if got is None else
                                 {"status": "ok", "bytes": got[0], "enc_s": round(got[1], 3),
                                  "dec_s": round(got[2], 3)})
                    except Failure as e:
                        failures.append(str(e))
                        r["status"] = "FAILED"
                    rows.append(r)
                    print(f"{name:42s} {d:2d} bit  {n:10s} {r.get('bytes', r['status'])}", flush=True)
    names = list(coders)
    total, per, totals = tables(rows, names, depths)
    print("\n" + total + "\n\n" + per)
    out = ROOT / "bench/results"
    out.mkdir(parents=True, exist_ok=True)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    mach = machine(argparse.Namespace(device=None))
    (out / "depth.json").write_text(json.dumps({"command": command, "date": date, "machine": mach,
                                                "failures": failures, "results": rows}, indent=1) + "\n")
    status = status_text(failures)
    (out / "depth.md").write_text(
        f"# Deep samples: five cameras' raw crops at 8 (for reference), 10, 12 and 16 bits\n\nCommand: `{command}`\n\n"
        f"Date: {date}. Machine: {', '.join(f'{k} {v}' for k, v in mach.items())}.\n\n{status}\n\n"
        f"## Totals (5 crops of 64x64 RGB, 61,440 samples a depth)\n\n{total}\n\n"
        f"## Per crop: bytes\n\n{per}\n\n{__doc__.split('Material: ')[1]}")
    plot(totals, names, depths, out / "depth.png", f"{command}\n{date}")
    print(f"\nwrote {out}/depth.json, .md, .png")
    if failures:
        sys.exit("FAILURES:\n" + "\n".join(failures))


if __name__ == "__main__":
    main()
