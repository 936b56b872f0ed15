#!/usr/bin/python3
"""lmc_video against FFV1 and x264 lossless on the test split (build/corpus/test).

Every item is coded through the built ffmpeg, decoded, and compared frame by
frame with framemd5; a mismatch fails the run. Prints a table and writes
bench/results/video_test_split.md (and .json).

    /usr/bin/python3 bench/video_test_split.py [--corpus build/corpus/test] [--threads 2]
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FFMPEG = ROOT / "build/install/bin/ffmpeg"
FFMPEG_PIX = {"gray": "gray", "yuv420p": "yuv420p", "yuv422p": "yuv422p", "yuv444p": "yuv444p", "gbrp": "gbrp"}

CODECS = {
    "lmc_video": ["-c:v", "lmc_video"],
    "ffv1": ["-c:v", "ffv1", "-level", "3", "-coder", "1", "-context", "1", "-g", "1"],
    "x264 -qp 0": ["-c:v", "libx264", "-qp", "0", "-preset", "veryslow"],
}
X264_PIX = {"gray", "yuv420p", "yuv422p", "yuv444p"}


def ffmpeg(*args):
    subprocess.run([str(FFMPEG), "-hide_banner", "-loglevel", "error", "-y", *map(str, args)], check=True)


def framemd5(path, pix, raw_args=()):
    out = subprocess.run([str(FFMPEG), "-hide_banner", "-loglevel", "error", *raw_args, "-i", str(path),
                          "-pix_fmt", pix, "-f", "framemd5", "-"], check=True, capture_output=True, text=True).stdout
    return [line.split(",")[-1].strip() for line in out.splitlines() if line and not line.startswith("#")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT / "build/corpus/test"))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    items = sorted(Path(args.corpus, "video").glob("*.npz"))
    if not items:
        sys.exit(f"no test split in {args.corpus}: run /usr/bin/python3 models/training/corpus.py first")
    rows, totals, failed = [], {c: 0 for c in CODECS}, False
    totals_raw = 0
    with tempfile.TemporaryDirectory() as tmp:
        for item in items:
            z = np.load(item)
            pix = str(z["pix_fmt"])
            planes = [z[k] for k in ("p0", "p1", "p2") if k in z.files]
            frames, h, w = planes[0].shape
            raw = Path(tmp, item.stem + ".raw")
            with open(raw, "wb") as f:
                for i in range(frames):
                    for p in planes:
                        f.write(p[i].tobytes())
            raw_size = raw.stat().st_size
            raw_args = ["-f", "rawvideo", "-pix_fmt", FFMPEG_PIX[pix], "-s", f"{w}x{h}", "-framerate", "25"]
            want = framemd5(raw, FFMPEG_PIX[pix], raw_args)
            row = {"item": item.stem, "pix_fmt": pix, "size": f"{w}x{h}", "frames": frames, "raw": raw_size}
            for name, codec_args in CODECS.items():
                if name.startswith("x264") and pix not in X264_PIX:
                    row[name] = None
                    continue
                out = Path(tmp, f"{item.stem}.{name.split()[0]}.mkv")
                t0 = time.time()
                ffmpeg(*raw_args, "-i", raw, *codec_args, "-threads", args.threads, out)
                t1 = time.time()
                got = framemd5(out, FFMPEG_PIX[pix])
                t2 = time.time()
                if got != want:
                    print(f"MISMATCH: {item.stem} through {name}", file=sys.stderr)
                    failed = True
                row[name] = {"bytes": out.stat().st_size, "enc_s": round(t1 - t0, 2), "dec_s": round(t2 - t1, 2)}
            rows.append(row)
            totals_raw += raw_size
            for name in CODECS:
                if row[name]:
                    totals[name] += row[name]["bytes"]
            print(f"{item.stem:20s} {pix:8s} " + "  ".join(
                f"{n}: {row[n]['bytes']:9d}" if row[n] else f"{n}: {'-':>9s}" for n in CODECS), flush=True)

    lines = ["| item | format | frames | raw bytes | " + " | ".join(f"{n} bytes (bits/sample)" for n in CODECS) + " |",
             "|---|---|---|---|" + "---|" * len(CODECS)]
    for r in rows:
        cells = []
        for n in CODECS:
            cells.append(f"{r[n]['bytes']} ({8 * r[n]['bytes'] / r['raw']:.3f})" if r[n] else "n/a")
        lines.append(f"| {r['item']} | {r['pix_fmt']} {r['size']} | {r['frames']} | {r['raw']} | " + " | ".join(cells) + " |")
    both = [r for r in rows if r["x264 -qp 0"]]
    lines.append(f"| **total** | | | {totals_raw} | " + " | ".join(
        f"**{totals[n]}** ({8 * totals[n] / totals_raw:.3f})" if n != "x264 -qp 0" else
        f"{totals[n]} over {len(both)} items" for n in CODECS) + " |")
    ratio = totals["lmc_video"] / totals["ffv1"]
    lines.append("")
    lines.append(f"lmc_video total / FFV1 total = {ratio:.3f} ({(1 - ratio) * 100:+.1f}% smaller). "
                 "Every file was decoded and matched the source frame by frame (framemd5)."
                 if not failed else "DECODE MISMATCH: see stderr")
    table = "\n".join(lines)
    print("\n" + table)
    out_dir = ROOT / "bench/results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "video_test_split.md").write_text(
        "# lmc_video vs FFV1 and x264 lossless on the test split\n\n"
        f"Command: `/usr/bin/python3 bench/video_test_split.py --threads {args.threads}`\n\n" + table + "\n")
    (out_dir / "video_test_split.json").write_text(json.dumps(rows, indent=1))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
