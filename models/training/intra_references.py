#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What train_gen.py's learned intra codec is measured against: x264 -preset veryslow
and x265 -preset slow coding the luma of the first frame of every 4:2:0 and gray item
of the test split as a gray image (one intra frame), CRF 10-46.

    /usr/bin/python3 models/training/intra_references.py [--out models/training/logs/gen-intra-references.json]

Bits are the raw stream's (.h264 / .hevc, SEI removed with the filter_units bitstream
filter: x265 writes about 2 KB of settings there), over the image's pixels; PSNR of
the decoded luma. Writes {item: {codec: [[bpp, psnr], ...]}}.
"""
import argparse
import json
import math
import subprocess
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(ROOT / "build/corpus"))
    ap.add_argument("--out", default=str(ROOT / "models/training/logs/gen-intra-references.json"))
    opt = ap.parse_args()
    index = json.loads(Path(opt.corpus, "test", "index.json").read_text())
    res = {}
    for e in index["video"]:
        z = np.load(Path(opt.corpus, "test", "video", e["name"] + ".npz"))
        if str(z["pix_fmt"]) not in ("yuv420p", "gray"):
            continue
        p = z["p0"][0]
        h, w = p.shape
        with tempfile.TemporaryDirectory() as t:
            src = Path(t, "s.y4m")
            src.write_bytes(f"YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 Cmono\nFRAME\n".encode() + p.tobytes())
            for name, (args, ext, bsf) in CODECS.items():
                for crf in CRFS:
                    coded, raw, dec = Path(t, "o.mkv"), Path(t, "o." + ext), Path(t, "d.gray")
                    ff("-i", src, *args, "-crf", crf, "-pix_fmt", "gray", coded)
                    ff("-i", coded, "-c", "copy", "-bsf:v", bsf, "-f", ext, raw)
                    ff("-i", coded, "-f", "rawvideo", "-pix_fmt", "gray", dec)
                    d = np.fromfile(dec, np.uint8).reshape(h, w).astype(np.float64)
                    mse = np.mean((d - p) ** 2)
                    res.setdefault(e["name"], {}).setdefault(name, []).append(
                        [round(8 * raw.stat().st_size / (h * w), 5), round(10 * math.log10(255 ** 2 / max(mse, 1e-12)), 3)])
        print(e["name"], res[e["name"]], flush=True)
    Path(opt.out).write_text(json.dumps(res, indent=1) + "\n")
    print(f"wrote {opt.out}")


if __name__ == "__main__":
    main()
