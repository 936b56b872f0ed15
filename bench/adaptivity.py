#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What lmc_video's adaptation to the stream adds on media the models never saw
(issue 17, item 5), and what choosing the model per item would add.

    /usr/bin/python3 bench/adaptivity.py [--split unseen] [--items kde-path,table]
        [--model models/video-s.lmcm] [--zoo zoo15_unseen] [--name adaptivity]

Every item of build/corpus/SPLIT is coded with one model under these encoder settings
(each decoded and compared bit for bit with its source, as bench/video.py does):

  defaults       bias offsets fitted to the stream (-adapt 2, format.md 7.4), value
                 calibration (7.7), older references (-refs 16, 7.9)
  -adapt 0       no bias offsets
  -calibrate 0   no value calibration
  -refs 1        the previous frame only
  none           all three off

The adaptive stage (7.1) is part of the format of every model that codes inter
frames, so no setting turns it off. Per group of items (photographs as gbrp, as
yuv420p or gray, camera clips) the table gives the bytes and the change each setting
makes against the defaults. With --zoo (a bench/video.py results file holding
several models), it adds the per-item choice of the best model of the zoo against
always the largest. Writes bench/results/NAME.{json,md,png}.
"""
import argparse
import json
import re
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import video  # noqa: E402  (bench/video.py: items, ffmpeg codecs, bit-exact checks)

ROOT = video.ROOT
SETTINGS = [("defaults", []), ("-adapt 0", ["-adapt", "0"]), ("-calibrate 0", ["-calibrate", "0"]),
            ("-refs 1", ["-refs", "1"]), ("none", ["-adapt", "0", "-calibrate", "0", "-refs", "1"])]


def group(r):
    if r["frames"] > 1:
        return "camera clips"
    return "photos as gbrp" if r["pix_fmt"] == "gbrp" else "photos as yuv420p / gray"


def setting_table(rows):
    """Bytes per group and setting, and the change against the defaults."""
    groups = list(dict.fromkeys(group(r) for r in rows))
    head = "| group | items | " + " | ".join(n for n, _ in SETTINGS) + " |"
    out = [head, "|---|---:|" + "---:|" * len(SETTINGS)]
    summary = {}
    for g in groups + ["all"]:
        mine = [r for r in rows if g == "all" or group(r) == g]
        tot = {n: sum(r["bytes"] for r in mine if r["codec"] == n) for n, _ in SETTINGS}
        base = tot["defaults"]
        cells = [f"{tot[n]:,}" if n == "defaults" else f"{tot[n]:,} ({100 * (tot[n] / base - 1):+.2f}%)"
                 for n, _ in SETTINGS]
        items = len({r["item"] for r in mine})
        out.append(f"| {g} | {items} | " + " | ".join(cells) + " |")
        summary[g] = {"items": items, "bytes": tot}
    return "\n".join(out), summary


def zoo_choice(name):
    """Per-item best model of a zoo results file against always the largest (the last one
    listed), over this release's models (files named like video-s-0.14, kept for old
    streams, left out)."""
    res = json.loads((ROOT / "bench/results" / f"{name}.json").read_text())["results"]
    models = list(dict.fromkeys(r["codec"] for r in res
                                if r["codec"].startswith("lmc_video") and not re.search(r"-0\.\d+$", r["codec"])))
    ok = [r for r in res if r["codec"] in models and r["status"] == "ok"]
    items = sorted({r["item"] for r in ok})
    largest = models[-1]
    by = {(r["item"], r["codec"]): r["bytes"] for r in ok}
    fixed = sum(by[(i, largest)] for i in items)
    best = sum(min(by[(i, m)] for m in models if (i, m) in by) for i in items)
    picks = {i: min((m for m in models if (i, m) in by), key=lambda m: by[(i, m)]) for i in items}
    return {"results": name, "models": models, "largest": largest, "items": len(items), "largest_bytes": fixed,
            "best_per_item_bytes": best, "change": best / fixed - 1,
            "not_largest": {i: m for i, m in picks.items() if m != largest}}


def plot(summary, path, title):
    plt = video.pyplot()
    if plt is None:
        return
    groups = list(summary)
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / (len(SETTINGS) - 1)
    for k, (n, _) in enumerate(SETTINGS[1:]):
        vals = [100 * (summary[g]["bytes"][n] / summary[g]["bytes"]["defaults"] - 1) for g in groups]
        ax.bar([i + k * width for i in range(len(groups))], vals, width, label=n)
    ax.set_xticks([i + width * (len(SETTINGS) - 2) / 2 for i in range(len(groups))], groups)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel("bytes against the defaults (%)")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    video.save_figure(plt, fig, path, title)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(ROOT / "build/corpus"))
    ap.add_argument("--split", default="unseen")
    ap.add_argument("--items", default="", help="comma-separated name substrings (default: every item)")
    ap.add_argument("--frames", type=int, default=None)
    ap.add_argument("--model", default=str(ROOT / "models/video-s.lmcm"))
    ap.add_argument("--zoo", default="", help="bench/results/ZOO.json of bench/video.py with several models")
    ap.add_argument("--gop", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--name", default="adaptivity")
    ap.add_argument("--ffmpeg", default=str(ROOT / "build/install/bin/ffmpeg"))
    opt = ap.parse_args()
    opt.device, opt.lmc_args = None, ""
    command = shlex.join(["/usr/bin/python3", "bench/adaptivity.py", *sys.argv[1:]])
    items = video.load_items(opt.corpus, opt.split, [n for n in opt.items.split(",") if n], opt.frames)
    base = video.lmc_codec(opt.model, opt)
    codecs = [video.FFCodec(n, base.args + extra, base.formats, dec_args=base.dec_args) for n, extra in SETTINGS]
    rows, failures = video.code_all(items, codecs, opt)
    video.exit_on_failures(failures)
    table, summary = setting_table(rows)
    zoo = zoo_choice(opt.zoo) if opt.zoo else None
    text = (f"# lmc_video's adaptation on the {opt.split} split ({Path(opt.model).name})\n\n"
            f"Command: `{command}`\n\nEvery stream decoded bit-exactly. Bytes per group, and the "
            f"change when a setting is off:\n\n{table}\n")
    if zoo:
        text += (f"\nThe best model of the zoo per item ({', '.join(zoo['models'])}; `{zoo['results']}`) "
                 f"against always {zoo['largest']}: {zoo['best_per_item_bytes']:,} against "
                 f"{zoo['largest_bytes']:,} bytes over {zoo['items']} items ({100 * zoo['change']:+.2f}%); "
                 f"items where another model wins: "
                 f"{', '.join(f'{i} ({m})' for i, m in zoo['not_largest'].items()) or 'none'}.\n")
    print("\n" + text)
    out = ROOT / "bench/results" / opt.name
    out.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{out}.md").write_text(text + "\n## Per item\n\n" + video.item_table(rows, [n for n, _ in SETTINGS]) + "\n")
    Path(f"{out}.json").write_text(json.dumps({"command": command, "model": opt.model, "summary": summary,
                                               "zoo": zoo, "results": rows}, indent=1) + "\n")
    plot(summary, f"{out}.png", command)


if __name__ == "__main__":
    main()
