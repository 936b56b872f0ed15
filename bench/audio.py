#!/usr/bin/python3
"""Lossless audio benchmark: lmc_audio against FLAC -8, FFmpeg's FLAC at compression level 12,
WavPack -hhx6 and TTA, per group: speech 8 kHz, speech 16 kHz, music 44.1/48 kHz.

    /usr/bin/python3 bench/audio.py [--split test] [--items festvox,sonic] [--threads 2]
        [--device cuda] [--codecs lmc,flac] [--ffmpeg build/install/bin/ffmpeg]
        [--external | --wav-dir DIR] [--name NAME]

With --wav-dir, the clips are every .wav file under DIR instead (24-bit files are
coded as 24-bit, s32 in FFmpeg), and the results go to bench/results/NAME.*.
--external takes recordings the corpus does not have, from pinned Debian packages
(bench/debs.py; results in bench/results/audio_external.*): every 16th prompt of
asterisk-core-sounds-fr-wav (8 kHz, a French voice), codec2-examples' WAVs (8 and
16 kHz speech), pocketsphinx-testdata's WAVs (16 kHz, LibriVox readings decoded from
64 kb/s MP3), every 20th sample of hydrogen-drumkits (44.1/48 kHz, 16 and 24 bits).

Every audio clip of build/corpus/SPLIT (models/training/corpus.py: festvox-ru speech at
16 kHz, the asterisk prompts at 8 kHz, sonic-pi samples at 44.1/48 kHz, mono and
stereo) is written as a 16-bit WAV, coded by every codec, decoded, and the decoded
samples compared with the source's (a mismatch or a failed run is reported loudly and
the script exits non-zero). Codecs and files: lmc_audio through our ffmpeg (.mka),
`flac -8 --no-padding` (.flac; Debian's flac), ffmpeg's flac encoder at
`-compression_level 12` (.flac), `wavpack -hhx6` (.wv; Debian's wavpack), ffmpeg's TTA
(.tta). Sizes are the files' (containers included). Speed: seconds of audio per second
of coding (x realtime) with --threads threads: ffmpeg's -benchmark time of its
transcode loop (process start-up, which loads LibTorch, left out) for the ffmpeg
codecs, wall time for the flac and wavpack tools (which start in milliseconds; both
run on one thread).
Needs: apt-get install flac wavpack. Prints the tables and writes
bench/results/audio[_DEVICE].{json,md,png}.
"""
import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from debs import package_dir  # noqa: E402
from video import ROOT, Failure, exit_on_failures, ffmpeg_run, pyplot, run, save_run, status_text  # noqa: E402

GROUPS = ("speech 8 kHz", "speech 16 kHz", "music 44.1/48 kHz")


def group_of(rate):
    return GROUPS[0] if rate <= 8000 else GROUPS[1] if rate <= 16000 else GROUPS[2]


def load_clips(corpus, split, names):
    """(name, rate, int16 [n, channels]) of the split's audio clips, optionally those matching names."""
    index = Path(corpus, split, "index.json")
    if not index.exists():
        sys.exit(f"{index} missing: build the corpus with /usr/bin/python3 models/training/corpus.py")
    z = np.load(Path(corpus, split, "audio.npz"))
    clips = [(e["key"], e["rate"], z[e["key"]]) for e in json.loads(index.read_text())["audio"]
             if not names or any(n in e["key"] for n in names)]
    if not clips:
        sys.exit(f"no audio clips in {index} match {names}")
    return clips


# package -> (folder in it, every k-th .wav of it, sorted) for --external
EXTERNAL = {
    "asterisk-core-sounds-fr-wav": ("usr/share/asterisk/sounds", 16),
    "codec2-examples": ("usr/share/codec2/wav", 1),
    "pocketsphinx-testdata": ("usr/share/pocketsphinx", 1),
    "hydrogen-drumkits": ("usr/share/hydrogen/data/drumkits", 20),
}


