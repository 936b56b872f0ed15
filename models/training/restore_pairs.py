#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Training pairs for the lmc_restore network (train_restore.py): frames of the train
split coded at low rates by x264 (-preset veryslow, the lowest CRFs of bench/rd.py) and
by lmc_gen, decoded by our FFmpeg, next to their sources:

    /usr/bin/python3 models/training/restore_pairs.py [--corpus build/corpus]
        [--ffmpeg build/install/bin/ffmpeg] [--frames 6] [--out build/restore_pairs.npz]

Items: the train split's yuv420p items and its gray items (neutral chroma), the first
--frames frames of each (consecutive, so the recurrent input sees real motion; the
mire-2 runs, one synthetic chart filmed four times, 2 frames), and the sources of
EXTRA (photos and clips of the extracted Debian packages in build/downloads/x that the
corpus does not use, none of a test item's source, each scaled down 2x to hide its own
coding artefacts), coded with the keyframe interval of bench/rd.py (8). The
validation split's items are coded too (every frame cut to 448 x 448 at most, so that
the file, about 45 MB, can travel to the GPU machine), to measure how the network does on what it
was not trained on. One .npz: for each item i, src_i [T, 6, h/2, w/2]
(gen_net.pack_yuv420's planes, uint8) and dec_i_V per coding V; val_src_i and
val_dec_i_V likewise. The test split is never read.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CODINGS = {  # name -> ffmpeg encoder arguments
    "x264_crf36": ["-c:v", "libx264", "-preset", "veryslow", "-crf", "36", "-g", "8", "-keyint_min", "8"],
    "x264_crf42": ["-c:v", "libx264", "-preset", "veryslow", "-crf", "42", "-g", "8", "-keyint_min", "8"],
    "x264_crf48": ["-c:v", "libx264", "-preset", "veryslow", "-crf", "48", "-g", "8", "-keyint_min", "8"],
    "lmc_gen_q32": ["-c:v", "lmc_gen", "-q:v", "32", "-g", "8"],
}


X = "build/downloads/x"
OPENCV = X + "/opencv-doc/usr/share/doc/opencv-doc/examples/data"
MECA = X + "/python3-mecavideo/usr/share/pymecavideo/data/video"
# glob -> frames; renders, charts and drawings of opencv's data are left out
EXTRA = {OPENCV + "/*.jpg": 1, OPENCV + "/*.png": 1, OPENCV + "/tree.avi": 6, OPENCV + "/Megamind.avi": 6,
         MECA + "/Force_constante.avi": 6, MECA + "/Principe_inertie.avi": 6, MECA + "/g1.avi": 6,
         MECA + "/retroMars2018.avi": 6, MECA + "/balle1-vp9.avi": 6}
EXCLUDE = ("Suzanne", "Logo", "ellipses", "pca_test", "chessboard", "board", "pic", "box", "text_",
           "graf", "lena", "templ", "mask", "ml.png", "notes", "calib", "cards", "smarties", "sudoku", "gradient")


def corpus_items(corpus, split, frames):
    index = json.loads(Path(corpus, split, "index.json").read_text())
    for e in index["video"]:
        z = np.load(Path(corpus, split, "video", e["name"] + ".npz"))
        fmt = str(z["pix_fmt"])
        if fmt not in ("yuv420p", "gray"):
            continue
        y = z["p0"][:2 if e["name"].startswith("mire") else frames]
        h, w = y.shape[1] // 2 * 2, y.shape[2] // 2 * 2
        y = y[:, :h, :w]
        if fmt == "gray":
            u = v = np.full((len(y), h // 2, w // 2), 128, np.uint8)
        else:
            u, v = z["p1"][:len(y), :h // 2, :w // 2], z["p2"][:len(y), :h // 2, :w // 2]
        yield e["name"], y, u, v


def extra_items(ffmpeg):
    """EXTRA's sources, decoded by our FFmpeg, scaled down 2x (area), as yuv420p planes."""
    for pattern, frames in EXTRA.items():
        for path in sorted(Path().glob(pattern)):
            if any(x in path.name for x in EXCLUDE):
                continue
            probe = subprocess.run([str(Path(ffmpeg).with_name("ffprobe")), "-v", "error", "-select_streams", "v:0",
                                    "-show_entries", "stream=width,height", "-of", "csv=p=0", path],
                                   capture_output=True, text=True).stdout.split(",")
            w, h = int(probe[0]) // 4 * 2, int(probe[1]) // 4 * 2
            if min(w, h) < 128:
                continue
            raw = subprocess.run([ffmpeg, "-v", "error", "-i", path, "-frames:v", str(frames), "-vf",
                                  f"scale={w}:{h}:flags=area,format=yuv420p", "-f", "rawvideo", "-"],
                                 capture_output=True).stdout
            f = np.frombuffer(raw, np.uint8)
            f = f[:len(f) // (w * h * 3 // 2) * (w * h * 3 // 2)].reshape(-1, w * h * 3 // 2)
            if not len(f):
                continue
            n = w * h
            yield (path.stem, f[:, :n].reshape(-1, h, w), f[:, n:n * 5 // 4].reshape(-1, h // 2, w // 2),
                   f[:, n * 5 // 4:].reshape(-1, h // 2, w // 2))


MAX_HALF = 224  # frames are cut to 448 x 448 at most (top left): the file must travel to the GPU machine


def pack(y, u, v):
    """[T, h, w] planes -> [T, 6, h/2, w/2] uint8: the four luma phases, U, V (cut to MAX_HALF)."""
    lum = [y[:, i::2, j::2] for i in (0, 1) for j in (0, 1)]
    return np.stack(lum + [u, v], 1)[:, :, :MAX_HALF, :MAX_HALF]


def code(ffmpeg, y, u, v, args, tmp):
    T, h, w = y.shape
    src, coded = Path(tmp, "src.y4m"), Path(tmp, "coded.mkv")
    with open(src, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg\n".encode())
        for t in range(T):
            f.write(b"FRAME\n" + y[t].tobytes() + u[t].tobytes() + v[t].tobytes())
    base = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run(base + ["-i", src] + args + [coded], check=True)
    raw = subprocess.run(base + ["-i", coded, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
                         check=True, capture_output=True).stdout
    f = np.frombuffer(raw, np.uint8).reshape(T, -1)
    n = h * w
    return (f[:, :n].reshape(T, h, w), f[:, n:n * 5 // 4].reshape(T, h // 2, w // 2),
            f[:, n * 5 // 4:].reshape(T, h // 2, w // 2))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="build/corpus")
    ap.add_argument("--ffmpeg", default="build/install/bin/ffmpeg")
    ap.add_argument("--frames", type=int, default=6)
    ap.add_argument("--out", default="build/restore_pairs.npz")
    opt = ap.parse_args()
    arrays, t0 = {}, time.time()
    sets = (("", list(corpus_items(opt.corpus, "train", opt.frames)) + list(extra_items(opt.ffmpeg))),
            ("val_", list(corpus_items(opt.corpus, "val", opt.frames))))
    with tempfile.TemporaryDirectory() as tmp:
        for prefix, group in sets:
            for i, (name, y, u, v) in enumerate(group):
                arrays[f"{prefix}src_{i}"] = pack(y, u, v)
                for c, args in CODINGS.items():
                    arrays[f"{prefix}dec_{i}_{c}"] = pack(*code(opt.ffmpeg, y, u, v, args, tmp))
                print(f"[{time.time() - t0:5.0f} s] {prefix}{name}: {len(y)} frames {y.shape[2]}x{y.shape[1]}",
                      flush=True)
    np.savez_compressed(opt.out, codings=np.array(list(CODINGS)), **arrays)
    print(f"wrote {opt.out} ({Path(opt.out).stat().st_size} bytes)")


if __name__ == "__main__":
    sys.exit(main())
