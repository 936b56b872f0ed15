#!/usr/bin/python3
"""Speed benchmark: lmc_video encode and decode frames/s at CIF, 720p and 1080p 4:2:0,
beside FFV1 and x264 lossless on the same clips.

    /usr/bin/python3 bench/speed.py [--frames 8] [--sizes cif,720p,1080p] [--threads 2]
        [--device cuda] [--codecs lmc,ffv1,x264] [--peak-tops T] [--ffmpeg build/install/bin/ffmpeg]
        [--clips build/speed_clips]

Clips: python3-imageio's cockatoo.mp4 (Debian, pinned in bench/debs.py; 1280x720, a
real camera clip, H.264), decoded with our ffmpeg and scaled (lanczos) to 352x288,
kept at 1280x720 and scaled up to 1920x1080; the first --frames frames, 4:2:0. No
1080p camera clip is among the project's sources: the scaled-up one has 720p's
detail, so lmc_video's skip blocks and model see an easier picture than a native
1080p camera would give (speed, not size, is measured here).

Every codec encodes the y4m through ffmpeg and decodes the file to framemd5, which
must equal the source's (bit-exact, or the script exits non-zero). Speed: frames /
ffmpeg's own -benchmark time of its transcode loop (process start-up, which loads
LibTorch, left out), --threads threads for every codec (lmc_video `-threads`, FFV1
slices and threads, x264 and its decoder). lmc_video decodes on --device (its
encoder too). Model arithmetic: multiply-adds per sample (the model file's layers)
x samples per second of decode, every sample of the frames counted (samples in skip
blocks never reach the network, so this is an upper bound); with --peak-tops (the
device's measured int8 peak, tera-ops/s, 2 ops per multiply-add) the share of it.
Prints the table; writes bench/results/speed[_DEVICE].{json,md,png}.
"""
import argparse
import shlex
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from debs import package_dir  # noqa: E402
from video import (ROOT, Failure, exit_on_failures, ffmpeg_run, framemd5, pyplot, save_figure, save_run,  # noqa: E402
                   status_text)

CLIP = "usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4"
SIZES = {"cif": (352, 288), "720p": (1280, 720), "1080p": (1920, 1080)}
MODEL = ROOT / "models/video-s.lmcm"


def model_macs(path):
    """Multiply-adds per sample of an LMCM file's layers (layout: docs/format.md 3)."""
    data = Path(path).read_bytes()
    magic, _, _, _, _, _, nlayers = struct.unpack_from("<4s6I", data, 0)
    assert magic == b"LMCM", path
    pos, macs = 28 + 32, 0
    for _ in range(nlayers):
        n_in, n_out, _, _ = struct.unpack_from("<4I", data, pos)
        macs += n_in * n_out
        pos += 16 + n_in * n_out + 4 * n_out
    return macs


def codec_args(name, opt):
    device = ["-device", opt.device] if opt.device else []
    return {
        "lmc_video": (["-c:v", "lmc_video", "-model", MODEL, *device], ["-model_dir", MODEL.parent, *device]),
        "ffv1": (["-c:v", "ffv1", "-level", "3", "-coder", "1", "-context", "1", "-g", "1",
                  "-slices", "4", "-slicecrc", "1"], []),
        "x264": (["-c:v", "libx264", "-qp", "0", "-preset", "veryslow"], []),
    }[name]