def external_dir():
    """build/audio_external: links to the --external selection (fetched on first use)."""
    out = ROOT / "build/audio_external"
    for package, (folder, every) in EXTERNAL.items():
        files = sorted(Path(package_dir(package), folder).rglob("*.wav"))[every - 1::every]
        d = out / package
        d.mkdir(parents=True, exist_ok=True)
        for f in files:
            link = d / str(f.relative_to(Path(package_dir(package), folder))).replace("/", "__")
            if not link.exists():
                link.symlink_to(f)
    return out


def load_wav_dir(ffmpeg, root, names):
    """(name, rate, pcm) of every .wav under root: int16 [n, channels] for 16-bit files,
    int32 (FFmpeg's s32: 24-bit samples << 8) for deeper ones; read through our ffmpeg,
    which also reads the WAVE_FORMAT_EXTENSIBLE headers of 24-bit files."""
    clips = []
    for f in sorted(Path(root).rglob("*.wav")):
        name = str(f.relative_to(root))
        if names and not any(n in name for n in names):
            continue
        with tempfile.TemporaryDirectory(prefix="lmc-wav-") as tmp:
            info = subprocess.run([str(Path(ffmpeg).with_name("ffprobe")), "-v", "error", "-select_streams", "a:0",
                                   "-show_entries", "stream=sample_rate,channels,bits_per_sample,sample_fmt",
                                   "-of", "json", str(f)], capture_output=True, text=True, check=True)
            st = json.loads(info.stdout)["streams"][0]
            deep = int(st.get("bits_per_sample", 16)) > 16
            raw = Path(tmp, "pcm")
            run([ffmpeg, "-v", "error", "-i", f, "-f", "s32le" if deep else "s16le", "-y", raw])
            pcm = np.fromfile(raw, dtype="<i4" if deep else "<i2").reshape(-1, int(st["channels"]))
        if len(pcm):
            clips.append((name, int(st["sample_rate"]), pcm))
    if not clips:
        sys.exit(f"no .wav files under {root} match {names}")
    return clips


def write_wav(path, rate, pcm, ffmpeg):
    """A 16-bit WAV, or (through our ffmpeg) a 24-bit or 32-bit one for int32 samples."""
    if pcm.dtype == np.int16:
        with wave.open(str(path), "wb") as w:
            w.setnchannels(pcm.shape[1])
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(np.ascontiguousarray(pcm, dtype="<i2").tobytes())
        return
    raw = path.with_suffix(".s32")
    np.ascontiguousarray(pcm, dtype="<i4").tofile(raw)
    depth = "pcm_s24le" if not np.any(pcm & 0xff) else "pcm_s32le"
    run([ffmpeg, "-v", "error", "-f", "s32le", "-ar", str(rate), "-ac", str(pcm.shape[1]), "-i", raw,
         "-c:a", depth, "-y", path])


def decoded(ffmpeg, path, like, args=()):
    """Samples of a decoded file in the source's representation (int16, or FFmpeg's s32)."""
    fmt, dt = ("s16le", "<i2") if like.dtype == np.int16 else ("s32le", "<i4")
    raw = path.with_suffix(".raw")
    run([ffmpeg, "-v", "error", *args, "-i", path, "-f", fmt, "-y", raw])
    return np.fromfile(raw, dtype=dt).reshape(-1, like.shape[1])


def ffmpeg_pcm(opt, path, like, args=()):
    """(loop seconds, samples like the source's) of decoding path with our ffmpeg."""
    fmt, dt = ("s16le", "<i2") if like.dtype == np.int16 else ("s32le", "<i4")
    seconds, _, _ = ffmpeg_run(opt.ffmpeg, "-threads", opt.threads, *args, "-i", path, "-f", fmt,
                               "-y", path.with_suffix(".pcm"))
    return seconds, np.fromfile(path.with_suffix(".pcm"), dtype=dt).reshape(-1, like.shape[1])


