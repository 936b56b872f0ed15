"""Real media for the benchmarks from pinned Debian packages (../shared/brief/data.md):
downloaded once into build/downloads, checked against the SHA-256 that
models/training/corpus_manifest.json records, unpacked beside the .deb."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOWNLOADS = ROOT / "build/downloads"

# package -> (version, SHA-256 of the .deb), as in models/training/corpus_manifest.json
# for the corpus's packages
PINNED = {
    "libjxl-testdata": ("0.0~git20230110.d6168ff-1",
                        "a58523413f486760a0f3cbc931142a27e3aa25f77315b862046f089ed34aa2c7"),
    "python3-imageio": ("2.4.1-5", "4467164fe9fc96f24ef2a50133ef71734294116845c3fc28ca5b102e1d6041e8"),
    # Audio the corpus does not hold (bench/audio.py --external; sha256 of the .deb)
    "asterisk-core-sounds-fr-wav": ("1.6.1-1", "8d4e1bc32ed5ba7fbda40841ca1825ed20cc6232724a473c90f8bb0e53e6073e"),
    "codec2-examples": ("1.0.5-1", "7af8cd128f269a1d8116993c9d2bd7d4d452fc17da46a09899aaca2b9bd993d4"),
    "pocketsphinx-testdata": ("0.8+5prealpha+1-15",
                              "eaeb7a01d54f20b799d1a81ef110ec544b2cb47ea006614078220737a33019f0"),
    "hydrogen-drumkits": ("2017.09.19~dfsg-1", "6ea3c6df9a67762e2362f946c695e619859126b19fbccf32a2e8f07dfd03b2f4"),
}


def package_dir(package):
    """The unpacked package's root folder (fetched and checked on first use)."""
    version, sha = PINNED[package]
    deb = DOWNLOADS / f"{package}_{version}_all.deb"
    out = DOWNLOADS / f"{package}-x"
    if (out / ".unpacked").exists():
        return out
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    if not deb.exists():
        print(f"downloading {package}={version}", file=sys.stderr, flush=True)
        subprocess.run(["apt-get", "download", f"{package}={version}"], cwd=DOWNLOADS, check=True,
                       stdout=subprocess.DEVNULL)
        for f in DOWNLOADS.glob(f"{package}_*.deb"):  # apt may URL-encode the version's '~'
            if f != deb:
                f.rename(deb)
    got = subprocess.run(["sha256sum", deb], capture_output=True, text=True, check=True).stdout.split()[0]
    if got != sha:
        sys.exit(f"{deb}: sha256 {got}, expected {sha}")
    subprocess.run(["dpkg-deb", "-x", deb, out], check=True)
    (out / ".unpacked").touch()
    return out
