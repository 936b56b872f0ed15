#!/usr/bin/python3
"""Lossy video benchmark: rate-distortion curves of lmc_gen against x264 and x265.

    /usr/bin/python3 bench/rd.py [--split test] [--items vtest,coffee] [--frames 8] [--gop 8]
        [--clips build/speed_clips/720p-8.y4m ...] [--threads 2] [--ffmpeg build/install/bin/ffmpeg]
        [--name rd]

Every 4:2:0 video item of build/corpus/SPLIT (models/training/corpus.py), and every
.y4m given with --clips (for example the 720p clip that `bench/speed.py --clips
build/speed_clips` makes), is coded at several rates by each codec, with the same
keyframe interval (--gop) and no B-frame restriction:

    lmc_gen        the learned coding: -q:v k, k = 0, 4, 8, ..., 32 (the quantiser)
    lmc_gen near-lossless   -max_error d, d = 1, 2, 4
    + lmc_restore  lmc_gen's and x264's files again, decoded through -vf lmc_restore
    x264           -preset veryslow -crf c, c = 12, 18, 24, 30, 36, 42, 48
    x265           -preset slow -crf c, the same c

Every coded file (.mkv) is decoded by our FFmpeg and compared with its source by
FFmpeg's own filters: psnr (per plane; PSNR-YUV = (6 Y + U + V) / 8, the weighting of
the learned-video-coding literature), ssim and xpsnr, and by MS-SSIM on luma (computed
here: FFmpeg has no MS-SSIM filter). Rate is bits per pixel: file
bits over luma samples (container included). For lmc_gen near-lossless every decoded
sample must lie within max_error of the source; a larger error is reported as a failure.

BD-rate (Bjontegaard: a cubic fit of log rate against PSNR-YUV, integrated over the
PSNR range both curves cover) of lmc_gen against x264 and x265, per item, with each
curve cut to --bpp-range (default 0.02-0.5, issue 18's range; blank where the
curves do not overlap there), and over all points.

Prints the tables and writes bench/results/NAME.{json,md,png}.
"""
import argparse
import re
import shlex
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from video import (ROOT, Failure, exit_on_failures, ffmpeg_run, load_items,  # noqa: E402
                   pyplot, read_y4m, run, save_figure, save_run, write_source)

QUANTISERS = (0, 4, 8, 12, 16, 20, 24, 28, 32)
MAX_ERRORS = (1, 2, 4)
CRFS = (12, 18, 24, 30, 36, 42, 48)
RESTORED = ("lmc_gen", "x264 veryslow")  # also measured through the lmc_restore filter


def codecs(gop, max_errors=MAX_ERRORS, quantisers=QUANTISERS, crfs=CRFS):
    """name -> (list of (knob label, ffmpeg encoder arguments))."""
    return {
        "lmc_gen": [(f"q {k}", ["-c:v", "lmc_gen", "-q:v", k, "-g", gop]) for k in quantisers],
        "lmc_gen near-lossless": [(f"max_error {d}", ["-c:v", "lmc_gen", "-max_error", d, "-g", gop])
                                  for d in max_errors],
        "x264 veryslow": [(f"crf {c}", ["-c:v", "libx264", "-preset", "veryslow", "-crf", c, "-g", gop,
                                        "-keyint_min", gop]) for c in crfs],
        "x265 slow": [(f"crf {c}", ["-c:v", "libx265", "-preset", "slow", "-crf", c,
                                    "-x265-params", f"keyint={gop}:min-keyint={gop}:log-level=error"])
                      for c in crfs],
    }


def quality(ffmpeg, coded, src, threads, vf="null"):
    """(PSNR y, u, v, SSIM all, XPSNR-YUV) of the decoded file (through the filter vf) against the
    source .y4m, by FFmpeg's filters."""
    # Each filter passes its first (decoded) input on: one chain, one output.
    graph = f"[0:v]{vf},format=yuv420p[d];[1:v]format=yuv420p,split=3[s0][s1][s2];[d][s0]psnr[a];[a][s1]ssim[b];[b][s2]xpsnr"
    _, _, err = run([ffmpeg, "-hide_banner", "-nostats", "-threads", threads, "-i", coded, "-i", src,
                     "-filter_complex", graph, "-f", "null", "-"])
    p = re.search(r"PSNR y:([0-9.inf]+) u:([0-9.inf]+) v:([0-9.inf]+)", err)
    s = re.search(r"SSIM .*All:([0-9.]+)", err)
    x = re.search(r"XPSNR\s+y:\s*([0-9.inf]+)\s+u:\s*([0-9.inf]+)\s+v:\s*([0-9.inf]+)", err)
    if not (p and s and x):
        raise Failure(f"no psnr/ssim/xpsnr summary for {coded}: {err.strip()[-400:]}")
    py, pu, pv = (float(v) for v in p.groups())
    xy, xu, xv = (float(v) for v in x.groups())
    return py, pu, pv, float(s.group(1)), (6 * xy + xu + xv) / 8


