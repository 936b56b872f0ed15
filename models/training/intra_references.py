#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What train_gen.py's learned intra codec is measured against: x264 -preset veryslow
and x265 -preset slow coding the first frame of every 4:2:0 item of the test split as
one intra frame (yuv420p), CRF 10-46, and the BD-rate of a train_gen.py evaluation
against them.

    /usr/bin/python3 models/training/intra_references.py [--out models/training/logs/gen-intra-references.json]
    /usr/bin/python3 models/training/intra_references.py --compare models/training/logs/gen-i_eval.json

Bits are the raw stream's (.h264 / .hevc, SEI removed with the filter_units bitstream
filter: x265 writes about 2 KB of settings there), over the luma pixels; quality is
PSNR-YUV as train_gen.py measures it: the MSE over every Y, U and V sample together.
Writes {item: {codec: [[bpp, psnr_yuv], ...]}}. --compare prints, per item, the
BD-rate (bench/rd.py's bd_rate, PSNR-YUV, over 0.02-0.5 bpp and over all points) of
the evaluation's curve against each reference.
"""
import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
FF = str(ROOT / "build/install/bin/ffmpeg")
CRFS = (10, 16, 22, 28, 34, 40, 46)
CODECS = {
    "x264": (["-c:v", "libx264", "-preset", "veryslow"], "h264", "filter_units=remove_types=6"),
    "x265": (["-c:v", "libx265", "-preset", "slow", "-x265-params", "log-level=error"], "hevc",
             "filter_units=remove_types=39|40"),
}


def ff(*args):
    subprocess.run([FF, "-v", "error", "-y", *map(str, args)], check=True)


def references(corpus):
    index = json.loads(Path(corpus, "test", "index.json").read_text())
    res = {}
    for e in index["video"]:
        z = np.load(Path(corpus, "test", "video", e["name"] + ".npz"))
        if str(z["pix_fmt"]) != "yuv420p":
            continue
        planes = [z[f"p{i}"][0] for i in range(3)]
        h, w = planes[0].shape
        name = f"{e['name']}#0"
        with tempfile.TemporaryDirectory() as t:
            src = Path(t, "s.y4m")
            src.write_bytes(f"YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg\nFRAME\n".encode() +
                            b"".join(p.tobytes() for p in planes))
            for cname, (args, ext, bsf) in CODECS.items():
                for crf in CRFS:
                    coded, raw, dec = Path(t, "o.mkv"), Path(t, "o." + ext), Path(t, "d.yuv")
                    ff("-i", src, *args, "-crf", crf, "-pix_fmt", "yuv420p", coded)
                    ff("-i", coded, "-c", "copy", "-bsf:v", bsf, "-f", ext, raw)
                    ff("-i", coded, "-f", "rawvideo", "-pix_fmt", "yuv420p", dec)
                    d = np.fromfile(dec, np.uint8).astype(np.float64)
                    s = np.concatenate([p.ravel() for p in planes]).astype(np.float64)
                    mse = np.mean((d - s) ** 2)
                    res.setdefault(name, {}).setdefault(cname, []).append(
                        [round(8 * raw.stat().st_size / (h * w), 5), round(10 * math.log10(255 ** 2 / max(mse, 1e-12)), 3)])
        print(name, res[name], flush=True)
    return res


def compare(refs, eval_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from rd import bd_rate  # noqa: E402
    ev = json.loads(Path(eval_path).read_text())["test"]
    print("| item | vs x264 intra, 0.02-0.5 bpp | vs x264 intra, all | vs x265 intra, 0.02-0.5 bpp | vs x265 intra, all |")
    print("|---|---:|---:|---:|---:|")
    for item, pts in ev.items():
        ours = [(p["bpp"], p["psnr_yuv"]) for p in pts]
        cells = []
        for c in ("x264", "x265"):
            for lo, hi in ((0.02, 0.5), (0, 1e9)):
                v = bd_rate(refs[item][c], ours, lo, hi)
                cells.append("" if v is None else f"{v:+.0f}%")
        print(f"| {item} | " + " | ".join(cells) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(ROOT / "build/corpus"))
    ap.add_argument("--out", default=str(ROOT / "models/training/logs/gen-intra-references.json"))
    ap.add_argument("--compare", help="a train_gen.py NAME_eval.json: BD-rate against the references in --out")
    opt = ap.parse_args()
    if opt.compare:
        compare(json.loads(Path(opt.out).read_text()), opt.compare)
        return
    res = references(opt.corpus)
    Path(opt.out).write_text(json.dumps(res, indent=1) + "\n")
    print(f"wrote {opt.out}")


if __name__ == "__main__":
    main()
