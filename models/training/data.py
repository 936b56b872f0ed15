# SPDX-License-Identifier: LGPL-2.1-or-later
"""Loads a corpus split (build/corpus/SPLIT, written by corpus.py) and turns it into
model inputs with lmc_features.py. Items are returned per source so evaluation can
report per source."""
import json
import os
import subprocess
from multiprocessing import Pool

import numpy as np

import lmc_features as lf


def split_index(corpus, split):
    with open(os.path.join(corpus, split, "index.json")) as f:
        return json.load(f)


# Feature sets 3 and 4 training/evaluation codes every KEY_EVERY-th frame of a run as a
# keyframe and the others as inter frames against the previous (lossless, so source) frame.
KEY_EVERY = 8
INTER_FEATURE_SETS = (3, 4)


def _frames_used(path, max_frames, feature_set):
    T = int(np.load(path)["p0"].shape[0])
    if feature_set in INTER_FEATURE_SETS:  # consecutive frames: inter frames need their predecessor
        return list(range(min(T, max_frames or T)))
    if not max_frames or T <= max_frames:
        return list(range(T))
    return [int(t) for t in np.linspace(0, T - 1, max_frames).round().astype(int)]


def video_job(path, fmt, sel, feature_set, flip=False, fine_motion=False):
    """One unit of feature work for _video_frames (a few frames of one item), picklable.
    fine_motion: inter frames aligned as liblmc 0.7 codes them (quarter-sample vectors read with
    the Catmull-Rom taps in full-resolution planes, split blocks: format.md 7.5, 7.6); else
    whole-sample vectors on 16x16 blocks."""
    return (path, fmt, sel, feature_set, flip, fine_motion)


def _video_frames(args):
    path, fmt, sel, feature_set, flip, fine_motion = args
    z = np.load(path)
    planes = [z["p%d" % i] for i in range(len(lf.PLANE_CLASS[fmt]))]
    if flip:  # augmentation: the mirrored clip is new data to a causal predictor
        planes = [np.ascontiguousarray(p[:, :, ::-1]) for p in planes]
    if fmt == "gbrp":  # liblmc 0.14 codes 8-bit RGB as G and differences to G (format.md 7.10)
        planes, fmt = lf.subtract_green(planes), "yuv444p"
    fs, ys, base = [], [], 0.0
    for t in sel:
        fr = [p[t] for p in planes]
        if feature_set in INTER_FEATURE_SETS:
            prev = [p[t - 1] for p in planes] if t % KEY_EVERY else None
            per_plane = lf.video_frame_features(fr, fmt, prev, subpel=fine_motion, split=fine_motion,
                                                sharp=fine_motion, wide=feature_set == 4)
        else:
            per_plane = lf.video_plane_features(fr, fmt)
        for f, y in per_plane:
            fs.append(f)
            ys.append(y)
        base += lf.med_residual_entropy_bits(fr)
    return np.concatenate(fs), np.concatenate(ys), base


def video_split(corpus, split, max_frames=0, max_items=0, procs=None, feature_set=1, flip=False,
                fine_motion=False):
    """Returns list of dicts: name, source, pix_fmt, X int8 [M, inputs], Y uint8 [M], base_bits.
    With flip, every item comes twice: as stored and mirrored left to right. fine_motion: see
    video_job."""
    idx = split_index(corpus, split)["video"]
    if max_items:
        idx = idx[:max_items]
    # jobs of a few frames each, so that long runs spread over the cores (motion search is slow)
    jobs, owner = [], []
    for k, it in enumerate(idx):
        path = os.path.join(corpus, split, "video", it["name"] + ".npz")
        sel = _frames_used(path, max_frames, feature_set)
        for mirrored in ([False, True] if flip else [False]):
            for i in range(0, len(sel), 3):
                jobs.append(video_job(path, it["pix_fmt"], sel[i:i + 3], feature_set, mirrored, fine_motion))
                owner.append(k)
    with Pool(procs or min(len(jobs), os.cpu_count() or 1)) as pool:
        parts = pool.map(_video_frames, jobs)
    res = []
    for k in range(len(idx)):
        mine = [r for o, r in zip(owner, parts) if o == k]
        res.append((np.concatenate([r[0] for r in mine]), np.concatenate([r[1] for r in mine]),
                    sum(r[2] for r in mine)))
    out = []
    for it, (X, Y, base) in zip(idx, res):
        out.append({"name": it["name"], "source": it["name"].split(".")[0], "pix_fmt": it["pix_fmt"],
                    "X": X, "Y": Y, "base_bits": base})
    return out


