# SPDX-License-Identifier: LGPL-2.1-or-later
"""Command line shared by train_video.py and train_audio.py."""
import argparse
import json
import os
import time

import numpy as np
import torch

import data
import lmc_features as lf
import lmcm
import qat

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def log(*a):
    print(*a, flush=True)


def load(family, corpus, split, cfg, args):
    t = time.time()
    if family == "video":
        items = data.video_split(corpus, split, max_frames=args.max_frames, max_items=args.max_items,
                                 feature_set=cfg["feature_set"], flip=split == "train" and cfg.get("flip", False),
                                 fine_motion=cfg.get("fine_motion", False))
        X = np.concatenate([it["X"] for it in items])
        Y = np.concatenate([it["Y"] for it in items])
    else:
        clips = data.audio_split(corpus, split, block=cfg.get("block", 4096), max_clips=args.max_items,
                                 k_offset=cfg.get("k_offset", 2), rows=cfg.get("rows", "python"))
        X = np.concatenate([c["feats"] for c in clips])
        Y = np.concatenate([c["v"] for c in clips])
    log("%s %s: %d samples, features in %.1f s" % (family, split, len(Y), time.time() - t))
    return X, Y


def main(family, doc):
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--corpus", default=os.path.join(REPO, "build", "corpus"))
    ap.add_argument("--out", default=os.path.join(REPO, "models"))
    ap.add_argument("--logdir", default=os.path.join(HERE, "logs"))
    ap.add_argument("--ckpt", help="checkpoint path (default build/checkpoints/NAME.pt)")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--set", nargs="*", default=[], help="config overrides key=json")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--max-frames", type=int, default=0, help="tiny runs: frames per video item")
    ap.add_argument("--max-items", type=int, default=0, help="tiny runs: items/clips per split")
    ap.add_argument("--eval", action="store_true", help="exact integer eval on val and test after export")
    ap.add_argument("--stop-after", type=float, default=0.0,
                    help="end this call after S seconds of training, checkpoint kept, no export "
                         "(a later call with --resume goes on)")
    args = ap.parse_args()
    cfg = qat.load_config(args.config, args.set)
    if family == "video":  # a feature set fixes the number of inputs (docs/format.md 6, 7, 7.11)
        cfg["sizes"][0] = lf.VIDEO_INPUTS[cfg["feature_set"]]
    dev = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    log("config: %s" % json.dumps(cfg))
    log("device: %s, torch %s" % (dev, torch.__version__))
    os.makedirs(args.logdir, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    ckpt = args.ckpt or os.path.join(REPO, "build", "checkpoints", cfg["name"] + ".pt")
    os.makedirs(os.path.dirname(ckpt), exist_ok=True)
    Xtr, Ytr = load(family, args.corpus, "train", cfg, args)
    Xva, Yva = load(family, args.corpus, "val", cfg, args)
    model = qat.train(cfg, Xtr, Ytr, Xva, Yva, args.logdir, ckpt, resume=args.resume, device=dev, log=log,
                      stop_after=args.stop_after)
    if model is None:
        return
    m = model.export(cfg["name"], cfg["kind"], cfg["feature_set"])
    path = os.path.join(args.out, cfg["name"] + ".lmcm")
    sha = lmcm.write_lmcm(path, m)
    m2 = lmcm.read_lmcm(path)
    # the exported integer model must give exactly the logits of the trained QAT model
    n = min(len(Yva), 20000)
    ref = lmcm.int_forward(m2, Xva[:n])
    with torch.no_grad():
        got = model.cpu()(torch.from_numpy(Xva[:n]).float()).numpy().astype(np.int64)
    mism = int((ref != got).sum())
    exact = lmcm.int_forward(m2, Xva[:2000], exact_int=True)
    assert (exact == ref[:2000]).all(), "float64 GEMM path differs from int64 path"
    sel = np.random.default_rng(0).choice(len(Yva), min(len(Yva), 1 << 20), replace=False)
    vbits = float(lmcm.symbol_bits(m2, Xva[sel], Yva[sel]).mean())
    info = {"name": cfg["name"], "file": os.path.basename(path), "sha256": sha, "bytes": os.path.getsize(path),
            "shifts": [L["shift"] for L in m["layers"]], "row_max": [L["rowmax"] for L in m["layers"]],
            "row_limit": 1 << 24, "qat_vs_integer_logit_mismatches": mism, "checked_samples": n,
            "val_exact_bits_per_symbol": vbits, "val_exact_subset": len(sel), "config": cfg}
    log("exported %s sha256 %s, shifts %s, max row bound %s (< 2^24), logit mismatches %d/%d, "
        "val exact %.4f bits/symbol" % (path, sha, info["shifts"], info["row_max"], mism, n * cfg["sizes"][-1], vbits))
    with open(os.path.join(args.logdir, cfg["name"] + "_export.json"), "w") as f:
        json.dump(info, f, indent=1)
    qat.plot_curve(os.path.join(args.logdir, cfg["name"] + "_train.csv"),
                   os.path.join(args.logdir, cfg["name"] + "_loss.png"), "%s training" % cfg["name"])
    if args.eval:
        import evaluate
        res = evaluate.evaluate(path, args.corpus, ["val", "test"], log=log, audio_rows=cfg.get("rows", "python"))
        with open(os.path.join(args.logdir, cfg["name"] + "_eval.json"), "w") as f:
            json.dump(res, f, indent=1)