def code_ffmpeg(enc_args, ext, dec_args=()):
    def code(wav, pcm, tmp, opt):
        out = Path(tmp, f"coded.{ext}")
        enc_s = ffmpeg_run(opt.ffmpeg, "-y", "-i", wav, *enc_args, "-threads", opt.threads, out)[0]
        dec_s, got = ffmpeg_pcm(opt, out, pcm, dec_args)
        return out.stat().st_size, enc_s, dec_s, got
    return code


def code_tool(encode, decode, ext):
    def code(wav, pcm, tmp, opt):
        out, dec = Path(tmp, f"coded.{ext}"), Path(tmp, "decoded.wav")
        enc_s = run(encode(wav, out, opt))[0]
        dec_s = run(decode(out, dec, opt))[0]
        return out.stat().st_size, enc_s, dec_s, decoded(opt.ffmpeg, dec, pcm)
    return code


def codecs(opt):
    device = ["-device", opt.device] if opt.device else []
    return {
        "lmc_audio": code_ffmpeg(["-c:a", "lmc_audio", *device], "mka", ["-model_dir", ROOT / "models", *device]),
        "flac -8": code_tool(lambda i, o, _: ["flac", "-8", "--no-padding", "-s", "-f", "-o", o, i],
                             lambda i, o, _: ["flac", "-d", "-s", "-f", "-o", o, i], "flac"),
        "ffmpeg flac 12": code_ffmpeg(["-c:a", "flac", "-compression_level", "12"], "mka"),
        # Debian 12's WavPack 5.6 has no --threads: one thread.
        "wavpack -hhx6": code_tool(lambda i, o, _: ["wavpack", "-hhx6", "-q", "-y", i, "-o", o],
                                   lambda i, o, _: ["wvunpack", "-q", "-y", i, "-o", o], "wv"),
        "tta": code_ffmpeg(["-c:a", "tta"], "tta"), # its own container: short clips did not survive .mka
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="test")
    ap.add_argument("--items", default="")
    ap.add_argument("--codecs", default="", help="comma-separated name prefixes (default: all)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default=None, help="-device for lmc_audio (cpu, cuda)")
    ap.add_argument("--corpus", default=str(ROOT / "build/corpus"))
    ap.add_argument("--ffmpeg", default=str(ROOT / "build/install/bin/ffmpeg"))
    ap.add_argument("--wav-dir", help="code every .wav under this folder instead of a corpus split")
    ap.add_argument("--external", action="store_true", help="recordings the corpus does not have (see above)")
    ap.add_argument("--name", help="results file name (bench/results/NAME.*; default audio, or audio_external)")
    opt = ap.parse_args()
    if opt.external:
        opt.wav_dir = str(external_dir())
    opt.name = opt.name or ("audio_external" if opt.external else "audio")
    command = shlex.join(["/usr/bin/python3", "bench/audio.py", *sys.argv[1:]])
    wanted = [c for c in opt.codecs.split(",") if c]
    coders = {n: c for n, c in codecs(opt).items() if not wanted or any(n.startswith(w) for w in wanted)}
    names = [n for n in opt.items.split(",") if n]
    clips = load_wav_dir(opt.ffmpeg, opt.wav_dir, names) if opt.wav_dir else load_clips(opt.corpus, opt.split, names)
    rows, failures = [], []
    for i, (name, rate, pcm) in enumerate(clips):
        with tempfile.TemporaryDirectory(prefix="lmc-audio-") as tmp:
            wav = Path(tmp, "source.wav")
            write_wav(wav, rate, pcm, opt.ffmpeg)
            for cname, code in coders.items():
                r = {"clip": name, "group": group_of(rate), "rate": rate, "channels": pcm.shape[1],
                     "bits": 16 if pcm.dtype == np.int16 else 24,
                     "frames": len(pcm), "seconds": len(pcm) / rate, "codec": cname}
                try:
                    size, enc_s, dec_s, got = code(wav, pcm, tmp, opt)
                    if got.shape != pcm.shape or not np.array_equal(got, pcm):
                        raise Failure(f"MISMATCH: {name} through {cname}: decode differs from the source")
                    r.update(status="ok", bytes=size, enc_s=enc_s, dec_s=dec_s)
                except Failure as e:
                    failures.append(str(e))
                    print(f"FAILED: {e}", file=sys.stderr, flush=True)
                    r["status"] = "FAILED"
                rows.append(r)
            print(f"[{i + 1}/{len(clips)}] {name} ({rate} Hz, {pcm.shape[1]} ch, "
                  f"{16 if pcm.dtype == np.int16 else 24} bits, {len(pcm) / rate:.1f} s): " +
                  "  ".join(f"{r['codec']} {r.get('bytes', r['status'])}" for r in rows[-len(coders):]), flush=True)

    # Per group and codec: bits per sample, x realtime, size against flac -8.
    table = ["| group | clips | seconds | codec | bytes | bits/sample | vs flac -8 | encode x realtime | decode x realtime |",
             "|---|---:|---:|---|---:|---:|---:|---:|---:|"]
    summary = {}
    for g in GROUPS:
        mine = [r for r in rows if r["group"] == g]
        bad = {r["clip"] for r in mine if r["status"] != "ok"}
        good = [r for r in mine if r["clip"] not in bad]
        if not good:
            continue
        clips_g = sorted({r["clip"] for r in good})
        seconds = sum(r["seconds"] for r in good if r["codec"] == good[0]["codec"])
        samples = sum(r["frames"] * r["channels"] for r in good if r["codec"] == good[0]["codec"])
        flac = sum(r["bytes"] for r in good if r["codec"] == "flac -8")
        for cname in coders:
            rs = [r for r in good if r["codec"] == cname]
            size = sum(r["bytes"] for r in rs)
            s = summary.setdefault(g, {})[cname] = {
                "clips": len(clips_g), "seconds": round(seconds, 2), "bytes": size,
                "bits_per_sample": round(8 * size / samples, 4),
                "vs_flac8": round(100 * (size / flac - 1), 2) if flac else None,
                "enc_x_realtime": round(seconds / sum(r["enc_s"] for r in rs), 1),
                "dec_x_realtime": round(seconds / sum(r["dec_s"] for r in rs), 1)}
            vs = f"{s['vs_flac8']:+.2f}%" if s["vs_flac8"] is not None else ""
            table.append(f"| {g} | {s['clips']} | {s['seconds']} | {cname} | {size} | {s['bits_per_sample']:.3f} | "
                         f"{vs} | {s['enc_x_realtime']} | {s['dec_x_realtime']} |")
    text = "\n".join(table)
    print("\n" + text)
    stem, date, where = save_run(opt.name, opt.device, command, rows, failures, threads=opt.threads, summary=summary)
    Path(f"{stem}.md").write_text(
        f"# Lossless audio: lmc_audio against FLAC, WavPack and TTA\n\nCommand: `{command}`\n\n"
        f"Date: {date}. Machine: {where}; {opt.threads} threads. "
        f"{'Clips: every .wav under ' + opt.wav_dir if opt.wav_dir else 'Split ' + opt.split}.\n\n"
        f"{status_text(failures)}\n\n{text}\n\nEvery audio clip{__doc__.split('Every audio clip')[1].split('Needs:')[0].rstrip()}\n")
    plot(summary, list(coders), f"{stem}.png", f"{command}\n{date}")
    print(f"\nwrote {stem}.json, .md, .png")
    exit_on_failures(failures)


def plot(summary, names, path, title):
    plt = pyplot()
    if not plt or not summary:
        return
    fig, ax = plt.subplots(figsize=(9, 4.2))
    groups = list(summary)
    width = 0.8 / len(names)
    for i, n in enumerate(names):
        ax.bar([g + i * width for g in range(len(groups))], [summary[g][n]["bits_per_sample"] for g in groups],
               width=width, label=n)
    ax.set_xticks([g + 0.4 - width / 2 for g in range(len(groups))], groups)
    ax.set_ylabel("bits per sample (lower is better)")
    ax.set_title(title, fontsize=8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
