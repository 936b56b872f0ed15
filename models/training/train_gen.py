#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Trains lmc_gen's learned intra codec (gen_net.py, docs/format.md section 10).

    python3 models/training/train_gen.py --config models/training/configs/gen-i.json \
        [--corpus build/corpus] [--logdir DIR] [--set key=json ...] [--ckpt F.pt [--resume]]

One variable-rate model: every training crop gets a random quantiser k in [0, 32]
(latent step q = 2^(k/8)) and its own lambda, log-spaced from lambda_hi (k = 0) to
lambda_lo (k = 32): loss = lambda_k * MSE (8-bit units, all samples of Y, U and V, as
FFmpeg's PSNR-YUV counts them) + bits per pixel (Y pixels). The model is trained in
the integer model's units (quantised weights, floored activations, straight-through
gradients), so what it exports computes what it learned.

Data: random crops (crop x crop luma, even offsets, half the flips mirrored) of every
frame of the train split's yuv420p items, and of its gray items with neutral chroma.
Evaluation: the first frame of every yuv420p item of the test split through the EXACT
integer reference (gen_net.encode_frame: what liblmc computes), bits from the model's
frequency tables (what the range coder spends, within a few bytes), PSNR-YUV.

Writes to --logdir: NAME.lmcm (the model file), NAME_train.csv (loss curve), NAME_eval.json
(config, steps, per item and k: bpp and PSNR-YUV), and --ckpt (float weights) for --resume.
"""
import json
import math
from pathlib import Path

import numpy as np
import torch

import gen_net


def load_frames(corpus, split, first_only):
    """[(name, y, u, v)] uint8 planes of the split's yuv420p (and, for training, gray) items."""
    items = gen_net.corpus_items(corpus, split, ("yuv420p",) if first_only else ("yuv420p", "gray"),
                                 1 if first_only else None)
    return [(f"{name}#{t}", y, u, v) for name, frames in items for t, (y, u, v) in enumerate(frames)]


def crops(frames, batch, size, rng, device):
    x = torch.empty((batch, 6, size // 2, size // 2), dtype=torch.float32)
    for i in range(batch):
        _, y, u, v = frames[rng.integers(len(frames))]
        h, w = y.shape
        t, l = 2 * rng.integers((h - size) // 2 + 1), 2 * rng.integers((w - size) // 2 + 1)
        c = gen_net.pack_yuv420(y[t:t + size, l:l + size], u[t // 2:(t + size) // 2, l // 2:(l + size) // 2],
                                v[t // 2:(t + size) // 2, l // 2:(l + size) // 2])[0].float()
        if rng.random() < 0.5:  # mirror: the luma phases swap columns (j = 0 <-> 1)
            c = torch.flip(c, [2])[[1, 0, 3, 2, 4, 5]]
        x[i] = c
    return x.to(device)


@torch.no_grad()
def evaluate(m, frames, ks, device):
    res = {}
    for name, y, u, v in frames:
        h, w = y.shape
        H, W = -(-h // 64) * 64, -(-w // 64) * 64
        x = gen_net.pack_yuv420(gen_net.pad_to(y, H, W), gen_net.pad_to(u, H // 2, W // 2),
                                gen_net.pad_to(v, H // 2, W // 2)).to(device)
        for k in ks:
            z, sym, idx, x_hat = gen_net.encode_frame(m, x, k)
            bits = gen_net.frame_bits(m, z, sym, idx)
            dy, du, dv = gen_net.unpack_yuv420(x_hat)
            err = sum(float(((a[:b.shape[0], :b.shape[1]].astype(np.float64) - b) ** 2).sum())
                      for a, b in ((dy, y), (du, u), (dv, v)))
            mse = err / (y.size + u.size + v.size)
            res.setdefault(name, []).append({"k": k, "bpp": bits / (h * w),
                                             "psnr_yuv": 10 * math.log10(255 ** 2 / max(mse, 1e-9))})
    return res


def main():
    opt, cfg, name = gen_net.training_command_line(__doc__, "--corpus", "build/corpus")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.manual_seed(cfg["seed"])
    rng = np.random.default_rng(cfg["seed"])
    train = [f for f in load_frames(opt.data, "train", False) if min(f[1].shape) >= cfg["crop"]]
    test = load_frames(opt.data, "test", True)
    print(f"{len(train)} training frames, {len(test)} test frames, device {device}", flush=True)
    model = gen_net.GenIntra(cfg).to(device)
    if opt.resume:
        state = torch.load(opt.ckpt, map_location=device)
        missing = model.load_state_dict(state, strict=False).missing_keys
        print("resumed" + (f"; new parameters {missing}" if missing else ""), flush=True)
    logdir = Path(opt.logdir)
    logdir.mkdir(parents=True, exist_ok=True)

    def batch():
        x = crops(train, cfg["batch"], cfg["crop"], rng, device)
        k = torch.randint(0, gen_net.MAX_K + 1, (cfg["batch"],), device=device)
        k[0], k[1] = 0, gen_net.MAX_K
        x_hat, bits = model(x, k)
        return x_hat, x, bits, k

    step = gen_net.train_loop(model, cfg, (cfg["lambda_hi"], cfg["lambda_lo"]), batch, logdir, name)
    if opt.ckpt:
        torch.save(model.state_dict(), opt.ckpt)
    model.eval()
    m = model.export(name)
    data = gen_net.serialize(m)
    (logdir / f"{name}.lmcm").write_bytes(data)
    m = gen_net.parse(data)  # evaluate what the file holds
    res = evaluate(m, test, cfg["eval_k"], device)
    for item, pts in res.items():
        print(item + ": " + "  ".join(f"k{p['k']} {p['bpp']:.3f} bpp {p['psnr_yuv']:.2f} dB" for p in pts))
    (logdir / f"{name}_eval.json").write_text(json.dumps(
        {"config": cfg, "steps": step, "model_sha256": m["sha256"], "test": res}, indent=1) + "\n")
    print(f"{step} steps; wrote {logdir}/{name}.lmcm ({len(data)} bytes, {m['sha256'][:16]})")


if __name__ == "__main__":
    main()