def make_clip(ffmpeg, src, size, frames, tmp, keep=None):
    """The clip as y4m and its framemd5; with keep, read from or written to keep/SIZE-FRAMES.y4m."""
    w, h = SIZES[size]
    out = Path(keep or tmp, f"{size}-{frames}.y4m")
    if not (keep and out.exists()):
        out.parent.mkdir(parents=True, exist_ok=True)
        ffmpeg_run(ffmpeg, "-y", "-i", src, "-frames:v", frames, "-vf", f"scale={w}:{h}:flags=lanczos",
                   "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", out)
    return out, framemd5(ffmpeg, out, "yuv420p")[2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--sizes", default="cif,720p,1080p")
    ap.add_argument("--codecs", default="lmc_video,ffv1,x264")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default=None, help="-device for lmc_video (cpu, cuda)")
    ap.add_argument("--peak-tops", type=float, default=None, help="the device's measured int8 peak, Tops/s")
    ap.add_argument("--ffmpeg", default=str(ROOT / "build/install/bin/ffmpeg"))
    ap.add_argument("--clips", default=None, help="keep the scaled clips in this folder, and use them when there "
                    "(the GPU machine's FFmpeg takes them made here)")
    opt = ap.parse_args()
    command = shlex.join(["/usr/bin/python3", "bench/speed.py", *sys.argv[1:]])
    sizes = opt.sizes.split(",")
    names = opt.codecs.split(",")
    src = package_dir("python3-imageio") / CLIP
    macs = model_macs(MODEL)
    rows, failures = [], []
    with tempfile.TemporaryDirectory(prefix="lmc-speed-") as tmp:
        for size in sizes:
            clip, want = make_clip(opt.ffmpeg, src, size, opt.frames, tmp, opt.clips)
            w, h = SIZES[size]
            samples = w * h * 3 // 2 * opt.frames
            for name in names:
                enc_args, dec_args = codec_args(name, opt)
                out = Path(tmp, f"{size}.{name}.mkv")
                r = {"size": size, "width": w, "height": h, "frames": opt.frames, "codec": name}
                try:
                    enc_s = ffmpeg_run(opt.ffmpeg, "-y", "-i", clip, *enc_args, "-threads", opt.threads, out)[0]
                    dec_s, _, got = framemd5(opt.ffmpeg, out, "yuv420p", dec_args, opt.threads)
                    if got != want:
                        raise Failure(f"MISMATCH: {size} through {name}: decode differs from the source")
                    r.update(status="ok", bytes=out.stat().st_size, bits_per_sample=round(8 * out.stat().st_size / samples, 3),
                             enc_fps=round(opt.frames / enc_s, 3), dec_fps=round(opt.frames / dec_s, 3))
                    if name == "lmc_video":
                        r["model_gmacs_per_s"] = round(macs * samples / dec_s / 1e9, 3)
                        if opt.peak_tops:
                            r["share_of_int8_peak"] = round(2 * macs * samples / dec_s / (opt.peak_tops * 1e12), 6)
                except Failure as e:
                    failures.append(str(e))
                    r["status"] = "FAILED"
                rows.append(r)
                print(f"{size:6s} {name:10s} " + (f"{r['bytes']:10d} B  enc {r['enc_fps']:8.2f} fps  "
                                                   f"dec {r['dec_fps']:8.2f} fps" if r["status"] == "ok" else r["status"]),
                      flush=True)
    table = ["| clip | codec | bytes | bits/sample | encode fps | decode fps | model GMAC/s (decode) |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r["status"] != "ok":
            table.append(f"| {r['size']} | {r['codec']} | {r['status']} | | | | |")
            continue
        gmacs = r.get("model_gmacs_per_s", "")
        if "share_of_int8_peak" in r:
            gmacs = f"{gmacs} ({100 * r['share_of_int8_peak']:.3f}% of peak)"
        table.append(f"| {r['size']} {r['width']}x{r['height']} | {r['codec']} | {r['bytes']} | "
                     f"{r['bits_per_sample']:.3f} | {r['enc_fps']:.2f} | {r['dec_fps']:.2f} | {gmacs} |")
    table = "\n".join(table)
    print("\n" + table)
    stem, date, where = save_run("speed", opt.device, command, rows, failures, threads=opt.threads,
                                 model_macs_per_sample=macs)
    status = status_text(failures)
    Path(f"{stem}.md").write_text(
        f"# Speed: lmc_video against FFV1 and x264 lossless\n\nCommand: `{command}`\n\nDate: {date}. "
        f"Machine: {where}; {opt.threads} threads.\n\n{status}\n\n{table}\n\n"
        f"Model: {MODEL.name}, {macs} multiply-adds per sample.\n\n{__doc__.split('Clips: ')[1]}")
    plot(rows, names, sizes, f"{stem}.png", f"{command}\n{date}, {where}")
    print(f"\nwrote {stem}.json, .md, .png")
    exit_on_failures(failures)


def plot(rows, names, sizes, path, title):
    plt = pyplot()
    if not plt:
        return
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    x = np.arange(len(sizes))
    width = 0.8 / len(names)
    for ax, key, label in ((axes[0], "dec_fps", "decode"), (axes[1], "enc_fps", "encode")):
        for i, n in enumerate(names):
            v = [next((r[key] for r in rows if r["size"] == s and r["codec"] == n and r["status"] == "ok"), 0)
                 for s in sizes]
            ax.bar(x + (i - (len(names) - 1) / 2) * width, v, width, label=n)
        ax.set_yscale("log")
        ax.set_xticks(x, sizes)
        ax.set_ylabel(f"{label} frames/s (log)")
        ax.set_title(label)
        ax.legend()
    save_figure(plt, fig, path, title)


if __name__ == "__main__":
    main()
