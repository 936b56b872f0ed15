# SPDX-License-Identifier: LGPL-2.1-or-later
"""Quantisation-aware training of LMC integer MLPs (shared by train_video.py and
train_audio.py).

The float model works in the integer model's own units: inputs are the integer
features, hidden activations are clamp(floor(a), 0, 127), logits are floor(a) in
1/16-bit units and the loss is the cross-entropy of softmax(logits * ln2 / 16)
(reported in bits). Phase 1 trains float weights (activations already floored, with
a straight-through estimator); phase 2 (QAT) fixes a power-of-two scale 2^shift per
layer (with "w_bound_shift" the float weights are kept within 127/2^bound during
training, so the chosen shift is at least that bound) and uses W = clamp(round(w 2^s), -127, 127) / 2^s, b = round(b 2^s) / 2^s with
straight-through rounding. Then a / 2^0 of the float model equals acc / 2^shift of the
integer model exactly (fp32 is exact below 2^24, TF32 is switched off), so the
exported model (W int8, b int32, shift) computes exactly the logits trained on.
"""
import csv
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import lmcm

LN2 = math.log(2.0)


class IntMLP(torch.nn.Module):
    def __init__(self, sizes, prior=None):
        super().__init__()
        self.sizes = list(sizes)
        self.W = torch.nn.ParameterList()
        self.b = torch.nn.ParameterList()
        for i in range(len(sizes) - 1):
            fan_in = sizes[i]
            # hidden layers: inputs are O(10..100) integers, aim at activations of O(10)
            std = math.sqrt(2.0 / fan_in) * (0.25 if i == 0 else 0.5)
            self.W.append(torch.nn.Parameter(torch.randn(sizes[i + 1], fan_in) * std))
            self.b.append(torch.nn.Parameter(torch.full((sizes[i + 1],), 4.0 if i < len(sizes) - 2 else 0.0)))
        if prior is not None:
            with torch.no_grad():
                self.b[-1].copy_(torch.as_tensor(prior, dtype=torch.float32))
                self.W[-1].mul_(0.1)
        self.register_buffer("shifts", torch.full((len(sizes) - 1,), -1, dtype=torch.int64))

    @property
    def quantised(self):
        return bool((self.shifts >= 0).all())

    def layer_params(self, i):
        w, b = self.W[i], self.b[i]
        if self.quantised:
            s = float(2 ** int(self.shifts[i]))
            lim = 127.0 / s
            wc = torch.clamp(w, -lim, lim)
            w = wc + (torch.round(wc * s) / s - wc).detach()
            b = b + (torch.round(b * s) / s - b).detach()
        return w, b

    def forward(self, x):
        h = x
        L = len(self.W)
        for i in range(L):
            w, b = self.layer_params(i)
            a = F.linear(h, w, b)
            if i < L - 1:
                a = torch.clamp(a, 0.0, 127.0)
            else:
                a = torch.clamp(a, -32767.0, 32767.0)
            h = a + (torch.floor(a) - a).detach()
        return h

    @torch.no_grad()
    def choose_shifts(self):
        """Per layer: the shift (of s0 = floor(log2(127/max|w|)) .. s0+2) with the least
        squared quantisation error (rounding plus clamping)."""
        out = []
        for i in range(len(self.W)):
            w = self.W[i].detach().double()
            mx = float(w.abs().max().clamp_min(1e-8))
            s0 = int(math.floor(math.log2(127.0 / mx)))
            best = None
            for s in range(s0, s0 + 3):
                s = max(0, min(31, s))
                q = torch.clamp(torch.round(w * 2 ** s), -127, 127) / 2 ** s
                err = float(((q - w) ** 2).sum())
                if best is None or err < best[0]:
                    best = (err, s)
            out.append(best[1])
        self.shifts.copy_(torch.tensor(out, dtype=torch.int64))
        return out

    @torch.no_grad()
    def export(self, name, kind, feature_set):
        assert self.quantised
        layers = []
        for i in range(len(self.W)):
            s = int(self.shifts[i])
            W = torch.clamp(torch.round(self.W[i].double() * 2 ** s), -127, 127).long().cpu().numpy()
            b = torch.round(self.b[i].double() * 2 ** s).long().cpu().numpy()
            rowmax = lmcm.check_layer(W, b)  # raises if 127*sum|W|+|b| >= 2^24
            layers.append({"W": W, "b": b, "shift": s, "rowmax": rowmax})
        return {"kind": kind, "feature_set": feature_set, "num_inputs": self.sizes[0],
                "num_outputs": self.sizes[-1], "name": name, "layers": layers}


