#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fine-tunes a shipped LMC video model on a folder of your own clips (domain adaptation).

    python3 models/training/finetune.py --base models/video-s.lmcm --clips DIR --out my-model.lmcm \\
        [--seconds 120] [--device auto] [--max-frames 48] [--lr 3e-3] [--batch N] [--threads 2]

Every file in DIR that ffmpeg can decode (.y4m, .mp4, .avi, .png, ...) is one clip: its
first --max-frames frames are decoded to raw frames in the clip's own pixel format when
LMC codes it (gray, yuv420p, yuv422p, yuv444p, gbrp), RGB formats as gbrp, other gray
formats as gray, everything else as yuv420p. The last quarter of each clip's frames (at
least one) is held out; single-frame clips (stills) are split the same way as a group.
Features are data.py's for feature set 3 (every data.KEY_EVERY-th frame a keyframe, the
others inter frames against the previous frame, aligned as the codec does since liblmc 0.5:
quarter-sample vectors, split blocks). The QAT model starts as an exact copy of
the base model's integer weights (asserted), keeps its shifts (so the QAT logits stay
exactly the integer model's) and trains for --seconds with Adam, the learning rate
falling from --lr to a tenth of it along a cosine; the export is checked like
train_common.py's (row bounds < 2^24, exported integer logits == QAT logits). Without
ffmpeg on PATH (e.g. a GPU box) only .y4m clips are read.

Writes OUT (same kind, feature set and sizes as the base; a new SHA-256) and OUT's
name with .json (the summary). Then:
    ffmpeg -i in -c:v lmc_video -model my-model.lmcm out.mkv
    ffmpeg -model_dir DIR_WITH_MY_MODEL -i out.mkv ...    (or LMC_MODEL_DIR=...)
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import lmc_features as lf  # noqa: E402
import lmcm  # noqa: E402
import qat  # noqa: E402

HELD_OUT = 0.25


def log(*a):
    print(*a, flush=True)


def target_pix_fmt(src):
    """The pixel format a clip is decoded to (one LMC codes)."""
    if src in lf.PLANE_CLASS:
        return src
    if src.startswith("yuvj") and src.replace("yuvj", "yuv") in lf.PLANE_CLASS:
        return src.replace("yuvj", "yuv")  # same layout, full range
    if src.startswith(("rgb", "bgr", "argb", "abgr", "gbr", "0rgb", "0bgr", "pal8")):
        return "gbrp"
    if src.startswith(("gray", "ya")):
        return "gray"
    return "yuv420p"


def probe(path):
    """(width, height, pix_fmt) of the first video stream, or None if there is none."""
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                        "stream=width,height,pix_fmt", "-of", "json", path], capture_output=True, text=True)
    st = json.loads(r.stdout or "{}").get("streams") if r.returncode == 0 else None
    if not st or not st[0].get("width"):
        return None
    return st[0]["width"], st[0]["height"], st[0].get("pix_fmt", "")


