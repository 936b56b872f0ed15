#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Golden vectors for the lmc_restore filter (tests/data/golden_restore.txt), from the
shipped models/restore-s.lmcm and the exact integer reference (restore_net.py):

    python3 models/training/restore_golden.py      (needs torch; CPU is enough)

The input: three consecutive frames of samples/vtest_384x288.y4m, a 158x94 crop at
(120, 96) (odd halves on purpose: the filter pads to even sizes), restored in
sequence, so the second and third lines also check the recurrent input. One line per
frame: "frame: T | output: SHA", SHA the SHA-256 of the output's Y, U and V planes.

Also writes tests/data/restore_tiny.lmcm: an untrained model of the same format
(the model-file fuzzer's seed for restoration models).
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_net  # noqa: E402
import restore_net  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
X0, Y0, W, H = 120, 96, 158, 94
FRAMES = 3
TINY = {"net": [[8, 3], [8, 1], [6, 3]]}


def main():
    m = restore_net.parse(open(os.path.join(REPO, "models", "restore-s.lmcm"), "rb").read())
    out = os.path.join(REPO, "tests", "data", "golden_restore.txt")
    prev = None
    with open(out, "w") as f:
        f.write(f"# model restore-s.lmcm ({m['name']}), model sha256 {m['sha256']}\n")
        f.write(f"# vtest_384x288.y4m frames 0-{FRAMES - 1}, {W}x{H} at ({X0}, {Y0}), restored in sequence\n")
        for t, (y, u, v) in enumerate(gen_net.y4m_frames(os.path.join(REPO, "samples", "vtest_384x288.y4m"), FRAMES)):
            cw, ch = (W + 1) // 2, (H + 1) // 2
            y = y[Y0:Y0 + H, X0:X0 + W]
            u, v = (p[Y0 // 2:Y0 // 2 + ch, X0 // 2:X0 // 2 + cw] for p in (u, v))
            x = gen_net.pack_yuv420(gen_net.pad_to(y, 2 * ch, 2 * cw), u, v)
            prev = restore_net.restore_frame(m, x, x if prev is None else prev)
            f.write(f"frame: {t} | output: {gen_net.frame_sha256(prev, W, H)}\n")
    print("wrote", out)
    torch.manual_seed(0)
    tiny = os.path.join(REPO, "tests", "data", "restore_tiny.lmcm")
    open(tiny, "wb").write(restore_net.serialize(restore_net.Restore(TINY).export("restore-tiny")))
    print("wrote", tiny)


if __name__ == "__main__":
    main()
