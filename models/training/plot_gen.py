#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Loss curve of a train_gen.py model trained in several resumed runs.

    /usr/bin/python3 models/training/plot_gen.py OUT.png RUN1_train.csv [RUN2_train.csv ...]

Each CSV is one run's log (train_gen.py writes NAME_train.csv); later runs continue
the earlier ones, so their steps are drawn after them. Plots the training loss and,
for the two ends of the quantiser range (k = 0 and k = 32, in every batch), bits per
pixel and PSNR on the training crops.
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    out, runs = sys.argv[1], sys.argv[2:]
    rows, offset, starts = [], 0, []
    for path in runs:
        run = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(open(path))]
        starts.append(offset)
        rows += [dict(r, step=r["step"] + offset) for r in run]
        offset += run[-1]["step"] + 100
    step = [r["step"] for r in rows]
    fig, ax = plt.subplots(1, 3, figsize=(15, 4))
    ax[0].plot(step, [r["loss"] for r in rows], lw=0.8)
    ax[0].set_title("loss (lambda_k MSE + bpp)")
    for k, c in (("k0", "tab:blue"), ("k32", "tab:red")):
        ax[1].plot(step, [r[f"bpp_{k}"] for r in rows], lw=0.8, color=c, label=k.replace("k", "k = "))
        ax[2].plot(step, [r[f"psnr_{k}"] for r in rows], lw=0.8, color=c, label=k.replace("k", "k = "))
    ax[1].set_title("bits per pixel (training crops)")
    ax[2].set_title("PSNR-YUV, dB (training crops)")
    for a in ax:
        a.set_xlabel("step")
        for s in starts[1:]:
            a.axvline(s, color="gray", lw=0.5, ls="--")
        a.grid(alpha=0.3)
    ax[1].legend()
    ax[2].legend()
    fig.suptitle(f"{len(runs)} runs (dashed: where a resumed run starts)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print("wrote", out)


if __name__ == "__main__":
    main()
