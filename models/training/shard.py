#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Cuts a corpus down to a shard that fits one GPU call.

    python3 models/training/shard.py [--corpus build/corpus] [--out build/shard] \
        [--seed N] [--budget train=38,val=4]

The corpus (models/training/corpus.py) is larger than what travels to the GPU machine
(64 MiB with the working tree), and that machine cannot build it (no network). So
each GPU call carries a shard: every item of a split, cropped to a random window (the
same share of its width and height for every item, chosen so that the split's .npz
files come to about its budget in MB). Every frame of a sequence is kept, so
consecutive frames stay consecutive and motion is unchanged. Another --seed gives other
training windows: a training run that resumes over several calls (train_video.py
--resume --stop-after) sees another part of every item each time, and is validated
on the same windows every time.

The shard has the corpus's layout (SPLIT/index.json, SPLIT/video/NAME.npz), so every
trainer reads it as it reads the corpus.
"""
import argparse
import json
import math
import os
import sys
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import save_npz  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SUBSAMPLED = {"yuv420p": (1, 1), "yuv422p": (1, 0)}  # log2 chroma subsampling (x, y)


def crop_item(job):
    src, dst, share, seed = job
    z = np.load(src)
    fmt = str(z["pix_fmt"])
    planes = [z[k] for k in sorted(k for k in z.files if k[0] == "p" and k[1:].isdigit())]
    T, h, w = planes[0].shape
    rng = np.random.default_rng(seed)
    cw, ch = max(32, int(w * share)) & ~1, max(32, int(h * share)) & ~1
    cw, ch = min(cw, w & ~1), min(ch, h & ~1)
    x0 = int(rng.integers(0, (w - cw) // 2 + 1)) * 2
    y0 = int(rng.integers(0, (h - ch) // 2 + 1)) * 2
    sx, sy = SUBSAMPLED.get(fmt, (0, 0))
    out = {}
    for i, p in enumerate(planes):
        if i == 0 or (sx, sy) == (0, 0):
            out["p%d" % i] = np.ascontiguousarray(p[:, y0:y0 + ch, x0:x0 + cw])
        else:
            out["p%d" % i] = np.ascontiguousarray(p[:, y0 >> sy:(y0 + ch) >> sy, x0 >> sx:(x0 + cw) >> sx])
    save_npz(dst, dict(pix_fmt=np.array(fmt), **out))
    return {"size": [cw, ch], "window": [x0, y0], "samples": int(sum(a.size for a in out.values()))}


def shard_split(corpus, out, split, budget_mb, seed, procs):
    idx = json.load(open(os.path.join(corpus, split, "index.json")))
    vdir = os.path.join(corpus, split, "video")
    total = sum(os.path.getsize(os.path.join(vdir, it["name"] + ".npz")) for it in idx["video"]) / 1e6
    share = min(1.0, math.sqrt(budget_mb / total))
    os.makedirs(os.path.join(out, split, "video"), exist_ok=True)
    jobs = [(os.path.join(vdir, it["name"] + ".npz"), os.path.join(out, split, "video", it["name"] + ".npz"),
             share, seed * 100003 + k) for k, it in enumerate(idx["video"])]
    items = []
    with Pool(procs) as pool:
        for k, r in enumerate(pool.imap(crop_item, jobs)):
            it = dict(idx["video"][k])
            it.update(r, shard_of=it["size"])
            it["size"] = r["size"]
            items.append(it)
            sys.stdout.write("\r  %s: %d/%d items" % (split, k + 1, len(jobs)))
            sys.stdout.flush()
    got = sum(os.path.getsize(j[1]) for j in jobs) / 1e6
    print("\n  %s: %.1f MB of %.1f MB (windows %.0f%% of each side), %d samples" % (
        split, got, total, 100 * share, sum(it["samples"] for it in items)))
    with open(os.path.join(out, split, "index.json"), "w") as f:
        json.dump({"video": items, "audio": [], "shard": {"seed": seed, "share": share}}, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(REPO, "build", "corpus"))
    ap.add_argument("--out", default=os.path.join(REPO, "build", "shard"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget", default="train=38,val=4", help="MB of .npz per split")
    ap.add_argument("--procs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    for kv in args.budget.split(","):
        split, mb = kv.split("=")
        # only the training windows move with --seed: every call validates on the same samples
        shard_split(args.corpus, args.out, split, float(mb), args.seed if split == "train" else 1, args.procs)


if __name__ == "__main__":
    main()
