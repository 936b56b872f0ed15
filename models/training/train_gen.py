#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Learned intra coding for lmc_gen (issue 18), first experiment: luma only, float.

    python3 models/training/train_gen.py --config models/training/configs/gen-intra.json \
        [--corpus build/corpus] [--logdir DIR] [--set key=json ...] [--ckpt F.pt [--resume]]

A mean-scale hyperprior model (Balle et al. 2018; Minnen et al. 2018 without the
autoregressive context): analysis and synthesis transforms of four strided 5x5
convolutions with GDN, a hyperprior z with a per-channel Laplace density, and the
latents y coded as Gaussians whose mean and scale come from z. One run per lambda
in the config (loss = lambda * 255^2 * MSE + bits per pixel), all at once on the
GPU, each for the config's seconds. Training data: random crops of the luma of the
train split's 4:2:0 and gray items (every frame); evaluation: the first frame of
every 4:2:0 and gray item of the test split, bits from the model's likelihoods of
the rounded latents (what a range coder spends, within a fraction of a percent)
and PSNR of the decoded luma rounded to 8 bits. Writes NAME.json to --logdir:
config, loss curve and per-item (bpp, PSNR) for each lambda.

Not yet integer: the entropy parameters are float, so this model is not a codec
that decodes identically everywhere (ARCHITECTURE.md); it measures what a learned
intra transform buys over x264 before that work is done.

Status: written on 2026-12-05 and NOT YET RUN (no GPU machine was lent for the rest
of that session; there is no torch on the CPU machine). Its first run on the GPU
machine (carry build/corpus/train and build/corpus/test) is the next step of issue 18:
    python3 models/training/train_gen.py --config models/training/configs/gen-intra.json \
        --logdir $OUT --ckpt $OUT/gen-intra.pt
