#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The model zoo against the issue-17 targets, from bench/video.py results.

    /usr/bin/python3 bench/video.py --split test   --models M... --name zoo15_test
    /usr/bin/python3 bench/video.py --split unseen --models M... --name zoo15_unseen
    /usr/bin/python3 bench/zoo.py [--results zoo15_test zoo15_unseen] [--name zoo15]

For each results file and each lmc_video model: the photographs coded as 24-bit RGB
(gbrp items) in total bytes against JPEG-XL -d 0 -e 9, and the 4:2:0 camera clips
(yuv420p items of more than one frame) against the better of x264 -qp 0 veryslow and
x265 lossless, and against FFV1 level 3; then bits per sample over every item all
codecs coded, against the model's multiply-adds per sample and file size. Writes
bench/results/NAME.{md,json,png}. The curve joins this release's models; files named
like video-s-0.14 (kept so that old streams decode) are listed, not joined.
"""
import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models" / "training"))
import lmcm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def model_cost(path):
    """(multiply-adds per sample, file bytes) of an .lmcm file."""
    m = lmcm.read_lmcm(str(path))
    return sum(L["W"].size for L in m["layers"]), Path(path).stat().st_size


def total(rows, codec, keep):
    mine = [r for r in rows if r["codec"] == codec and keep(r)]
    if not mine or any(r["status"] != "ok" for r in mine):
        return None
    return sum(r["bytes"] for r in mine), sum(r["raw_bytes"] for r in mine)


def pct(a, b):
    return "%+.1f%%" % (100.0 * (a / b - 1)) if a and b else "n/a"


def summarise(name, rows):
    codecs = list(dict.fromkeys(r["codec"] for r in rows))
    models = [c for c in codecs if c.startswith("lmc_video")]
    photo = lambda r: r["pix_fmt"] == "gbrp"  # noqa: E731
    clip = lambda r: r["pix_fmt"] == "yuv420p" and r["frames"] > 1  # noqa: E731
    items = {r["item"] for r in rows}
    common = items - {r["item"] for r in rows if r["status"] != "ok"}
    every = lambda r: r["item"] in common  # noqa: E731
    peers = {c: (total(rows, c, photo), total(rows, c, clip), total(rows, c, every)) for c in codecs}
    out = []
    for m in models:
        ph, cl, ev = peers[m]
        jxl = peers.get("jpeg-xl", (None,) * 3)[0]
        best = min((peers[c][1] for c in ("x264", "x265") if c in peers and peers[c][1]),
                   key=lambda t: t[0], default=None)
        ffv1 = peers.get("ffv1", (None,) * 3)[1]
        out.append({
            "set": name, "model": m.split()[-1],
            "photos_bytes": ph and ph[0], "photos_vs_jpegxl": pct(ph and ph[0], jxl and jxl[0]),
            "clips_bytes": cl and cl[0], "clips_vs_best_x26x": pct(cl and cl[0], best and best[0]),
            "clips_vs_ffv1": pct(cl and cl[0], ffv1 and ffv1[0]),
            "bits_per_sample_common": ev and round(8 * ev[0] / ev[1], 4), "common_items": len(common)})
    refs = {c: {"photos_bytes": p[0][0] if p[0] else None, "clips_bytes": p[1][0] if p[1] else None,
                "bits_per_sample_common": round(8 * p[2][0] / p[2][1], 4) if p[2] else None}
            for c, p in peers.items() if not c.startswith("lmc_video")}
    return out, refs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", nargs="+", default=["zoo15_test", "zoo15_unseen"])
    ap.add_argument("--name", default="zoo15", help="writes bench/results/NAME.{md,json,png}")
    opt = ap.parse_args()
    sets, refs, costs = [], {}, {}
    for name in opt.results:
        data = json.loads((ROOT / "bench/results" / (name + ".json")).read_text())
        rows, ref = summarise(name, data["results"])
        sets += rows
        refs[name] = ref
        cmd = data["command"].split()
        for p in cmd[cmd.index("--models") + 1:] if "--models" in cmd else []:
            if p.endswith(".lmcm"):
                costs[Path(p).stem] = model_cost(p)
    lines = ["| set | model | MACs/sample | file bytes | RGB photos: bytes (vs JPEG-XL) | "
             "4:2:0 clips: bytes (vs better of x264/x265) | (vs FFV1) | bits/sample, items every codec codes |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for s in sets:
        mac, size = costs.get(s["model"], (None, None))
        lines.append("| %s | %s | %s | %s | %s (%s) | %s (%s) | %s | %s |" % (
            s["set"], s["model"], f"{mac:,}" if mac else "?", f"{size:,}" if size else "?",
            f"{s['photos_bytes']:,}" if s["photos_bytes"] else "-", s["photos_vs_jpegxl"],
            f"{s['clips_bytes']:,}" if s["clips_bytes"] else "-", s["clips_vs_best_x26x"], s["clips_vs_ffv1"],
            s["bits_per_sample_common"]))
    lines += ["", "| set | peer | RGB photos bytes | 4:2:0 clips bytes | bits/sample, items every codec codes |",
              "|---|---|---:|---:|---:|"]
    for name, ref in refs.items():
        for c, v in ref.items():
            lines.append("| %s | %s | %s | %s | %s |" % (name, c, f"{v['photos_bytes']:,}" if v["photos_bytes"] else "-",
                                                       f"{v['clips_bytes']:,}" if v["clips_bytes"] else "-",
                                                       v["bits_per_sample_common"] or "-"))
    table = "\n".join(lines)
    print(table)
    out = ROOT / "bench/results" / opt.name
    out.with_suffix(".json").write_text(json.dumps({"models": sets, "peers": refs, "costs": costs}, indent=1) + "\n")
    out.with_suffix(".md").write_text("# The model zoo against unseen media (issue 17)\n\nCommand: "
                                      "`/usr/bin/python3 bench/zoo.py --results %s --name %s`\n\n%s\n" % (
                                          " ".join(opt.results), opt.name, table))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax, rel) = plt.subplots(1, 2, figsize=(11, 4))
    for name in opt.results:
        pts = sorted((costs[s["model"]][0], s["bits_per_sample_common"]) for s in sets
                     if s["set"] == name and s["model"] in costs and s["bits_per_sample_common"]
                     and not re.search(r"-0\.\d+$", s["model"]))  # the curve: this release's zoo
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label="lmc_video, %s" % name)
            rel.plot([p[0] for p in pts], [100 * (p[1] / pts[0][1] - 1) for p in pts], "o-", label=name)
            for c, v in refs[name].items():
                if c in ("x265", "jpeg-xl", "ffv1") and v["bits_per_sample_common"]:
                    ax.axhline(v["bits_per_sample_common"], ls=":", lw=1, color=ax.lines[-1].get_color())
                    ax.annotate("%s (%s)" % (c, name), (pts[0][0], v["bits_per_sample_common"]), fontsize=7)
    for a, ylabel, title in ((ax, "bits / sample (items every codec codes)", "lmc_video models: size buys compression?"),
                             (rel, "% against the smallest model", "the same, relative")):
        a.set_xscale("log")
        a.set_xlabel("multiply-adds per sample (log)")
        a.set_ylabel(ylabel)
        a.set_title(title)
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=100)


if __name__ == "__main__":
    main()
