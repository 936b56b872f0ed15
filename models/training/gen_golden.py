#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Golden vectors for lmc_gen's learned intra coding (tests/data/golden_gen_intra.txt),
from the shipped models/gen-i.lmcm and the exact integer reference (gen_net.py):

    python3 models/training/gen_golden.py      (needs torch; CPU is enough)

The frame: a 160x96 crop at (120, 96) of the first frame of samples/vtest_384x288.y4m
(padded to 192x128 by the codec: edges repeated). One line per quantiser k:
    k: K | bits: B | frame: SHA | symbols: SHA
frame is the SHA-256 of the decoded Y, U and V planes one after the other (what
every decoder must output), symbols that of the coded values (z then the latents'
symbols, int16 little-endian, in coding order), bits what the range coder spends
on them by the model's tables (within a few bytes of the packet).

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
TINY = {"y_channels": 4, "z_channels": 2,
        "g_a": [[4, 3], "s2d", [4, 1], "s2d", [4, 1], "s2d", [4, 1]],
        "h_a": [[4, 1], "s2d", [4, 1], "s2d", [2, 1]],
        "h_s": [[8, 1], "d2s", [8, 1], "d2s", [8, 1]],
        "g_s": [[16, 1], "d2s", [16, 1], "d2s", [24, 1], "d2s", [6, 3]]}


def main():
    m = gen_net.parse(open(os.path.join(REPO, "models", "gen-i.lmcm"), "rb").read())
    (y, u, v), = gen_net.y4m_frames(os.path.join(REPO, "samples", "vtest_384x288.y4m"), 1)
    y = y[Y0:Y0 + H, X0:X0 + W]
    u, v = (p[Y0 // 2:(Y0 + H) // 2, X0 // 2:(X0 + W) // 2] for p in (u, v))
    ph, pw = -(-H // 64) * 64, -(-W // 64) * 64
    x = gen_net.pack_yuv420(gen_net.pad_to(y, ph, pw), gen_net.pad_to(u, ph // 2, pw // 2),
                            gen_net.pad_to(v, ph // 2, pw // 2))
    out = os.path.join(REPO, "tests", "data", "golden_gen_intra.txt")
    with open(out, "w") as f:
        f.write(f"# model gen-i.lmcm ({m['name']}), model sha256 {m['sha256']}\n")
        f.write(f"# vtest_384x288.y4m frame 0, {W}x{H} at ({X0}, {Y0})\n")
        for k in KS:
            z, sym, idx, x_hat = gen_net.encode_frame(m, x, k)
            frame = gen_net.frame_sha256(x_hat, W, H)
            coded = torch.cat([z.flatten(), sym.flatten()]).numpy().astype("<i2").tobytes()
            bits = gen_net.frame_bits(m, z, sym, idx)
            f.write(f"k: {k} | bits: {bits:.1f} | frame: {frame} | symbols: {hashlib.sha256(coded).hexdigest()}\n")
    print("wrote", out)
    torch.manual_seed(0)
    tiny = os.path.join(REPO, "tests", "data", "gen_tiny.lmcm")
    open(tiny, "wb").write(gen_net.serialize(gen_net.GenIntra(TINY).export("gen-tiny")))
    print("wrote", tiny)


if __name__ == "__main__":
    main()
