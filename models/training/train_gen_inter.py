#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Trains the inter-frame section of lmc_gen's learned model (gen_net.py, docs/format.md 10.3)
and writes the model file that holds it after the shipped intra section:

    python3 models/training/train_gen_inter.py --config models/training/configs/gen-ip.json \
        [--corpus build/corpus] [--logdir DIR] [--set key=json ...] [--ckpt F.pt [--resume]]

The intra section is models/gen-i.lmcm's, copied as it is (config key "intra"). An inter frame
is coded from the frame and its prediction: the previous decoded frame aligned by whole-sample
block motion (gen_net.motion_search and align, what liblmc computes); g_a sees both, g_s
returns a correction of the prediction. A fresh run starts from the intra networks (g_a's
first layer sees x - prediction, the rest as they are: the intra codec applied to the
residual), a --resume from --ckpt.

Training pairs: a random crop (crop x crop luma, even offsets, half of them mirrored) of frame
t of a train-split clip (yuv420p items and gray ones with neutral chroma), and the region
around it, 32 samples wider on every side, of frame t - 1 decoded by the intra section at the
same quantiser k, which is how a P frame after a keyframe sees its reference. Loss as in
train_gen.py: lambda_k * MSE + bits per pixel, k random in [0, 32].

Evaluation: the first 4 frames of every yuv420p clip of the test split through the EXACT
integer reference (gen_net.encode_frame with the frames' motion), I P P P against I I I I
at each k of eval_k: bits per pixel and PSNR-YUV over the 4 frames.

Writes to --logdir: NAME.lmcm, NAME_train.csv, NAME_eval.json, and --ckpt (the inter
networks' float weights) for --resume.
"""
import json
import math
from pathlib import Path

import numpy as np
import torch

import gen_net

MARGIN = 32  # the reference region's margin: the crop's size + 64 stays a multiple of 64


def load_clips(corpus, split, formats):
    """[(name, [(y, u, v) per frame])] of the split's items of two or more frames."""
    return [c for c in gen_net.corpus_items(corpus, split, formats) if len(c[1]) >= 2]


def pairs(clips, batch, size, rng):
    """(cur [B, 3 planes], ref regions [B, 3 planes]) as uint8 numpy stacks: Y then U, V."""
    S, R = size, MARGIN
    cur_y, cur_c, ref_y, ref_c = [], [], [], []
    for _ in range(batch):
        _, frames = clips[rng.integers(len(clips))]
        t = 1 + rng.integers(len(frames) - 1)
        h, w = frames[t][0].shape
        top, left = 2 * rng.integers((h - S) // 2 + 1), 2 * rng.integers((w - S) // 2 + 1)
        flip = rng.random() < 0.5
        cy, cu, cv = frames[t]
        ry, ru, rv = (np.pad(p, m, mode="edge") for p, m in zip(frames[t - 1], (R, R // 2, R // 2)))
        c = [cy[top:top + S, left:left + S], cu[top // 2:(top + S) // 2, left // 2:(left + S) // 2],
             cv[top // 2:(top + S) // 2, left // 2:(left + S) // 2]]
        r = [ry[top:top + S + 2 * R, left:left + S + 2 * R],
             ru[top // 2:(top + S) // 2 + R, left // 2:(left + S) // 2 + R],
             rv[top // 2:(top + S) // 2 + R, left // 2:(left + S) // 2 + R]]
        if flip:
            c, r = [p[:, ::-1] for p in c], [p[:, ::-1] for p in r]
        cur_y.append(c[0]), cur_c.append(np.stack(c[1:])), ref_y.append(r[0]), ref_c.append(np.stack(r[1:]))
    return [torch.from_numpy(np.ascontiguousarray(np.stack(a))) for a in (cur_y, cur_c, ref_y, ref_c)]


def pack(y, c):
    """Luma [B, 2h, 2w] and chroma [B, 2, h, w] (integers, float) into 6 half planes less 128."""
    return torch.cat([torch.nn.functional.pixel_unshuffle(y.unsqueeze(1), 2), c], 1) - 128


def unpack(x):
    """6 half planes less 128 into luma [B, 2h, 2w] and chroma [B, 2, h, w] (0..255)."""
    x = torch.clamp(x, -128, 127) + 128
    return torch.nn.functional.pixel_shuffle(x[:, :4], 2)[:, 0], x[:, 4:]


def training_batch(intra, clips, cfg, rng, device):
    """x (the crops), pred (their predictions from decoded references), k."""
    S, R, B = cfg["crop"], MARGIN, cfg["batch"]
    cy, cc, ry, rc = (a.to(device).float() for a in pairs(clips, B, S, rng))
    k = torch.randint(0, gen_net.MAX_K + 1, (B,), device=device)
    k[0], k[1] = 0, gen_net.MAX_K
    with torch.no_grad():
        ref_hat, _ = intra(pack(ry, rc), k)  # the reference as the intra section decodes it
        dy, dc = unpack(torch.floor(ref_hat + 0.5))
        m = gen_net.MOTION_RANGE
        win = dy[:, R - m:R + S + m, R - m:R + S + m]
        vy, vx = gen_net.motion_search(cy, win)
        py = gen_net.align(win, m, vy, vx, 0, S, S)
        mc = m // 2
        pc = torch.stack([gen_net.align(dc[:, i, R // 2 - mc:R // 2 + S // 2 + mc, R // 2 - mc:R // 2 + S // 2 + mc],
                                        mc, vy, vx, 1, S // 2, S // 2) for i in range(2)], 1)
    return pack(cy, cc), pack(py.float(), pc.float()), k


def init_from_intra(inter, intra):
    """The inter networks as the intra ones applied to x - prediction."""
    with torch.no_grad():
        for a, b in zip(inter.parameters(), intra.parameters()):
            if a.shape == b.shape:
                a.copy_(b)
        first_a, first_b = inter.g_a[0], intra.g_a[0]
        first_a.weight[:, :6] = first_b.weight
        first_a.weight[:, 6:] = -first_b.weight


@torch.no_grad()
def evaluate(m, clips, ks, frames, device):
    """Per clip and k: bpp and PSNR-YUV of I P P P (inter) and I I I I (intra) over frames frames."""
    res = {}
    for name, seq in clips:
        h, w = seq[0][0].shape
        H, W = -(-h // 64) * 64, -(-w // 64) * 64

        def packed(f):
            y, u, v = f
            return gen_net.pack_yuv420(gen_net.pad_to(y, H, W), gen_net.pad_to(u, H // 2, W // 2),
                                       gen_net.pad_to(v, H // 2, W // 2)).to(device)

        for k in ks:
            row = {"k": k}
            for mode in ("inter", "intra"):
                bits, err, n = 0.0, 0.0, 0
                ref = None
                for t in range(frames):
                    x = packed(seq[t])
                    if ref is None or mode == "intra":
                        z, sym, idx, x_hat = gen_net.encode_frame(m, x, k)
                        bits += gen_net.frame_bits(m, z, sym, idx)
                    else:
                        _, pred = gen_net.predict_frame(seq[t], ref)
                        z, sym, idx, x_hat = gen_net.encode_frame(m["inter"], x, k, packed(pred))
                        bits += gen_net.frame_bits(m["inter"], z, sym, idx)
                        bits += 2 * 6 * (-(-h // 16)) * (-(-w // 16))  # about what the vectors cost
                    dy, du, dv = gen_net.unpack_yuv420(x_hat)
                    ref = (dy[:h, :w], du[:h // 2, :w // 2], dv[:h // 2, :w // 2])
                    err += sum(float(((a.astype(np.float64) - b) ** 2).sum()) for a, b in zip(ref, seq[t]))
                    n += sum(p.size for p in seq[t])
                row[mode] = {"bpp": bits / (h * w * frames), "psnr_yuv": 10 * math.log10(255 ** 2 / max(err / n, 1e-9))}
            res.setdefault(name, []).append(row)
    return res


def main():
    opt, cfg, name = gen_net.training_command_line(__doc__, "--corpus", "build/corpus")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = False  # the intra references in integer units
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(cfg["seed"])
    rng = np.random.default_rng(cfg["seed"])
    repo = Path(__file__).resolve().parents[2]
    intra_m = gen_net.parse((repo / cfg["intra"]).read_bytes())
    intra_cfg = json.loads((repo / cfg["intra_config"]).read_text())
    intra = gen_net.GenIntra(intra_cfg)
    gen_net.load_integer(intra, intra_m)
    intra = intra.to(device).eval()
    for p in intra.parameters():
        p.requires_grad_(False)
    train = [c for c in load_clips(opt.data, "train", ("yuv420p", "gray")) if min(c[1][0][0].shape) >= cfg["crop"]]
    test = load_clips(opt.data, "test", ("yuv420p",))
    print(f"{len(train)} training clips ({sum(len(c[1]) - 1 for c in train)} pairs), {len(test)} test clips, "
          f"device {device}", flush=True)
    model = gen_net.GenIntra(dict(intra_cfg, inter=True)).to(device)
    if opt.resume:
        model.load_state_dict(torch.load(opt.ckpt, map_location=device))
        print("resumed", flush=True)
    else:
        init_from_intra(model, intra)
    logdir = Path(opt.logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    model.train()

    def batch():
        x, pred, k = training_batch(intra, train, cfg, rng, device)
        r_hat, bits = model(torch.cat([x, pred], 1), k)
        return pred + r_hat, x, bits, k

    step = gen_net.train_loop(model, cfg, (intra_cfg["lambda_hi"], intra_cfg["lambda_lo"]), batch, logdir, name)
    if opt.ckpt:
        torch.save(model.state_dict(), opt.ckpt)
    model.eval()
    m = dict(intra_m, name=name, inter=model.export(name))
    data = gen_net.serialize(m)
    (logdir / f"{name}.lmcm").write_bytes(data)
    m = gen_net.parse(data)  # evaluate what the file holds
    res = evaluate(m, test, cfg["eval_k"], cfg["eval_frames"], device)
    for item, pts in res.items():
        print(item + ":\n" + "\n".join(f"  k{p['k']}: IPPP {p['inter']['bpp']:.3f} bpp {p['inter']['psnr_yuv']:.2f} dB"
                                       f"  IIII {p['intra']['bpp']:.3f} bpp {p['intra']['psnr_yuv']:.2f} dB"
                                       for p in pts))
    (logdir / f"{name}_eval.json").write_text(json.dumps(
        {"config": cfg, "steps": step, "model_sha256": m["sha256"], "test": res}, indent=1) + "\n")
    print(f"{step} steps; wrote {logdir}/{name}.lmcm ({len(data)} bytes, {m['sha256'][:16]})")


if __name__ == "__main__":
    main()