def from_lmcm(m, inputs=None):
    """An IntMLP in the QAT phase that computes exactly the integer model m (as read by
    lmcm.read_lmcm): w = W / 2^shift and b = b / 2^shift with the model's own shifts, so
    layer_params rounds them back to W and b (exact in fp32: |W| <= 127, |b| < 2^24).
    inputs > the model's: appended inputs with zero weights (a feature set that extends
    the model's: the widened model still computes m's logits, and training starts there)."""
    sizes = [inputs or m["num_inputs"]] + [L["W"].shape[0] for L in m["layers"]]
    assert sizes[0] >= m["num_inputs"], (sizes[0], m["num_inputs"])
    model = IntMLP(sizes)
    with torch.no_grad():
        for i, L in enumerate(m["layers"]):
            s = 2.0 ** L["shift"]
            model.W[i].zero_()
            model.W[i][:, :L["W"].shape[1]].copy_(torch.from_numpy(L["W"] / s))
            model.b[i].copy_(torch.from_numpy(L["b"] / s))
        model.shifts.copy_(torch.tensor([L["shift"] for L in m["layers"]], dtype=torch.int64))
    return model


def bits_loss(logits, target):
    return F.cross_entropy(logits * (LN2 / 16.0), target) / LN2


def prior_logits(sym, n):
    cnt = np.bincount(np.asarray(sym, dtype=np.int64), minlength=n).astype(np.float64) + 0.5
    l = 16.0 * np.log2(cnt / cnt.sum())
    return np.maximum(l - l.max(), -250.0)


@torch.no_grad()
def eval_bits(model, X, Y, batch=1 << 17):
    tot, n = 0.0, 0
    for s in range(0, len(Y), batch):
        lg = model(X[s:s + batch].float())
        tot += float(bits_loss(lg, Y[s:s + batch].long())) * len(lg)
        n += len(lg)
    return tot / max(n, 1)


