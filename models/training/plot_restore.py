#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Training curve of a train_restore.py model trained in several runs (each resumed or
fine-tuned from the one before).

    /usr/bin/python3 models/training/plot_restore.py OUT.png RUN1.log|RUN1_train.csv [RUN2...]

Reads each run's NAME_train.csv (every 100 steps) or, where that is lost, the "step N
S s: decoded X dB, restored Y dB" lines of its log (every 1000): PSNR-YUV of the
training crops before and after the network; draws the gain, run after run.
"""
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    out, logs = sys.argv[1], sys.argv[2:]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    offset = 0
    for i, path in enumerate(logs):
        text = open(path).read()
        if path.endswith(".csv"):
            rows = [r.split(",") for r in text.split("\n")[1:] if r]
            pts = [(int(r[0]), float(r[3]) - float(r[2])) for r in rows]
        else:
            pts = [(int(m[0]), float(m[2]) - float(m[1])) for m in
                   re.findall(r"step (\d+) \d+ s: decoded ([0-9.]+) dB, restored ([0-9.]+) dB", text)]
        ax.plot([offset + s for s, _ in pts], [g for _, g in pts], marker="o", ms=3, label=f"run {i + 1}: {path.split('/')[-1]}")
        offset += pts[-1][0] if pts else 0
    ax.axhline(0, color="gray", lw=0.5)
    ax.set_xlabel("step (runs one after the other)")
    ax.set_ylabel("restored - decoded, dB (training crops)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print("wrote", out)


if __name__ == "__main__":
    main()
