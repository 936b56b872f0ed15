#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Golden vectors for lmc_gen's learned coding (tests/data/golden_gen_intra.txt and
golden_gen_inter.txt), from the shipped models/gen-ip.lmcm and the exact integer
reference (gen_net.py):

    python3 models/training/gen_golden.py      (needs torch; CPU is enough)

The frame: a 160x96 crop at (120, 96) of the first frame of samples/vtest_384x288.y4m
(padded to 192x128 by the codec: edges repeated). One line per quantiser k:
    k: K | bits: B | frame: SHA | symbols: SHA
frame is the SHA-256 of the decoded Y, U and V planes one after the other (what
every decoder must output), symbols that of the coded values (z then the latents'
symbols, int16 little-endian, in coding order), bits what the range coder spends
on them by the model's tables (within a few bytes of the packet).

The inter vectors: frames 0, 1, 2 of the same crop coded I P P at quantiser 12, the P
frames predicted from the previous decoded frame by gen_net.predict_frame (liblmc's
motion search and alignment). One line per frame:
    frame: T | bits: B | frame: SHA | vectors: SHA
bits those of the latents (the vectors' are the range coder's adaptive counts), vectors
the SHA-256 of the frame's (vy, vx) per 16x16 block as int8 pairs in raster order.

Also writes tests/data/gen_tiny.lmcm: an untrained model of the same format with 4
latent channels (21 KB), the model-file fuzzer's seed for version-2 files.
"""
import hashlib
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_net  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
X0, Y0, W, H = 120, 96, 160, 96
KS = (0, 12, 32)
INTER_K, INTER_FRAMES = 12, 3
TINY = {"y_channels": 4, "z_channels": 2,
        "g_a": [[4, 3], "s2d", [4, 1], "s2d", [4, 1], "s2d", [4, 1]],
        "h_a": [[4, 1], "s2d", [4, 1], "s2d", [2, 1]],
        "h_s": [[8, 1], "d2s", [8, 1], "d2s", [8, 1]],
        "g_s": [[16, 1], "d2s", [16, 1], "d2s", [24, 1], "d2s", [6, 3]]}


def crop_frames(n):
    frames = gen_net.y4m_frames(os.path.join(REPO, "samples", "vtest_384x288.y4m"), n)
    return [(y[Y0:Y0 + H, X0:X0 + W], u[Y0 // 2:(Y0 + H) // 2, X0 // 2:(X0 + W) // 2],
             v[Y0 // 2:(Y0 + H) // 2, X0 // 2:(X0 + W) // 2]) for y, u, v in frames]


def packed(frame):
    ph, pw = -(-H // 64) * 64, -(-W // 64) * 64
    y, u, v = frame
    return gen_net.pack_yuv420(gen_net.pad_to(y, ph, pw), gen_net.pad_to(u, ph // 2, pw // 2),
                               gen_net.pad_to(v, ph // 2, pw // 2))


def write_inter(m):
    out = os.path.join(REPO, "tests", "data", "golden_gen_inter.txt")
    with open(out, "w") as f:
        f.write(f"# model gen-ip.lmcm ({m['name']}), model sha256 {m['sha256']}\n")
        f.write(f"# vtest_384x288.y4m frames 0-{INTER_FRAMES - 1}, {W}x{H} at ({X0}, {Y0}), I P P at k {INTER_K}\n")
        ref = None
        for t, frame in enumerate(crop_frames(INTER_FRAMES)):
            if ref is None:
                z, sym, idx, x_hat = gen_net.encode_frame(m, packed(frame), INTER_K)
                bits, vectors = gen_net.frame_bits(m, z, sym, idx), b""
            else:
                (vy, vx), pred = gen_net.predict_frame(frame, ref)
                z, sym, idx, x_hat = gen_net.encode_frame(m["inter"], packed(frame), INTER_K, packed(pred))
                bits = gen_net.frame_bits(m["inter"], z, sym, idx)
                vectors = torch.stack([vy, vx], -1).numpy().astype("i1").tobytes()
            y, u, v = gen_net.unpack_yuv420(x_hat)
            ref = (y[:H, :W], u[:H // 2, :W // 2], v[:H // 2, :W // 2])
            f.write(f"frame: {t} | bits: {bits:.1f} | frame: {gen_net.frame_sha256(x_hat, W, H)}"
                    f" | vectors: {hashlib.sha256(vectors).hexdigest()}\n")
    print("wrote", out)


def main():
    m = gen_net.parse(open(os.path.join(REPO, "models", "gen-ip.lmcm"), "rb").read())
    x = packed(crop_frames(1)[0])
    out = os.path.join(REPO, "tests", "data", "golden_gen_intra.txt")
    with open(out, "w") as f:
        f.write(f"# model gen-ip.lmcm ({m['name']}), model sha256 {m['sha256']}\n")
        f.write(f"# vtest_384x288.y4m frame 0, {W}x{H} at ({X0}, {Y0})\n")
        for k in KS:
            z, sym, idx, x_hat = gen_net.encode_frame(m, x, k)
            frame = gen_net.frame_sha256(x_hat, W, H)
            coded = torch.cat([z.flatten(), sym.flatten()]).numpy().astype("<i2").tobytes()
            bits = gen_net.frame_bits(m, z, sym, idx)
            f.write(f"k: {k} | bits: {bits:.1f} | frame: {frame} | symbols: {hashlib.sha256(coded).hexdigest()}\n")
    print("wrote", out)
    write_inter(m)
    torch.manual_seed(0)
    tiny = os.path.join(REPO, "tests", "data", "gen_tiny.lmcm")
    open(tiny, "wb").write(gen_net.serialize(gen_net.GenIntra(TINY).export("gen-tiny")))
    print("wrote", tiny)


if __name__ == "__main__":
    main()