def train(cfg, Xtr, Ytr, Xva, Yva, outdir, ckpt_path, resume=False, device="cpu", log=print, stop_after=0.0):
    """Xtr int8 [M,F], Ytr uint8/int [M] (numpy). Returns the trained model, or None when
    stop_after (seconds of this call, 0 = no limit) ends the call before the run's budget:
    the checkpoint then holds everything a later call with resume needs (a run can span
    several GPU calls, each with other data). The schedule follows the run's total
    progress (steps, or seconds summed over calls), not the call's."""
    torch.manual_seed(cfg.get("seed", 1))
    if device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    N = cfg["sizes"][-1]
    if cfg.get("init"):  # warm start: an exported model, possibly widened to more inputs
        model = from_lmcm(lmcm.read_lmcm(cfg["init"]), cfg["sizes"][0]).to(device)
        assert model.sizes == list(cfg["sizes"]), (model.sizes, cfg["sizes"])
        log("initialised from %s (QAT phase from the start, its shifts)" % cfg["init"])
    else:
        model = IntMLP(cfg["sizes"], prior=prior_logits(Ytr, N)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    Xt = torch.from_numpy(np.ascontiguousarray(Xtr)).to(device)
    Yt = torch.from_numpy(np.ascontiguousarray(Ytr).astype(np.int64)).to(device)
    nv = min(len(Yva), cfg.get("val_samples", 1 << 20))
    gsel = np.random.default_rng(0).choice(len(Yva), nv, replace=False) if nv < len(Yva) else np.arange(len(Yva))
    Xv = torch.from_numpy(np.ascontiguousarray(Xva[gsel])).to(device)
    Yv = torch.from_numpy(np.ascontiguousarray(Yva[gsel]).astype(np.int64)).to(device)
    step, elapsed = 0, 0.0
    os.makedirs(outdir, exist_ok=True)
    csv_path = os.path.join(outdir, "%s_train.csv" % cfg["name"])
    if resume and os.path.exists(ckpt_path):
        try:
            ck = torch.load(ckpt_path, map_location=device, weights_only=False)
        except TypeError:
            ck = torch.load(ckpt_path, map_location=device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
        log("resumed from %s at step %d (%.0f s)" % (ckpt_path, step, elapsed))
    else:
        with open(csv_path, "w", newline="") as f:
            csv.writer(f).writerow(["step", "seconds", "phase", "lr", "train_bits", "val_bits"])
    B = cfg["batch"]
    M = len(Yt)
    max_steps, budget = cfg["max_steps"], cfg["time_budget_s"]
    qat_start = cfg["qat_start"]
    lr0, lr_min = cfg["lr"], cfg["lr_min"]
    ema = None
    wb = cfg.get("w_bound_shift")
    wb = [127.0 / 2 ** v for v in wb] if wb else None
    t0 = time.time() - elapsed
    last_ck = time.time()
    gen = torch.Generator(device=device)
    gen.manual_seed(cfg.get("seed", 1) * 1000 + step)
    call_t0 = time.time()

    def save_ck():
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                    "elapsed": time.time() - t0, "cfg": cfg}, ckpt_path)

    while True:
        elapsed = time.time() - t0
        prog = max(step / max_steps, elapsed / budget)
        if prog >= 1.0:
            break
        if stop_after and time.time() - call_t0 >= stop_after:
            save_ck()
            log("paused at step %d, %.0f s of %.0f: resume with the checkpoint %s" % (
                step, elapsed, budget, ckpt_path))
            return None
        if prog >= qat_start and not model.quantised:
            sh = model.choose_shifts()
            log("step %d: QAT starts, shifts %s" % (step, sh))
        lr = lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * prog))
        if model.quantised:  # fine-tune phase: restart a smaller cosine
            q = (prog - qat_start) / (1 - qat_start)
            lr = lr_min + 0.5 * (cfg.get("qat_lr", lr0 * 0.3) - lr_min) * (1 + math.cos(math.pi * q))
        for g in opt.param_groups:
            g["lr"] = lr
        idx = torch.randint(0, M, (B,), device=device, generator=gen)
        x = Xt[idx].float()
        y = Yt[idx]
        loss = bits_loss(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if wb is not None:  # keep |w| <= 127 / 2^bound so the export keeps a fine shift
            with torch.no_grad():
                for i, lim in enumerate(wb):
                    model.W[i].clamp_(-lim, lim)
        step += 1
        if step % cfg["log_every"] == 0 or step == 1:
            lv = float(loss)
            ema = lv if ema is None else 0.9 * ema + 0.1 * lv
            vb = ""
            if step % cfg["val_every"] == 0 or step == 1:
                model.eval()
                vb = eval_bits(model, Xv, Yv)
                model.train()
                log("step %6d  %6.1fs  %s  lr %.2e  train %.4f  val %.4f bits" % (
                    step, time.time() - t0, "qat" if model.quantised else "flt", lr, ema, vb))
            with open(csv_path, "a", newline="") as f:
                csv.writer(f).writerow([step, "%.1f" % (time.time() - t0), "qat" if model.quantised else "float",
                                        "%.3e" % lr, "%.5f" % ema, vb if vb == "" else "%.5f" % vb])
        if time.time() - last_ck > cfg.get("ckpt_every_s", 60):
            save_ck()
            last_ck = time.time()
    if not model.quantised:
        model.choose_shifts()
    model.eval()
    vb = eval_bits(model, Xv, Yv)
    log("done: %d steps, %.1f s, val %.4f bits (QAT model, softmax)" % (step, time.time() - t0, vb))
    with open(csv_path, "a", newline="") as f:
        csv.writer(f).writerow([step, "%.1f" % (time.time() - t0), "qat", "%.3e" % lr_min, "", "%.5f" % vb])
    save_ck()
    return model


def plot_curve(csv_path, png_path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = list(csv.DictReader(open(csv_path)))
    st = [int(r["step"]) for r in rows if r["train_bits"]]
    tb = [float(r["train_bits"]) for r in rows if r["train_bits"]]
    sv = [int(r["step"]) for r in rows if r["val_bits"]]
    vb = [float(r["val_bits"]) for r in rows if r["val_bits"]]
    qs = [int(r["step"]) for r in rows if r["phase"] == "qat"]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(st, tb, label="train (EMA)", lw=1)
    ax.plot(sv, vb, "o-", label="val", ms=3)
    if qs:
        ax.axvline(qs[0], color="gray", ls="--", lw=1, label="QAT starts")
    allv = tb + vb
    if allv:
        lo = min(allv)
        ax.set_ylim(lo - 0.05, min(max(allv), lo + 2.0))
    ax.set_xlabel("step")
    ax.set_ylabel("bits / symbol (softmax of integer logits)")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)


def load_config(path, overrides):
    with open(path) as f:
        cfg = json.load(f)
    for kv in overrides or []:
        k, v = kv.split("=", 1)
        cfg[k] = json.loads(v)
    return cfg
