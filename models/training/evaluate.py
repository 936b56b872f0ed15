#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Exact bits/sample of a shipped integer model on corpus splits, computed with the
numpy integer reference (lmcm.py): every sample costs -log2(g_s / sum g) of the
integer frequency table the codec uses (plus, for audio, the raw low bits, escapes
and per-packet side information). Compared with simple baselines:
  video: order-0 empirical entropy of the MED residual per plane and frame (a static
         coder that knows the exact histogram for free: optimistic),
  audio: the same LPC residual Rice-coded with the best parameter per block, and
         `flac -8` on the same clips where the flac tool is installed.

    python3 models/training/evaluate.py models/video-s.lmcm [--splits val test] [--json out.json]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import lmc_features as lf  # noqa: E402
import lmcm  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def flac_bits(pcm, rate):
    if not shutil.which("flac"):
        return None
    with tempfile.TemporaryDirectory() as d:
        w = os.path.join(d, "a.wav")
        with wave.open(w, "wb") as f:
            f.setnchannels(pcm.shape[1]); f.setsampwidth(2); f.setframerate(rate)
            f.writeframes(pcm.astype("<i2").tobytes())
        subprocess.run(["flac", "-8", "-s", "-f", "--no-padding", "--no-seektable", "-o",
                        os.path.join(d, "a.flac"), w], check=True)
        return 8 * os.path.getsize(os.path.join(d, "a.flac"))


def eval_video(m, corpus, splits, max_frames=0, log=print):
    rows = []
    for split in splits:
        items = data.video_split(corpus, split, max_frames=max_frames, feature_set=m["feature_set"])
        per = {}
        for it in items:
            b = float(lmcm.symbol_bits(m, it["X"], it["Y"]).sum())
            key = (it["source"], it["pix_fmt"])
            r = per.setdefault(key, [0, 0.0, 0.0])
            r[0] += len(it["Y"]); r[1] += b; r[2] += it["base_bits"]
        tot = [0, 0.0, 0.0]
        for (src, fmt), (n, b, base) in sorted(per.items()):
            rows.append({"split": split, "source": src, "format": fmt, "samples": n,
                         "model_bps": b / n, "baseline_bps": base / n})
            tot[0] += n; tot[1] += b; tot[2] += base
        rows.append({"split": split, "source": "ALL", "format": "", "samples": tot[0],
                     "model_bps": tot[1] / tot[0], "baseline_bps": tot[2] / tot[0]})
        log("  %s done" % split)
    return rows


def eval_audio(m, corpus, splits, max_clips=0, log=print, k_offset=2, audio_rows="python"):
    rows = []
    for split in splits:
        clips = data.audio_split(corpus, split, max_clips=max_clips, with_baseline=True, k_offset=k_offset,
                                 rows=audio_rows)
        per = {}
        for c in clips:
            mb = float(lmcm.symbol_bits(m, c["feats"], c["v"]).sum())
            raw = float(lf.audio_raw_bits(c["u"], c["kk"]).sum())
            fb = flac_bits(c["pcm"], c["rate"])
            r = per.setdefault(c["source"], {"n": 0, "model": 0.0, "raw": 0.0, "side": 0.0, "rice": 0.0,
                                              "flac": 0.0, "has_flac": fb is not None, "rates": set()})
            r["n"] += c["nsamples"]; r["model"] += mb; r["raw"] += raw; r["side"] += c["side_bits"]
            r["rice"] += c["rice_bits"]; r["flac"] += fb or 0; r["rates"].add(c["rate"])
        tot = {"n": 0, "total": 0.0, "rice": 0.0, "flac": 0.0}
        for src, r in sorted(per.items()):
            total = r["model"] + r["raw"] + r["side"]
            rows.append({"split": split, "source": src, "rates": sorted(r["rates"]), "samples": r["n"],
                         "model_v_bps": r["model"] / r["n"], "raw_bps": r["raw"] / r["n"],
                         "side_bps": r["side"] / r["n"], "total_bps": total / r["n"],
                         "rice_bps": r["rice"] / r["n"],
                         "flac8_bps": r["flac"] / r["n"] if r["has_flac"] else None})
            tot["n"] += r["n"]; tot["total"] += total; tot["rice"] += r["rice"]; tot["flac"] += r["flac"]
        rows.append({"split": split, "source": "ALL", "rates": [], "samples": tot["n"],
                     "total_bps": tot["total"] / tot["n"], "rice_bps": tot["rice"] / tot["n"],
                     "flac8_bps": tot["flac"] / tot["n"] if shutil.which("flac") else None})
        log("  %s done" % split)
    return rows


def table(kind, rows):
    if kind == 1:
        out = ["| split | source | format | samples | video-s (exact) | MED + order-0 entropy |",
               "|---|---|---|---:|---:|---:|"]
        for r in rows:
            out.append("| %s | %s | %s | %d | %.4f | %.4f |" % (r["split"], r["source"], r["format"], r["samples"],
                                                            r["model_bps"], r["baseline_bps"]))
        return "\n".join(out)
    out = ["| split | source | rate | samples | v (model) | raw low/escape | side | total (exact) | LPC+Rice | flac -8 |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        fl = "%.4f" % r["flac8_bps"] if r.get("flac8_bps") is not None else "-"
        if r["source"] == "ALL":
            out.append("| %s | **ALL** | | %d | | | | **%.4f** | %.4f | %s |" % (
                r["split"], r["samples"], r["total_bps"], r["rice_bps"], fl))
        else:
            out.append("| %s | %s | %s | %d | %.4f | %.4f | %.4f | %.4f | %.4f | %s |" % (
                r["split"], r["source"], "/".join(str(x) for x in r["rates"]), r["samples"], r["model_v_bps"],
                r["raw_bps"], r["side_bps"], r["total_bps"], r["rice_bps"], fl))
    return "\n".join(out)


def evaluate(model_path, corpus, splits, max_frames=0, max_clips=0, log=print, k_offset=2, audio_rows="python"):
    m = lmcm.read_lmcm(model_path)
    log("evaluating %s (%s, sha256 %s) on %s" % (model_path, m["name"], m["sha256"], ", ".join(splits)))
    if m["kind"] == 1:
        rows = eval_video(m, corpus, splits, max_frames, log)
        unit = "bits per 8-bit sample"
    else:
        rows = eval_audio(m, corpus, splits, max_clips, log, k_offset, audio_rows)
        unit = "bits per sample (per channel)"
    t = table(m["kind"], rows)
    log(t)
    return {"model": os.path.basename(model_path), "name": m["name"], "sha256": m["sha256"], "unit": unit,
            "rows": rows, "table_md": t}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--corpus", default=os.path.join(REPO, "build", "corpus"))
    ap.add_argument("--splits", nargs="+", default=["val", "test"])
    ap.add_argument("--max-frames", type=int, default=0, help="video: at most this many frames per item")
    ap.add_argument("--max-clips", type=int, default=0)
    ap.add_argument("--k-offset", type=int, default=2, help="audio: encoder k rule offset (format.md: 2)")
    ap.add_argument("--audio-rows", default="codec", choices=["codec", "python"],
                    help="audio: the adaptive tool's rows from lmc-audio-rows (8.1), or liblmc 0.9's (8)")
    ap.add_argument("--json")
    a = ap.parse_args()
    res = evaluate(a.model, a.corpus, a.splits, a.max_frames, a.max_clips, k_offset=a.k_offset,
                   audio_rows=a.audio_rows)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