def decode(path, w, h, fmt, max_frames):
    """Raw frames of a clip: list of planes, each uint8 [T, ph, pw]."""
    shapes = [(-(-h // (1 << sy)), -(-w // (1 << sx))) for sx, sy in lf.PLANE_SUBSAMPLING[fmt]]
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0", "-frames:v", str(max_frames),
                          "-f", "rawvideo", "-pix_fmt", fmt, "-"], capture_output=True, check=True).stdout
    fsize = sum(a * b for a, b in shapes)
    T = len(raw) // fsize
    fr = np.frombuffer(raw[:T * fsize], dtype=np.uint8).reshape(T, fsize)
    planes, off = [], 0
    for a, b in shapes:
        planes.append(fr[:, off:off + a * b].reshape(T, a, b))
        off += a * b
    return planes


Y4M_FMT = {"mono": "gray", "420": "yuv420p", "420jpeg": "yuv420p", "420paldv": "yuv420p", "420mpeg2": "yuv420p",
           "422": "yuv422p", "444": "yuv444p"}


def read_y4m(path, max_frames):
    """Fallback where ffmpeg is not installed: 8-bit .y4m only. (w, h, fmt, planes)."""
    with open(path, "rb") as f:
        buf = f.read()
    hdr, _, rest = buf.partition(b"\n")
    tok = {t[:1]: t[1:].decode() for t in hdr.split()[1:]}
    w, h, fmt = int(tok[b"W"]), int(tok[b"H"]), Y4M_FMT[tok.get(b"C", "420jpeg")]
    shapes = [(-(-h // (1 << sy)), -(-w // (1 << sx))) for sx, sy in lf.PLANE_SUBSAMPLING[fmt]]
    frames, off = [], 0
    while off < len(rest) and len(frames) < max_frames:
        off = rest.index(b"\n", off) + 1  # FRAME[ params]\n
        fr = []
        for a, b in shapes:
            fr.append(np.frombuffer(rest, np.uint8, a * b, off).reshape(a, b))
            off += a * b
        frames.append(fr)
    return w, h, fmt, [np.stack([fr[i] for fr in frames]) for i in range(len(shapes))]


def load_clips(clips_dir, max_frames, workdir):
    """Decodes every clip into workdir/NAME.npz (data.py's layout). Returns list of dicts."""
    clips = []
    for name in sorted(os.listdir(clips_dir)):
        path = os.path.join(clips_dir, name)
        if not shutil.which("ffmpeg"):
            if not name.endswith(".y4m"):
                log("skipping %s (no ffmpeg on PATH: only .y4m is read without it)" % name)
                continue
            w, h, fmt, planes = read_y4m(path, max_frames)
            src = fmt
        else:
            info = probe(path) if os.path.isfile(path) else None
            if info is None:
                log("skipping %s (no video stream)" % name)
                continue
            w, h, src = info
            fmt = target_pix_fmt(src)
            planes = decode(path, w, h, fmt, max_frames)
        npz = os.path.join(workdir, "%d.npz" % len(clips))
        np.savez(npz, **{"p%d" % i: p for i, p in enumerate(planes)})
        clips.append({"name": name, "npz": npz, "pix_fmt": fmt, "source_pix_fmt": src,
                      "size": "%dx%d" % (w, h), "frames": int(planes[0].shape[0])})
        log("clip %s: %s -> %s %dx%d, %d frames" % (name, src, fmt, w, h, clips[-1]["frames"]))
    return clips


def split_frames(clips):
    """Sets each clip's train and held-out frame lists (last quarter held out, at least 1)."""
    stills = [c for c in clips if c["frames"] == 1]
    for c in clips:
        T = c["frames"]
        n_ho = max(1, int(round(T * HELD_OUT))) if T > 1 else 0
        c["train"], c["held_out"] = list(range(T - n_ho)), list(range(T - n_ho, T))
    n_ho = max(1, int(round(len(stills) * HELD_OUT))) if stills else 0
    for i, c in enumerate(stills):
        c["train"], c["held_out"] = ([], [0]) if i >= len(stills) - n_ho else ([0], [])


def features(clips, key, procs, feature_set):
    """X int8 [M, F], Y uint8 [M] and per-clip sample counts for the frames in clip[key],
    computed by data._video_frames (feature set 3 or 4, keyframe every data.KEY_EVERY frames)."""
    jobs, owner = [], []
    for k, c in enumerate(clips):
        for i in range(0, len(c[key]), 3):
            jobs.append(data.video_job(c["npz"], c["pix_fmt"], c[key][i:i + 3], feature_set, fine_motion=True))
            owner.append(k)
    if not jobs:
        return np.zeros((0, lf.VIDEO_INPUTS[feature_set]), np.int8), np.zeros(0, np.uint8), [0] * len(clips)
    with Pool(max(1, min(procs, len(jobs)))) as pool:
        parts = pool.map(_frames, jobs)
    counts = [sum(len(p[1]) for o, p in zip(owner, parts) if o == k) for k in range(len(clips))]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), counts


def _frames(job):
    X, Y, _ = data._video_frames(job)
    return X, Y


def qat_logits(model, X):
    with torch.no_grad():
        return model.cpu()(torch.from_numpy(np.ascontiguousarray(X)).float()).numpy().astype(np.int64)


def assert_exact(model, m, X, what):
    """The QAT model's logits must equal the integer model's on X."""
    ref = lmcm.int_forward(m, X)
    got = qat_logits(model, X)
    bad = int((ref != got).sum())
    assert bad == 0, "%s: %d of %d logits differ from the integer model" % (what, bad, ref.size)
    log("%s: QAT logits == integer logits on %d samples" % (what, len(X)))


def finetune(model, Xtr, Ytr, Xho, Yho, seconds, lr, batch, device, log_every_s=10.0):
    """Adam with a cosine learning rate from lr down to lr/10 for `seconds`; the weights stay
    within [-127, 127] / 2^shift (the shifts are never changed). Returns the history."""
    torch.manual_seed(1)
    model.to(device).train()
    Xt = torch.from_numpy(Xtr).to(device)
    Yt = torch.from_numpy(Ytr.astype(np.int64)).to(device)
    sel = np.random.default_rng(0).permutation(len(Yho))[:1 << 18]  # progress: a held-out subset
    Xh = torch.from_numpy(Xho[sel]).to(device)
    Yh = torch.from_numpy(Yho[sel].astype(np.int64)).to(device)
    lims = [127.0 / 2 ** int(s) for s in model.shifts]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    hist, step, ema, t0, last = [], 0, None, time.time(), -1e9

    def report():
        model.eval()
        hb = qat.eval_bits(model, Xh, Yh)
        model.train()
        hist.append({"step": step, "seconds": round(time.time() - t0, 1), "train_bits": ema, "held_out_bits": hb})
        log("step %6d  %6.1fs  lr %.2e  train %s  held-out %.4f bits (QAT softmax)" % (
            step, time.time() - t0, opt.param_groups[0]["lr"], "%.4f" % ema if ema else "   -  ", hb))

    while time.time() - t0 < seconds:
        if time.time() - last >= log_every_s:
            report()
            last = time.time()
        prog = (time.time() - t0) / seconds
        for g in opt.param_groups:
            g["lr"] = lr * (0.1 + 0.45 * (1 + math.cos(math.pi * min(prog, 1.0))))
        idx = torch.randint(0, len(Yt), (batch,), device=device)
        loss = qat.bits_loss(model(Xt[idx].float()), Yt[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for w, lim in zip(model.W, lims):
                w.clamp_(-lim, lim)
        step += 1
        lv = loss.item()
        ema = lv if ema is None else 0.95 * ema + 0.05 * lv
    report()
    model.eval()
    return hist


def export(model, base, name, out, Xcheck):
    """Writes the fine-tuned integer model; checks it like train_common.py does."""
    m = model.cpu().export(name, base["kind"], base["feature_set"])  # raises if a row bound >= 2^24
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    sha = lmcm.write_lmcm(out, m)
    m2 = lmcm.read_lmcm(out)
    assert_exact(model, m2, Xcheck, "exported model")
    assert (lmcm.int_forward(m2, Xcheck[:2000], exact_int=True) == lmcm.int_forward(m2, Xcheck[:2000])).all()
    return m2, sha, [L["rowmax"] for L in m["layers"]]


def bits_table(clips, counts, base_bits, ft_bits):
    """Markdown table of held-out bits/sample per clip and overall, base vs fine-tuned."""
    rows = ["| clip | held-out frames | samples | base bits/sample | fine-tuned | gain |",
            "|---|---:|---:|---:|---:|---:|"]
    off, out = 0, []
    for c, n in zip(clips, counts):
        if n:
            b, f = base_bits[off:off + n].mean(), ft_bits[off:off + n].mean()
            out.append({"clip": c["name"], "frames": len(c["held_out"]), "samples": n, "base": b, "finetuned": f})
        off += n
    out.append({"clip": "ALL", "frames": sum(len(c["held_out"]) for c in clips), "samples": int(sum(counts)),
                "base": float(base_bits.mean()), "finetuned": float(ft_bits.mean())})
    for r in out:
        r["gain_pct"] = 100.0 * (1 - r["finetuned"] / r["base"])
        rows.append("| %s | %d | %d | %.4f | %.4f | %.2f%% |" % (r["clip"], r["frames"], r["samples"], r["base"],
                                                               r["finetuned"], r["gain_pct"]))
    return "\n".join(rows), out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="shipped feature-set-3 video model, e.g. models/video-s.lmcm")
    ap.add_argument("--clips", required=True, help="folder of clips (anything ffmpeg decodes)")
    ap.add_argument("--out", required=True, help="the new model file (.lmcm)")
    ap.add_argument("--seconds", type=float, default=120.0, help="training time (default 120)")
    ap.add_argument("--device", default="auto", help="auto (cuda if available), cpu, cuda, cuda:1 ...")
    ap.add_argument("--max-frames", type=int, default=48, help="frames decoded per clip (default 48)")
    ap.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate at the start (default 3e-3)")
    ap.add_argument("--batch", type=int, default=0, help="samples per step (default 4096 CPU, 65536 GPU)")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads and feature processes (default 2)")
    ap.add_argument("--name", help="model name stored in the file (default: OUT's file name)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 must stay exact (qat.py)
    torch.backends.cudnn.allow_tf32 = False
    dev = ("cuda" if torch.cuda.is_available() else "cpu") if a.device == "auto" else a.device
    base = lmcm.read_lmcm(a.base)
    if base["kind"] != 1 or base["feature_set"] not in data.INTER_FEATURE_SETS:
        sys.exit("--base must be a video model of feature set 3 or 4 (video-s.lmcm, video-l.lmcm)")
    name = (a.name or os.path.splitext(os.path.basename(a.out))[0])[:31]
    log("base %s (%s, sha256 %s), device %s" % (a.base, base["name"], base["sha256"], dev))

    with tempfile.TemporaryDirectory(prefix="lmc-ft-") as work:
        clips = load_clips(a.clips, a.max_frames, work)
        split_frames(clips)
        t = time.time()
        Xtr, Ytr, _ = features(clips, "train", a.threads, base["feature_set"])
        Xho, Yho, ho_counts = features(clips, "held_out", a.threads, base["feature_set"])
    log("features in %.1f s: %d training samples, %d held-out samples" % (time.time() - t, len(Ytr), len(Yho)))
    if not len(Ytr) or not len(Yho):
        sys.exit("need frames to train on and to hold out: give at least one clip of 2+ frames (or 2+ stills)")

    model = qat.from_lmcm(base)
    assert_exact(model, base, np.concatenate([Xho[:20000], Xtr[:20000]]), "initial model")
    batch = a.batch or (65536 if dev.startswith("cuda") else 4096)
    hist = finetune(model, Xtr, Ytr, Xho, Yho, a.seconds, a.lr, batch, dev)
    new, sha, rowmax = export(model, base, name, a.out, Xho[:20000])

    log("exact held-out bits (integer models, lmcm.symbol_bits) ...")
    base_bits = lmcm.symbol_bits(base, Xho, Yho)
    ft_bits = lmcm.symbol_bits(new, Xho, Yho)
    table, rows = bits_table(clips, ho_counts, base_bits, ft_bits)
    log("\n" + table + "\n")
    log("wrote %s (sha256 %s, shifts %s, max row bound %s < 2^24)" % (
        a.out, sha, [L["shift"] for L in new["layers"]], rowmax))
    summary = {"out": os.path.basename(a.out), "name": name, "sha256": sha, "base": os.path.basename(a.base),
               "base_sha256": base["sha256"], "device": dev, "seconds": a.seconds, "lr": a.lr, "batch": batch,
               "steps": hist[-1]["step"], "max_frames": a.max_frames, "train_samples": len(Ytr),
               "held_out_samples": len(Yho), "row_max": rowmax, "row_limit": lmcm.ROW_LIMIT,
               "clips": [{k: c[k] for k in ("name", "size", "source_pix_fmt", "pix_fmt", "frames")} |
                         {"train_frames": len(c["train"]), "held_out_frames": len(c["held_out"])} for c in clips],
               "held_out_bits_per_sample": rows, "table_md": table, "history": hist}
    with open(os.path.splitext(a.out)[0] + ".json", "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