def decoded_planes(ffmpeg, coded, unit, tmp, vf="null"):
    """The decoded file (through the filter vf) as planes shaped like the unit's."""
    raw = Path(tmp, "decoded.yuv")
    run([ffmpeg, "-v", "error", "-i", coded, "-vf", vf, "-pix_fmt", "yuv420p", "-f", "rawvideo", "-y", raw])
    got = np.fromfile(raw, np.uint8)
    frame = sum(p[0].size for p in unit.planes)
    if got.size != frame * unit.frames:
        raise Failure(f"{coded}: decoded {got.size} samples, the source has {frame * unit.frames}")
    got = got.reshape(unit.frames, frame)
    planes, at = [], 0
    for p in unit.planes:
        planes.append(got[:, at:at + p[0].size].reshape(p.shape))
        at += p[0].size
    return planes


def ms_ssim(a, b):
    """MS-SSIM (Wang, Simoncelli and Bovik 2003: 5 scales, 11x11 Gaussian of sigma 1.5,
    their exponents) of two [h, w] images, 8-bit range."""
    from scipy.ndimage import gaussian_filter
    weights = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    a, b = a.astype(np.float64), b.astype(np.float64)
    value = 1.0
    for s, w in enumerate(weights):
        f = lambda x: gaussian_filter(x, 1.5, truncate=3.5)  # noqa: E731  (11 taps)
        ma, mb = f(a), f(b)
        va, vb, cov = f(a * a) - ma * ma, f(b * b) - mb * mb, f(a * b) - ma * mb
        cs = np.mean((2 * cov + c2) / (va + vb + c2))
        if s == len(weights) - 1:
            value *= np.mean((2 * ma * mb + c1) / (ma * ma + mb * mb + c1)) ** w * max(cs, 0) ** w
        else:
            value *= max(cs, 0) ** w
            h, w_ = (a.shape[0] // 2) * 2, (a.shape[1] // 2) * 2
            a = a[:h, :w_].reshape(h // 2, 2, w_ // 2, 2).mean(axis=(1, 3))
            b = b[:h, :w_].reshape(h // 2, 2, w_ // 2, 2).mean(axis=(1, 3))
    return value


def bd_rate(a, b, lo, hi):
    """Bjontegaard delta rate of curve b against curve a (lists of (bpp, psnr)), in percent,
    with both cut to bpp in [lo, hi]; None where fewer than 2 points or no PSNR overlap."""
    def cut(c):
        c = sorted(p for p in c if lo <= p[0] <= hi and np.isfinite(p[1]))
        return np.array([p[0] for p in c]), np.array([p[1] for p in c])
    (ra, qa), (rb, qb) = cut(a), cut(b)
    if len(ra) < 2 or len(rb) < 2:
        return None
    q0, q1 = max(qa.min(), qb.min()), min(qa.max(), qb.max())
    if q1 <= q0:
        return None
    def integral(r, q):
        deg = min(3, len(r) - 1)
        poly = np.polyint(np.polyfit(q, np.log(r), deg))
        return np.polyval(poly, q1) - np.polyval(poly, q0)
    return 100 * (np.exp((integral(rb, qb) - integral(ra, qa)) / (q1 - q0)) - 1)


def ints(text):
    return [int(v) for v in text.split(",") if v]


def measure(opt, r, coded, src, unit, tmp, vf="null"):
    """Adds the decoded file's (through the filter vf) PSNR, SSIM, XPSNR and MS-SSIM to r; returns its planes."""
    py, pu, pv, ssim, xpsnr = quality(opt.ffmpeg, coded, src, opt.threads, vf)
    r.update(psnr_y=py, psnr_u=pu, psnr_v=pv, psnr_yuv=round((6 * py + pu + pv) / 8, 3), ssim=ssim,
             xpsnr_yuv=round(xpsnr, 3))
    got = decoded_planes(opt.ffmpeg, coded, unit, tmp, vf)
    r["ms_ssim_y"] = round(float(np.mean([ms_ssim(got[0][t], unit.planes[0][t]) for t in range(unit.frames)])), 5)
    return got


def progress(r):
    return (f"{r['item']} {r['codec']} {r['knob']}: {r['bpp']:.4f} bpp, PSNR-YUV {r['psnr_yuv']:.2f} dB, "
            f"XPSNR {r['xpsnr_yuv']:.2f}, SSIM {r['ssim']:.4f}, MS-SSIM Y {r['ms_ssim_y']:.4f}")


def restore_gains(rows, points=3):
    """Per item and codec of RESTORED: BD-rate of codec + lmc_restore against the plain decode over the
    plain codec's `points` lowest rates, in XPSNR-YUV and in MS-SSIM Y (as dB: -10 log10(1 - MS-SSIM))."""
    out = {}
    db = lambda v: -10 * np.log10(max(1 - v, 1e-10))  # noqa: E731
    for item in dict.fromkeys(r["item"] for r in rows):
        for codec in RESTORED:
            plain = sorted((r for r in rows if r["item"] == item and r["codec"] == codec and r["status"] == "ok"),
                           key=lambda r: r["bpp"])[:points]
            knobs = {r["knob"] for r in plain}
            rest = [r for r in rows if r["item"] == item and r["codec"] == f"{codec} + lmc_restore"
                    and r["knob"] in knobs]
            if len(plain) < 2 or len(rest) != len(plain):
                continue
            g = {}
            for metric, f in (("xpsnr", lambda r: r["xpsnr_yuv"]), ("ms_ssim", lambda r: db(r["ms_ssim_y"])),
                              ("psnr", lambda r: r["psnr_yuv"])):
                g[metric] = bd_rate([(r["bpp"], f(r)) for r in plain], [(r["bpp"], f(r)) for r in rest], 0, np.inf)
            g["bpp"] = [r["bpp"] for r in plain]
            out.setdefault(item, {})[codec] = g
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="test")
    ap.add_argument("--items", default="")
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--gop", type=int, default=8)
    ap.add_argument("--clips", nargs="*", default=[])
    ap.add_argument("--codecs", default="", help="comma-separated name prefixes (default: all)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bpp-range", default="0.02,0.5")
    ap.add_argument("--max-errors", default=",".join(map(str, MAX_ERRORS)),
                    help="lmc_gen near-lossless points (comma-separated; empty: none)")
    ap.add_argument("--quantisers", default=",".join(map(str, QUANTISERS)), help="lmc_gen -q:v points")
    ap.add_argument("--crfs", default=",".join(map(str, CRFS)), help="x264 and x265 -crf points")
    ap.add_argument("--corpus", default=str(ROOT / "build/corpus"))
    ap.add_argument("--ffmpeg", default=str(ROOT / "build/install/bin/ffmpeg"))
    ap.add_argument("--name", default="rd")
    ap.add_argument("--no-restore", dest="restore", action="store_false",
                    help="leave out the lmc_restore curves")
    opt = ap.parse_args()
    command = shlex.join(["/usr/bin/python3", "bench/rd.py", *sys.argv[1:]])
    lo, hi = (float(v) for v in opt.bpp_range.split(","))
    names = [n for n in opt.items.split(",") if n]
    units = [u for u in load_items(opt.corpus, opt.split, names, opt.frames) if u.pix == "yuv420p"]
    units += [read_y4m(c, opt.frames) for c in opt.clips]
    wanted = [c for c in opt.codecs.split(",") if c]
    coders = {n: pts for n, pts in codecs(opt.gop, ints(opt.max_errors), ints(opt.quantisers), ints(opt.crfs)).items() if not wanted or any(n.startswith(w) for w in wanted)}

    rows, failures = [], []
    for u in units:
        w, h = (int(v) for v in u.size.split("x"))
        pixels = w * h * u.frames
        with tempfile.TemporaryDirectory(prefix="lmc-rd-") as tmp:
            src = Path(tmp, "source.y4m")
            write_source(u, src)
            for cname, points in coders.items():
                for knob, args in points:
                    coded = Path(tmp, "coded.mkv")
                    r = {"item": u.name, "size": u.size, "frames": u.frames, "codec": cname, "knob": knob}
                    try:
                        enc_s = ffmpeg_run(opt.ffmpeg, "-y", "-i", src, *args, "-threads", opt.threads, coded)[0]
                        r.update(status="ok", bytes=coded.stat().st_size, enc_s=round(enc_s, 3),
                                 bpp=round(8 * coded.stat().st_size / pixels, 5))
                        got = measure(opt, r, coded, src, u, tmp)
                        if knob.startswith("max_error"):
                            d = int(knob.split()[-1])
                            r["max_abs_error"] = max(int(np.abs(g.astype(np.int16) - p.astype(np.int16)).max())
                                                     for g, p in zip(got, u.planes))
                            if r["max_abs_error"] > d:
                                raise Failure(f"{u.name} lmc_gen {knob}: a decoded sample is "
                                              f"{r['max_abs_error']} from the source")
                        if cname in RESTORED and opt.restore:
                            f = dict(r, codec=f"{cname} + lmc_restore")
                            measure(opt, f, coded, src, u, tmp, "lmc_restore")
                            rows.append(f)
                            print(progress(f), flush=True)
                    except Failure as e:
                        failures.append(str(e))
                        print(f"FAILED: {e}", file=sys.stderr, flush=True)
                        r["status"] = "FAILED"
                    rows.append(r)
                    if r["status"] == "ok":
                        print(progress(r), flush=True)

    curves = {}
    for r in rows:
        if r["status"] == "ok":
            curves.setdefault(r["item"], {}).setdefault(r["codec"], []).append((r["bpp"], r["psnr_yuv"]))
    table = ["| item | lmc_gen bpp range | lmc_gen vs x264 veryslow | lmc_gen vs x265 slow | "
             f"vs x264, in {lo}-{hi} bpp | vs x265, in {lo}-{hi} bpp |", "|---|---|---:|---:|---:|---:|"]
    bd = {}
    fmt = lambda v: "" if v is None else f"{v:+.1f}%"  # noqa: E731
    for item, c in curves.items():
        g = c.get("lmc_gen", [])
        b = bd[item] = {ref: {"all": bd_rate(c[ref], g, 0, np.inf) if ref in c and g else None,
                              "range": bd_rate(c[ref], g, lo, hi) if ref in c and g else None}
                        for ref in ("x264 veryslow", "x265 slow")}
        span = f"{min(p[0] for p in g):.3f}-{max(p[0] for p in g):.3f}" if g else ""
        table.append(f"| {item} | {span} | {fmt(b['x264 veryslow']['all'])} | {fmt(b['x265 slow']['all'])} | "
                     f"{fmt(b['x264 veryslow']['range'])} | {fmt(b['x265 slow']['range'])} |")
    gains = restore_gains(rows)
    gain_table = ["| item | codec | lowest three rates (bpp) | BD-rate XPSNR | BD-rate MS-SSIM | BD-rate PSNR-YUV |",
                  "|---|---|---|---:|---:|---:|"]
    for item, per in gains.items():
        for codec, g in per.items():
            gain_table.append(f"| {item} | {codec} | {', '.join(f'{b:.3f}' for b in g['bpp'])} | {fmt(g['xpsnr'])} | "
                              f"{fmt(g['ms_ssim'])} | {fmt(g['psnr'])} |")
    points = ["| item | codec | knob | bpp | PSNR-YUV | PSNR Y | XPSNR-YUV | SSIM | MS-SSIM Y | encode s |",
              "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r["status"] == "ok":
            points.append(f"| {r['item']} | {r['codec']} | {r['knob']} | {r['bpp']:.4f} | {r['psnr_yuv']:.2f} | "
                          f"{r['psnr_y']:.2f} | {r['xpsnr_yuv']:.2f} | {r['ssim']:.4f} | {r['ms_ssim_y']:.4f} | {r['enc_s']:.2f} |")
    text = "\n".join(table)
    print("\nBD-rate (PSNR-YUV; negative: lmc_gen smaller at equal quality)\n" + text)
    restore_text = "\n".join(gain_table)
    if gains:
        print("\nlmc_restore against the plain decode (negative: the filter saves that much rate)\n" + restore_text)
    stem, date, where = save_run(opt.name, None, command, rows, failures, threads=opt.threads, bd_rate=bd,
                                 restore_bd_rate=gains)
    status = ("Every point decoded by our FFmpeg; every lmc_gen decode within its max_error." if not failures
              else "**FAILURES:**\n\n" + "\n".join(f"- {f}" for f in failures))
    Path(f"{stem}.md").write_text(
        f"# Lossy video: lmc_gen against x264 and x265\n\nCommand: `{command}`\n\n"
        f"Date: {date}. Machine: {where}; {opt.threads} threads; {opt.frames} frames, keyframe interval "
        f"{opt.gop}.\n\n{status}\n\n## BD-rate (PSNR-YUV; negative: lmc_gen smaller at equal quality)\n\n"
        f"{text}\n\n## lmc_restore against the plain decode\n\nBD-rate of the decode through "
        f"`-vf lmc_restore` against the plain decode of the same files, over each codec's three lowest rates "
        f"(negative: the filter gives that quality for that much less rate).\n\n{restore_text}\n\n## Points\n\n" + "\n".join(points) + "\n\nEvery 4:2:0" +
        __doc__.split("Every 4:2:0")[1].split("Prints the tables")[0].rstrip() + "\n")
    plot(curves, f"{stem}.png", f"{command}\n{date}")
    print(f"\nwrote {stem}.json, .md, .png")
    exit_on_failures(failures)


def plot(curves, path, title):
    plt = pyplot()
    if not plt or not curves:
        return
    n = len(curves)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 4), squeeze=False)
    for ax, (item, c) in zip(axes[0], curves.items()):
        for cname, pts in c.items():
            pts = sorted(pts)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3, label=cname)
        ax.set_xscale("log")
        ax.set_xlabel("bits per pixel (log)")
        ax.set_ylabel("PSNR-YUV (dB)")
        ax.set_title(item, fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    save_figure(plt, fig, path, title)


if __name__ == "__main__":
    main()