The intra references to compare with (x264 and x265, luma, SEI removed) are in the
issue 18 note of that session.
"""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class GDN(nn.Module):
    """Generalised divisive normalisation (its inverse in the synthesis)."""

    def __init__(self, c, inverse=False):
        super().__init__()
        self.inverse = inverse
        self.beta = nn.Parameter(torch.ones(c))
        self.gamma = nn.Parameter(0.1 * torch.eye(c).view(c, c, 1, 1))

    def forward(self, x):
        norm = torch.sqrt(F.conv2d(x * x, self.gamma.abs(), self.beta.abs() + 1e-6))
        return x * norm if self.inverse else x / norm


def down(i, o):
    return nn.Conv2d(i, o, 5, 2, 2)


def up(i, o):
    return nn.ConvTranspose2d(i, o, 5, 2, 2, output_padding=1)


class HyperpriorCodec(nn.Module):
    def __init__(self, n=128, m=192):
        super().__init__()
        self.g_a = nn.Sequential(down(1, n), GDN(n), down(n, n), GDN(n), down(n, n), GDN(n), down(n, m))
        self.g_s = nn.Sequential(up(m, n), GDN(n, True), up(n, n), GDN(n, True), up(n, n), GDN(n, True), up(n, 1))
        self.h_a = nn.Sequential(nn.Conv2d(m, n, 3, 1, 1), nn.LeakyReLU(), down(n, n), nn.LeakyReLU(), down(n, n))
        self.h_s = nn.Sequential(up(n, n), nn.LeakyReLU(), up(n, n * 3 // 2), nn.LeakyReLU(),
                                 nn.Conv2d(n * 3 // 2, 2 * m, 3, 1, 1))
        self.z_log_scale = nn.Parameter(torch.zeros(n))

    @staticmethod
    def quantise(x, training, mean=0):
        if training:
            return x + torch.empty_like(x).uniform_(-0.5, 0.5)
        return torch.round(x - mean) + mean

    def forward(self, x):
        """x: [B, 1, H, W] in [0, 1], H and W multiples of 64. Returns (x_hat, bits)."""
        y = self.g_a(x * 255 / 16)
        z = self.h_a(y)
        z_hat = self.quantise(z, self.training)
        b = self.z_log_scale.exp().view(1, -1, 1, 1)
        lap = torch.distributions.Laplace(torch.zeros_like(b), b)
        pz = (lap.cdf(z_hat + 0.5) - lap.cdf(z_hat - 0.5)).clamp_min(1e-9)
        mean, scale = self.h_s(z_hat).chunk(2, 1)
        scale = F.softplus(scale).clamp_min(0.11)
        y_noisy = self.quantise(y, self.training)
        y_round = torch.round(y - mean) + mean
        # Rate on the noisy latents; the synthesis sees the rounded ones (straight-through).
        y_rate = y_noisy if self.training else y_round
        g = torch.distributions.Normal(mean, scale)
        py = (g.cdf(y_rate + 0.5) - g.cdf(y_rate - 0.5)).clamp_min(1e-9)
        y_hat = y + (y_round - y).detach()
        x_hat = self.g_s(y_hat) * 16 / 255
        bits = -(torch.log2(py).sum(dim=(1, 2, 3)) + torch.log2(pz).sum(dim=(1, 2, 3)))
        return x_hat, bits


def luma_planes(corpus, split, first_only):
    """(name, [h, w] uint8) of the split's 4:2:0 and gray items' luma, every frame or the first."""
    index = json.loads(Path(corpus, split, "index.json").read_text())
    out = []
    for e in index["video"]:
        z = np.load(Path(corpus, split, "video", e["name"] + ".npz"))
        if str(z["pix_fmt"]) not in ("yuv420p", "gray"):
            continue
        frames = z["p0"][:1] if first_only else z["p0"]
        out += [(f"{e['name']}#{t}", f) for t, f in enumerate(frames)]
    return out


def crops(planes, batch, size, rng):
    x = np.empty((batch, 1, size, size), np.float32)
    for i in range(batch):
        p = planes[rng.integers(len(planes))]
        h, w = p.shape
        t, l = rng.integers(h - size + 1), rng.integers(w - size + 1)
        c = p[t:t + size, l:l + size]
        if rng.random() < 0.5:
            c = c[:, ::-1]
        x[i, 0] = c / 255.0
    return torch.from_numpy(x)


@torch.no_grad()
def evaluate(model, items, device):
    model.eval()
    res = {}
    for name, p in items:
        h, w = p.shape
        H, W = -(-h // 64) * 64, -(-w // 64) * 64
        x = torch.from_numpy(np.pad(p, ((0, H - h), (0, W - w)), mode="edge") / 255.0).float()
        x_hat, bits = model(x.view(1, 1, H, W).to(device))
        dec = (x_hat[0, 0, :h, :w].clamp(0, 1) * 255).round().cpu().numpy()
        mse = np.mean((dec - p.astype(np.float64)) ** 2)
        res[name] = {"bpp": float(bits.item()) / (h * w), "psnr": 10 * math.log10(255 ** 2 / max(mse, 1e-12))}
    model.train()
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--corpus", default="build/corpus")
    ap.add_argument("--logdir", default="models/training/logs")
    ap.add_argument("--set", nargs="*", default=[])
    ap.add_argument("--ckpt", help="weights file (fp16) written at the end; --resume starts from it")
    ap.add_argument("--resume", action="store_true")
    opt = ap.parse_args()
    cfg = json.loads(Path(opt.config).read_text())
    for kv in opt.set:
        k, v = kv.split("=", 1)
        cfg[k] = json.loads(v)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(cfg["seed"])
    rng = np.random.default_rng(cfg["seed"])
    train = [p for _, p in luma_planes(opt.corpus, "train", False) if min(p.shape) >= cfg["crop"]]
    test = luma_planes(opt.corpus, "test", True)
    print(f"{len(train)} training planes, {len(test)} test images, device {device}", flush=True)
    models = [HyperpriorCodec(cfg["n"], cfg["m"]).to(device) for _ in cfg["lambdas"]]
    if opt.resume:  # weights only: Adam's moments start afresh (a checkpoint small enough to carry)
        for m, sd in zip(models, torch.load(opt.ckpt, map_location=device)):
            m.load_state_dict({k: v.float() for k, v in sd.items()})
    opts = [torch.optim.Adam(m.parameters(), lr=cfg["lr"]) for m in models]
    curve = [[] for _ in models]
    t0, step = time.time(), 0
    while time.time() - t0 < cfg["seconds"]:
        x = crops(train, cfg["batch"], cfg["crop"], rng).to(device)
        for i, (m, o, lam) in enumerate(zip(models, opts, cfg["lambdas"])):
            x_hat, bits = m(x)
            bpp = bits.mean() / (cfg["crop"] ** 2)
            mse = F.mse_loss(x_hat, x)
            loss = lam * 255 ** 2 * mse + bpp
            o.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
            o.step()
            if step % 200 == 0:
                curve[i].append([step, round(time.time() - t0, 1), float(bpp), float(10 * torch.log10(1 / mse))])
        if step % 1000 == 0:
            print(f"step {step} {time.time() - t0:.0f} s: " + "  ".join(
                f"lambda {lam}: {c[-1][2]:.3f} bpp {c[-1][3]:.2f} dB" for lam, c in zip(cfg["lambdas"], curve)),
                flush=True)
        step += 1
    if opt.ckpt:
        torch.save([{k: v.half() for k, v in m.state_dict().items()} for m in models], opt.ckpt)
    results = {str(lam): evaluate(m, test, device) for lam, m in zip(cfg["lambdas"], models)}
    for lam, r in results.items():
        print(f"lambda {lam}: " + "  ".join(f"{k} {v['bpp']:.3f} bpp {v['psnr']:.2f} dB" for k, v in r.items()))
    Path(opt.logdir).mkdir(parents=True, exist_ok=True)
    out = Path(opt.logdir, Path(opt.config).stem + ".json")
    out.write_text(json.dumps({"config": cfg, "steps": step, "curve": curve, "test": results}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