def _audio_clip(args):
    a, block, with_baseline, k_offset = args
    d = lf.audio_clip_features(a, block, k_offset)
    if with_baseline:
        d["rice_bits"] = lf.rice_baseline_bits(a, block)
    return d


# Rows of lmc-audio-rows (codec_core/tools/lmc_audio_rows.cpp): the adaptive
# tool's inputs and symbols as liblmc's encoder makes them (docs/format.md 8.1).
AUDIO_ROW = np.dtype([("f", "i1", lf.AUDIO_F), ("v", "u1"), ("k", "u1"), ("u", "<u8")])
AUDIO_ROWS_TOOL = os.environ.get("LMC_AUDIO_ROWS", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "lmc", "codec_core", "lmc-audio-rows"))
AUDIO_ROWS_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "audio-s.lmcm")


def _audio_clip_rows(args):
    a, rate, with_baseline = args
    a = a if a.ndim == 2 else a[:, None]
    out = subprocess.run([AUDIO_ROWS_TOOL, AUDIO_ROWS_MODEL, str(a.shape[1]), str(rate)],
                         input=np.ascontiguousarray(a, dtype="<i2").tobytes(), capture_output=True, check=True)
    r = np.frombuffer(out.stdout, AUDIO_ROW)
    # Side information, roughly: a packet's fixed bytes and 3 bytes a channel
    # (mode, shift, k0; LPC coefficients not counted).
    blocks = -(-len(a) // 16384)
    d = {"feats": np.array(r["f"]), "v": np.array(r["v"]), "u": r["u"].astype(np.int64),
         "kk": r["k"].astype(np.int64), "side_bits": blocks * (lf.PACKET_OVERHEAD_BITS + 24 * a.shape[1])}
    if with_baseline:
        d["rice_bits"] = lf.rice_baseline_bits(a, lf.AUDIO_BLOCK)
    return d


def audio_split(corpus, split, block=lf.AUDIO_BLOCK, max_clips=0, with_baseline=False, procs=None,
                k_offset=lf.K_OFFSET, rows="python"):
    """Returns list of dicts: key, source, rate, channels, feats, v, u, kk, side_bits[, rice_bits].
    rows: "python" for the features of format.md 8 (lmc_features.py, liblmc 0.9's
    streams), "codec" for those of the adaptive tool (8.1) from lmc-audio-rows."""
    idx = split_index(corpus, split)["audio"]
    if max_clips:
        idx = idx[:max_clips]
    z = np.load(os.path.join(corpus, split, "audio.npz"))
    if rows == "codec":
        jobs = [(z[c["key"]], c["rate"], with_baseline) for c in idx]
        work = _audio_clip_rows
    else:
        jobs = [(z[c["key"]], block, with_baseline, k_offset) for c in idx]
        work = _audio_clip
    with Pool(procs or min(len(jobs), os.cpu_count() or 1)) as pool:
        res = pool.map(work, jobs, chunksize=4)
    out = []
    for c, d, (a, *_) in zip(idx, res, jobs):
        d.update(key=c["key"], source=c["key"].split("/")[0], rate=c["rate"], channels=c["channels"],
                 nsamples=int(a.size), pcm=a)
        out.append(d)
    return out
