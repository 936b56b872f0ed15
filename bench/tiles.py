#!/usr/bin/python3
"""What tiles cost: lmc_video's size and decode speed at several tile grids (docs/format.md 6.1).

    /usr/bin/python3 bench/tiles.py [--split test] [--grids 1x1,0x0,64] [--frames N] [--threads 2]
        [--model models/video-s.lmcm] [--device cuda] [--ffmpeg build/install/bin/ffmpeg]

Every video item of build/corpus/SPLIT is coded by lmc_video once per grid through
ffmpeg (`-tile_cols C -tile_rows R`; 0x0 is the encoder's default, 1x1 the untiled
format of liblmc 0.8, a bare number N the grid of tiles about N luma samples a side,
capped by the format's 64-sample minimum), decoded and compared bit for bit with the
source. Reports bytes and the size change against the first grid per item and in
total, and encode/decode frames/s with --threads threads. Writes
bench/results/tiles[_DEVICE].{json,md,png}.
"""
import argparse
import shlex
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from video import ROOT, FFCodec, Failure, YUV, exit_on_failures, load_items, pyplot, record, save_run, status_text  # noqa: E402


def grid_for(spec, w, h):
    """(cols, rows) of a grid spec for a w x h item: CxR (0x0: as liblmc's auto_tiles picks, about
    256 a side, rounded up), or N (tiles of about N a side); at most one tile per 64 samples a side."""
    most = lambda v: max(1, min(64, v // 64))  # noqa: E731
    if spec == "0x0":
        return tuple(max(1, min(most(v), -(-v // 256))) for v in (w, h))
    if "x" in spec:
        c, r = spec.split("x")
        return int(c), int(r)
    n = int(spec)
    return tuple(max(1, min(most(v), round(v / n))) for v in (w, h))


def grid_codec(spec, w, h, opt):
    cols, rows = grid_for(spec, w, h)
    device = ["-device", opt.device] if opt.device else []
    model = Path(opt.model).resolve()
    return FFCodec(f"tiles {spec}", ["-c:v", "lmc_video", "-model", model, "-g", opt.gop, *device,
                                     "-tile_cols", cols, "-tile_rows", rows],
                   {"gray", *YUV, "gbrp"}, dec_args=["-model_dir", model.parent, *device]), (cols, rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="test")
    ap.add_argument("--items", default="")
    ap.add_argument("--grids", default="1x1,0x0,128,64")
    ap.add_argument("--frames", type=int, default=None)
    ap.add_argument("--gop", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", default=str(ROOT / "models/video-s.lmcm"))
    ap.add_argument("--device", default=None)
    ap.add_argument("--corpus", default=str(ROOT / "build/corpus"))
    ap.add_argument("--ffmpeg", default=str(ROOT / "build/install/bin/ffmpeg"))
    opt = ap.parse_args()
    command = shlex.join(["/usr/bin/python3", "bench/tiles.py", *sys.argv[1:]])
    grids = opt.grids.split(",")
    items = load_items(opt.corpus, opt.split, [n for n in opt.items.split(",") if n], opt.frames)
    rows, failures = [], []
    for unit in items:
        h, w = unit.planes[0].shape[1:]
        with tempfile.TemporaryDirectory(prefix="lmc-tiles-") as tmp:
            for spec in grids:
                codec, (cols, rows_) = grid_codec(spec, w, h, opt)
                try:
                    coded = codec.code(unit, tmp, opt)
                except Failure as e:
                    failures.append(str(e))
                    coded = "MISMATCH" if str(e).startswith("MISMATCH") else "FAILED"
                r = record(unit, codec, coded)
                r.update(grid=spec, tiles=f"{cols}x{rows_}")
                rows.append(r)
                print(f"{unit.name:20s} {unit.size:9s} {spec:4s} {cols}x{rows_:<3d} " +
                      (f"{r['bytes']:9d} B  enc {r['enc_fps']:6.2f} fps  dec {r['dec_fps']:6.2f} fps"
                       if r["status"] == "ok" else r["status"]), flush=True)

    base = {r["item"]: r for r in rows if r["grid"] == grids[0] and r["status"] == "ok"}
    table = [f"| item | size | frames | grid | tiles | bytes | vs {grids[0]} | encode fps | decode fps |",
             "|---|---|---:|---|---|---:|---:|---:|---:|"]
    total = {g: [0, 0, 0.0, 0.0, 0] for g in grids}  # bytes, base bytes, enc s, dec s, frames
    for r in rows:
        if r["status"] != "ok" or r["item"] not in base:
            table.append(f"| {r['item']} | {r['size']} | {r['frames']} | {r['grid']} | {r['tiles']} | {r['status']} | | | |")
            continue
        b = base[r["item"]]["bytes"]
        r["vs_first"] = round(100 * (r["bytes"] / b - 1), 2)
        t = total[r["grid"]]
        for i, v in enumerate((r["bytes"], b, r["enc_s"], r["dec_s"], r["frames"])):
            t[i] += v
        table.append(f"| {r['item']} | {r['size']} | {r['frames']} | {r['grid']} | {r['tiles']} | {r['bytes']} | "
                     f"{r['vs_first']:+.2f}% | {r['enc_fps']:.2f} | {r['dec_fps']:.2f} |")
    summary = [f"| grid | bytes | vs {grids[0]} | encode fps | decode fps |", "|---|---:|---:|---:|---:|"]
    for g, (size, b, enc_s, dec_s, frames) in total.items():
        if b:
            summary.append(f"| {g} | {size} | {100 * (size / b - 1):+.2f}% | {frames / enc_s:.2f} | {frames / dec_s:.2f} |")
    text = "\n".join(table) + "\n\nAll items:\n\n" + "\n".join(summary)
    print("\n" + text)

    stem, date, where = save_run("tiles", opt.device, command, rows, failures, threads=opt.threads)
    Path(f"{stem}.md").write_text(
        f"# Tiles: what they cost in size, what they give in speed\n\nCommand: `{command}`\n\n"
        f"Date: {date}. Machine: {where}; {opt.threads} threads. Model: {Path(opt.model).name}, "
        f"split {opt.split}.\n\n{status_text(failures)}\n\n{text}\n\n"
        "Grids: CxR columns x rows; 0x0 the encoder's default; N tiles of about N luma samples a "
        "side. Every decode compared with its source (framemd5). Speed: frames / ffmpeg's "
        "-benchmark time of its transcode loop.\n")
    plt = pyplot()
    if plt:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        names = list(base)
        for i, g in enumerate(grids[1:]):
            vals = [next((r["vs_first"] for r in rows if r["item"] == n and r["grid"] == g and "vs_first" in r), 0)
                    for n in names]
            ax.bar([k + 0.8 * i / max(1, len(grids) - 1) for k in range(len(names))], vals,
                   width=0.8 / max(1, len(grids) - 1), label=f"grid {g}")
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(f"size vs {grids[0]} (%)")
        ax.set_title("lmc_video: the size cost of tiles per item")
        ax.legend()
        fig.tight_layout()
        fig.savefig(f"{stem}.png", dpi=110)
    print(f"\nwrote {stem}.json, .md, .png")
    exit_on_failures(failures)


if __name__ == "__main__":
    main()
