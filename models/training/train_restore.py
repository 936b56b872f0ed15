#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Trains the lmc_restore network (restore_net.py, docs/format.md section 11).

    python3 models/training/train_restore.py --config models/training/configs/restore-s.json \
        [--pairs build/restore_pairs.npz] [--logdir DIR] [--set key=json ...] [--ckpt F.pt [--resume]]

Data: restore_pairs.py's decoded frames and their sources. A sample is a crop of two
consecutive frames of one item in one coding (mirrored and flipped at random); the filter runs on the first (its own
previous output = the frame, as at a stream's start) and then on the second with that
output as its previous output, the recurrence it runs in FFmpeg. Loss: the mean of
both outputs' squared error, weighted as PSNR-YUV weighs the planes (Y 6/8, U and V
1/8 each; 8-bit units). The float model works in the integer model's units (gen_net's
quantised weights and floored activations), so the export computes what was trained.

Writes to --logdir: NAME.lmcm, NAME_train.csv (loss curve), NAME_eval.json (per coding,
on the training pairs and on the validation split's: PSNR-YUV of the decoded frames and
of the filter's output, whole frames, through the EXACT integer reference,
restore_net.restore_frame), and --ckpt for --resume.
"""
import csv
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

import gen_net
import restore_net

PLANE_WEIGHT = torch.tensor([6 / 32] * 4 + [1 / 8, 1 / 8]).view(1, 6, 1, 1)


def load_pairs(path, prefix=""):
    z = np.load(path)
    codings = [str(c) for c in z["codings"]]
    items = []
    i = 0
    while f"{prefix}src_{i}" in z.files:
        items.append((z[f"{prefix}src_{i}"], {c: z[f"{prefix}dec_{i}_{c}"] for c in codings}))
        i += 1
    return codings, items


def batch(items, codings, n, size, rng, device):
    """[n, 2, 6, size, size] decoded and source crops of frames t - 1, t (int values, float)."""
    dec, src = [], []
    for _ in range(n):
        s, d = items[rng.integers(len(items))]
        d = d[codings[rng.integers(len(codings))]]
        T, _, h, w = s.shape
        t = rng.integers(1, T) if T > 1 else 0
        y, x = rng.integers(h - size + 1), rng.integers(w - size + 1)
        frames = [max(t - 1, 0), t]
        a, b = d[frames, :, y:y + size, x:x + size], s[frames, :, y:y + size, x:x + size]
        if rng.random() < 0.5:  # mirrored: the luma phases swap columns (j = 0 <-> 1)
            a, b = (v[:, [1, 0, 3, 2, 4, 5], :, ::-1] for v in (a, b))
        if rng.random() < 0.5:  # upside down: they swap rows (i = 0 <-> 1)
            a, b = (v[:, [2, 3, 0, 1, 4, 5], ::-1] for v in (a, b))
        dec.append(a)
        src.append(b)
    f = lambda a: torch.from_numpy(np.stack(a)).to(device).float() - 128
    return f(dec), f(src)


def weighted_mse(a, b):
    return (((a - b) ** 2) * PLANE_WEIGHT.to(a.device)).sum(1).mean()


@torch.no_grad()
def evaluate(m, items, codings, device):
    """PSNR-YUV over whole frames, each sequence filtered from its first frame."""
    res = {}
    for c in codings:
        err_dec = err_out = 0.0
        for s, d in items:
            prev = None
            for t in range(len(s)):
                x = torch.from_numpy(d[c][t:t + 1]).long().to(device) - 128
                out = restore_net.restore_frame(m, x, x if prev is None else prev)
                prev = out
                ref = torch.from_numpy(s[t:t + 1]).long().to(device) - 128
                err_dec += float(weighted_mse(x.double(), ref.double()))
                err_out += float(weighted_mse(out.double(), ref.double()))
        n = sum(len(s) for s, _ in items)
        psnr = lambda e: 10 * math.log10(255 ** 2 / (e / n))
        res[c] = {"decoded_psnr_yuv": round(psnr(err_dec), 3), "restored_psnr_yuv": round(psnr(err_out), 3)}
    return res


def main():
    opt, cfg, name = gen_net.training_command_line(__doc__, "--pairs", "build/restore_pairs.npz")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = False  # the float model should track the integer one
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(cfg["seed"])
    rng = np.random.default_rng(cfg["seed"])
    codings, items = load_pairs(opt.data)
    _, val = load_pairs(opt.data, "val_")
    print(f"{len(items)} items, {sum(len(s) for s, _ in items)} frames ({len(val)} validation items), "
          f"codings {codings}, device {device}", flush=True)
    model = restore_net.Restore(cfg).to(device)
    if opt.resume:
        model.load_state_dict(torch.load(opt.ckpt, map_location=device))
        print("resumed", flush=True)
    if opt.init:  # another run's weights (a fine-tune), not a resumed run
        model.load_state_dict(torch.load(opt.init, map_location=device))
        print(f"weights from {opt.init}", flush=True)
    optim = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    logdir = Path(opt.logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    curve = open(logdir / f"{name}_train.csv", "w", newline="")
    log = csv.writer(curve)
    log.writerow(["step", "seconds", "psnr_decoded", "psnr_restored"])
    size = cfg["crop"] // 2
    t0, step, acc = time.time(), 0, []
    while time.time() - t0 < cfg["seconds"]:
        if time.time() - t0 > cfg["seconds"] * (1 - cfg["lr_tail"]):
            for g in optim.param_groups:
                g["lr"] = cfg["lr"] * 0.1
        dec, src = batch(items, codings, cfg["batch"], size, rng, device)
        first = model(dec[:, 0], dec[:, 0])
        second = model(dec[:, 1], first)
        loss = (weighted_mse(first, src[:, 0]) + weighted_mse(second, src[:, 1])) / 2
        optim.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optim.step()
        acc.append([float(weighted_mse(dec[:, 1], src[:, 1])), float(weighted_mse(second.detach(), src[:, 1]))])
        if step % 100 == 0:
            a = np.mean(acc, 0)
            acc = []
            row = [step, round(time.time() - t0, 1)] + [round(10 * math.log10(255 ** 2 / v), 3) for v in a]
            log.writerow(row)
            curve.flush()
            if step % 1000 == 0:
                print(f"step {step} {row[1]:.0f} s: decoded {row[2]:.2f} dB, restored {row[3]:.2f} dB", flush=True)
        step += 1
    curve.close()
    if opt.ckpt:
        torch.save(model.state_dict(), opt.ckpt)
    data = restore_net.serialize(model.export(name))
    (logdir / f"{name}.lmcm").write_bytes(data)
    m = restore_net.parse(data)
    res = {"validation": evaluate(m, val, codings, device)}
    if cfg.get("eval_train", True):  # slow on a CPU: the exact reference convolves in float64
        res["train_pairs"] = evaluate(m, items, codings, device)
    for part, r in res.items():
        for c, v in r.items():
            print(f"{part} {c}: decoded {v['decoded_psnr_yuv']:.2f} dB, restored {v['restored_psnr_yuv']:.2f} dB")
    (logdir / f"{name}_eval.json").write_text(json.dumps(
        {"config": cfg, "steps": step, "model_sha256": m["sha256"], **res}, indent=1) + "\n")
    print(f"{step} steps; wrote {logdir}/{name}.lmcm ({len(data)} bytes, {m['sha256'][:16]})")


if __name__ == "__main__":
    main()
