#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds the LMC training corpus from pinned Debian packages.

    python3 models/training/corpus.py [--root build] [--samples]

1. `apt-get download PKG=VERSION` into build/downloads/debs (copies from
   /tmp/setup/debs when a matching .deb is there), `dpkg-deb -x` into
   build/downloads/x/PKG.
2. Splits BY SOURCE (a clip, photo, speaker-file group or sample category lives in
   exactly one split) and writes compact arrays:
     build/corpus/{train,val,test}/video/NAME.npz   planes p0[,p1,p2] uint8 [T,h,w]
     build/corpus/{train,val,test}/audio.npz        one int16 [n, C] array per clip
     build/corpus/{split}/index.json                what the split holds
   (.npz files are zips of .npy members as np.savez writes them, LZMA-compressed:
   np.load reads them as usual)
3. Writes models/training/corpus_manifest.json: package versions, every source file
   used with its SHA-256, and the split contents.
Video items are either one photo (T = 1) or a RUN of CONSECUTIVE frames of a clip
(temporal step 1, so frame t-1 is the natural reference of frame t for inter coding);
a clip with several runs gives items NAME.r0, NAME.r1, ... (the source name is the part
before the first "."). What each split holds:
  train  sequences: ViSP mire-2 (gray 384x288, 4 runs x 24 frames from frames 0, 120,
         240, 360); cockatoo.mp4 (yuv420p 640x360, 2 runs x 16); kivy cityCC0.mpg
         (yuv420p 360x202, 2 runs x 16, one from each of its two shots).
         photos: astronaut, chelsea, ihc, camera, brick, grass, flower (crop),
         wesaturate tmshre, u76c0g.
  val    sequences: ViSP line (gray 365x256, 24 frames); realshort.mp4 (yuv420p 160x120,
         all 36 frames).  photos: motorcycle_left/right, gravel, wesaturate cvo9xd
         (colour and gray).
  test   sequences: ViSP cube (gray 384x288, 24), ViSP ellipse-1 (gray 365x256, 24),
         vtest.avi (yuv420p 384x288, 32 frames from frame 100), mecavideo
         balle-jbart.mp4 (yuv420p 360x288, 24 frames from frame 30).  photo: coffee.
  Colour photos are stored as gbrp, yuv444p and yuv420p; gray ones as gray. Colour clips
  are lossy-origin: decoded by ffmpeg and area-downscaled 2x (yuv420p).
  Audio: festvox-ru (split by file), asterisk en (by file group), sonic-pi (by category).
With --samples it also writes the repo samples (samples/*.y4m, *.png, *.wav) from
the val/test side.

Needs: dpkg-deb, apt-get, ffmpeg (Debian's, only to decode the colour clips), flac,
python3-numpy, python3-pil.
"""
import argparse
import glob
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import wave
import zipfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

PACKAGES = {
    "visp-images-data": "3.5.0-1",
    "python3-skimage": "0.19.3-8",
    "libjxl-testdata": "0.0~git20230110.d6168ff-1",
    "opencv-doc": "4.6.0+dfsg-12",
    "python3-imageio": "2.4.1-5",
    "festvox-ru": "0.5+dfsg-6",
    "asterisk-core-sounds-en-wav": "1.6.1-1",
    "sonic-pi-samples": "3.2.2~repack-8",
    "python-kivy-examples": "2.1.0-1",
    "python3-mecavideo": "8.0~rc5-1",
    # wallpapers that are photographs (curated by eye, see WALLPAPERS below)
    "lomiri-wallpapers-16.04": "20.04.0-2",
    "lomiri-wallpapers-20.04": "20.04.0-2",
    "mate-backgrounds": "1.26.0-1",
    "plasma-workspace-wallpapers": "4:5.27.5-2",
    # game textures made from photographs (clouds, ground, planets)
    "colobot-common-textures": "0.2.0-2",
}

VISP = "visp-images-data/usr/share/visp-images-data/ViSP-images"
SKI = "python3-skimage/usr/lib/python3/dist-packages/skimage/data"
JXL = "libjxl-testdata/usr/share/libjxl-testdata"
WES = JXL + "/external/wesaturate/500px"
VTEST = "opencv-doc/usr/share/doc/opencv-doc/examples/data/vtest.avi"
IMAGEIO = "python3-imageio/usr/lib/python3/dist-packages/imageio/resources/images"
COCKATOO = IMAGEIO + "/cockatoo.mp4"
REALSHORT = IMAGEIO + "/realshort.mp4"
CITY = "python-kivy-examples/usr/share/kivy-examples/widgets/cityCC0.mpg"
BALLE = "python3-mecavideo/usr/share/pymecavideo/data/video/balle-jbart.mp4"
FESTVOX = "festvox-ru/usr/share/festival/voices/russian/msu_ru_nsh_clunits/wav"
ASTERISK = "asterisk-core-sounds-en-wav/usr/share/asterisk/sounds/en_US_f_Allison"
SONICPI = "sonic-pi-samples/usr/share/sonic-pi/samples"
MECA = "python3-mecavideo/usr/share/pymecavideo/data/video"
OPENCV = "opencv-doc/usr/share/doc/opencv-doc"
LOMIRI = "lomiri-wallpapers-16.04/usr/share/backgrounds"
MATE = "mate-backgrounds/usr/share/backgrounds/mate/nature"
PLASMA = "plasma-workspace-wallpapers/usr/share/wallpapers"
COLOBOT = "colobot-common-textures/usr/share/games/colobot/textures"

# Curated by eye from contact sheets of every image in the package: real photographs only
# (no renderings, drawings, screenshots, composites or logos). All are JPEG-origin, so they
# are area-downscaled (an integer box filter, 2x or more: see PHOTO_MAX_SIDE).
LOMIRI_PHOTOS = ["Bridge_by_Sander_Klootwijk", "Dragonfly_by_Bolly", "Picture_0B_by_freespace",
                 "Picture_1A_by_freespace", "Wine_by_Jakkub_Mede", "aitzgorri_by_Aitzol_Berasategi",
                 "analogpattern_by_Peter_Nerlich", "free_by_Peter_Nerlich", "friends_by_Aitzol_Berasategi",
                 "greentock_by_Peter_Nerlich", "life_by_Aitzol_Berasategi",
                 "picosdeeuropa_by_Aitzol_Berasategi", "seeding_by_Clements_Engelhardt",
                 "sunset_by_Aitzol_Berasategi"]
MATE_PHOTOS = ["Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "LadyBird", "RainDrops",
               "Storm", "TwoWings", "Wood", "YellowFlower"]
PLASMA_PHOTOS = ["BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf",
                 "Grey", "OneStandsOut", "Path", "summer_1am"]
# opencv-doc: the 47 real photographs among its 332 JPEGs of 256 px or more (mostly 640x480)
OPENCV_PHOTOS = [
    "examples/alphamat/input_images/plant", "examples/data/aero1", "examples/data/aero3",
    "examples/data/aloeL", "examples/data/apple", "examples/data/baboon", "examples/data/blox",
    "examples/data/board", "examples/data/building", "examples/data/butterfly",
    "examples/data/ela_original", "examples/data/fruits", "examples/data/home", "examples/data/left",
    "examples/data/left01", "examples/data/leuvenA", "examples/data/leuvenB",
    "examples/data/licenseplate_motion", "examples/data/messi5", "examples/data/orange",
    "examples/data/pca_test1", "examples/data/squirrel_cls", "examples/data/stuff",
    "examples/text/scenetext01", "examples/text/scenetext02", "examples/text/scenetext03",
    "examples/text/scenetext04", "examples/text/scenetext05", "examples/text/scenetext06",
    "examples/text/scenetext_segmented_word01", "examples/text/scenetext_segmented_word02",
    "examples/text/scenetext_segmented_word03", "examples/text/scenetext_segmented_word04",
    "examples/text/scenetext_segmented_word05", "opencv4/html/227943776_1", "opencv4/html/230501201_1",
    "opencv4/html/4_barcodes", "opencv4/html/astra_color", "opencv4/html/clahe_2",
    "opencv4/html/fsrcnnOutput", "opencv4/html/fusion_mertens", "opencv4/html/handSrc",
    "opencv4/html/pexels_double_decker_bus", "opencv4/html/retina_TreeHdr_small",
    "opencv4/html/singlemarkersoriginal", "opencv4/html/space_shuttle", "opencv4/html/studentsSample_input"]
# colobot: the game's textures that are photographs (clouds, ground, planets, wood, brick)
COLOBOT_PHOTOS = ["cloud02", "cloud03", "cloud04", "cloud05", "cloud09", "mars006", "mars007", "mix01",
                  "moon103", "planets/planet-earth", "planets/planet-moon", "objects/cellar01",
                  "objects/wood01", "dirty01", "dirty02", "dirty04", "dirty06", "dirty09", "desert4",
                  "desert5", "green01", "chili01"]
PHOTO_MAX_SIDE = 1280  # lossy-origin photos: reduced by max(2, ceil(longer side / this))

# ---- video split (by source) ------------------------------------------------------------
# (name, kind, path, split, options)
# Sequences ("pgmseq", "movie") are runs of CONSECUTIVE frames: options "starts" (first
# frame of each run, 0-based in the sorted frame list / decode order) and "len" (frames per
# run; 0 = to the end). One run -> item NAME, several -> NAME.r0, NAME.r1, ...
# Movies: "size" = output size after a 2x area (box) downscale; "crop" = crop of the
# decoded frame (top-left anchored) before it, to get even output dimensions.
VIDEO_SOURCES = [
    # real gray camera sequences (ViSP)
    ("mire-2", "pgmseq", VISP + "/mire-2", "train", {"starts": [0, 60, 120, 180, 240, 300, 360, 420, 470], "len": 24}),
    ("line", "pgmseq", VISP + "/line", "val", {"starts": [0], "len": 24}),
    ("cube", "pgmseq", VISP + "/cube", "test", {"starts": [0], "len": 24}),
    ("ellipse-1", "pgmseq", VISP + "/ellipse-1", "test", {"starts": [0], "len": 24}),
    # colour video, lossy origin: decoded and downscaled 2x (box filter), yuv420p
    ("cockatoo", "movie", COCKATOO, "train", {"size": (640, 360), "starts": [24, 60, 100, 140, 200, 240],
                                                    "len": 16}),
    # cityCC0: 720x405, two shots (cut after frame 115): runs from both
    ("city", "movie", CITY, "train", {"crop": (720, 404), "size": (360, 202), "starts": [0, 40, 80, 140, 160],
                                                                    "len": 16}),
    ("realshort", "movie", REALSHORT, "val", {"size": (160, 120), "starts": [0], "len": 0}),
    ("vtest", "movie", VTEST, "test", {"size": (384, 288), "starts": [100], "len": 32}),
    # mecavideo: real camera (static, a ball thrown), 720x576 h264; frames 30.. has the ball in flight
    ("balle-jbart", "movie", BALLE, "test", {"size": (360, 288), "starts": [30], "len": 24}),
    # photos (each colour photo as gbrp, yuv444p and yuv420p; gray ones as gray)
    ("astronaut", "photo", SKI + "/astronaut.png", "train", {}),
    ("chelsea", "photo", SKI + "/chelsea.png", "train", {}),
    ("ihc", "photo", SKI + "/ihc.png", "train", {}),
    ("camera", "photo", SKI + "/camera.png", "train", {}),
    ("brick", "photo", SKI + "/brick.png", "train", {}),
    ("grass", "photo", SKI + "/grass.png", "train", {}),
    ("flower", "photo", JXL + "/jxl/flower/flower.png", "train", {"crop": (1024, 768)}),
    ("wes-tmshre", "photo", WES + "/tmshre_riaphotographs_srgb8.png", "train", {}),
    ("wes-u76c0g", "photo", WES + "/u76c0g_bliznaca_srgb8.png", "train", {}),
    ("motorcycle_left", "photo", SKI + "/motorcycle_left.png", "val", {}),   # stereo pair:
    ("motorcycle_right", "photo", SKI + "/motorcycle_right.png", "val", {}),  # same split
    ("gravel", "photo", SKI + "/gravel.png", "val", {}),
    ("wes-cvo9xd", "photo", WES + "/cvo9xd_keong_macan_srgb8.png", "val", {}),
    ("wes-cvo9xd-gray", "photo", WES + "/cvo9xd_keong_macan_grayscale.png", "val", {}),
    ("coffee", "photo", SKI + "/coffee.png", "test", {}),
    # mecavideo's other real camera clips: a classroom, a cyclist (two takes), and an opencv tree
    ("balle1", "movie", MECA + "/balle1-vp9.avi", "train", {"size": (160, 120), "starts": [0, 100, 200],
                                                          "len": 32}),
    ("bike-g1", "movie", MECA + "/g1.avi", "train", {"size": (200, 150), "starts": [0], "len": 0}),
    ("bike-g2", "movie", MECA + "/g2.avi", "train", {"size": (200, 150), "starts": [0], "len": 0}),
    ("tree", "movie", OPENCV + "/examples/data/tree.avi", "train", {"size": (160, 120), "starts": [0, 34],
                                                                   "len": 34}),
    # unseen: never trained on or tuned on; the "media the project does not have" of issue 17.
    # Clips of one setting (a magnetic puck table, 3 experiments) and KDE's photo wallpapers.
    ("table-force", "movie", MECA + "/Force_constante.avi", "unseen", {"size": (200, 150), "starts": [0],
                                                                      "len": 0}),
    ("table-inertia", "movie", MECA + "/Principe_inertie.avi", "unseen", {"size": (200, 150), "starts": [0],
                                                                         "len": 0}),
    ("table-magnet", "movie", MECA + "/Effet_force_magnetique.ogv", "unseen", {"size": (200, 152),
                                                                              "starts": [0], "len": 0}),
]
LOSSY_PHOTO = {"reduce": True, "formats": ["gbrp", "yuv420p"]}
VIDEO_SOURCES += [("lomiri-" + n.split("_by_")[0].lower().replace("_", "-"), "photo", "%s/%s.jpg" % (LOMIRI, n), "train",
                   LOSSY_PHOTO) for n in LOMIRI_PHOTOS]
VIDEO_SOURCES += [("lomiri-kleiber", "photo", "lomiri-wallpapers-20.04/usr/share/backgrounds/"
                   "Kleiber_by_Lukas_Baubkus.jpg", "train", LOSSY_PHOTO)]
VIDEO_SOURCES += [("mate-" + n.lower(), "photo", "%s/%s.jpg" % (MATE, n), "val" if n in ("Storm", "Wood")
                   else "train", LOSSY_PHOTO) for n in MATE_PHOTOS]
VIDEO_SOURCES += [("cv-" + os.path.basename(n).replace("_", "-"), "photo", "%s/%s.jpg" % (OPENCV, n),
                   "val" if "/text/" in n else "train", LOSSY_PHOTO) for n in OPENCV_PHOTOS]
VIDEO_SOURCES += [("colobot-" + os.path.basename(n), "photo", "%s/%s.png" % (COLOBOT, n), "train",
                   LOSSY_PHOTO) for n in COLOBOT_PHOTOS]
VIDEO_SOURCES += [("kde-" + n.lower(), "photo", "%s/%s/contents/images/2560x1600.jpg" % (PLASMA, n), "unseen",
                   LOSSY_PHOTO) for n in PLASMA_PHOTOS]
SPLITS = ("train", "val", "test", "unseen")

# ---- audio split ---------------------------------------------------------------------------
# festvox-ru: one speaker, files ru_NNNN; the last 40 files (sorted) are test, the 20
# before them val, the rest train (a spread subset up to the budget).
FESTVOX_TEST, FESTVOX_VAL = 40, 20
# asterisk: file groups (subfolder, or the name's first word for top-level files);
# group -> split by sha256(group)[0] % 10: 0,1 test; 2 val; else train.
# sonic-pi: sample categories (name prefix).
SONIC_SPLIT = {"loop": "test", "guit": "test", "vinyl": "test", "ambi": "val", "glitch": "val"}
AUDIO_BUDGET = {  # int16 values per split and source
    "train": {"festvox": 3_000_000, "asterisk": 1_400_000, "sonic": 2_900_000},
    "val": {"festvox": 600_000, "asterisk": 400_000, "sonic": 800_000},
    "test": {"festvox": 1_200_000, "asterisk": 800_000, "sonic": 1_600_000},
}
SONIC_MAX_SECONDS = {"train": 1.5, "val": 3.0, "test": 4.0}


def log(*a):
    print(*a, flush=True)


def progress(i, n, what):
    w = 30
    d = int(w * (i + 1) / max(n, 1))
    sys.stdout.write("\r  [%s%s] %d/%d %s" % ("#" * d, "." * (w - d), i + 1, n, what[:40].ljust(40)))
    if i + 1 == n:
        sys.stdout.write("\n")
    sys.stdout.flush()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------------------ packages

def fetch_packages(dl):
    debs = os.path.join(dl, "debs")
    xdir = os.path.join(dl, "x")
    os.makedirs(debs, exist_ok=True)
    os.makedirs(xdir, exist_ok=True)
    info = {}
    names = list(PACKAGES)
    for i, pkg in enumerate(names):
        ver = PACKAGES[pkg]
        progress(i, len(names), pkg)
        fname = "%s_%s_all.deb" % (pkg, ver)
        dst = os.path.join(debs, fname)
        if not os.path.exists(dst):
            cached = os.path.join("/tmp/setup/debs", fname)
            if os.path.exists(cached):
                shutil.copy(cached, dst)
            else:
                subprocess.run(["apt-get", "download", "%s=%s" % (pkg, ver)], cwd=debs, check=True,
                               stdout=subprocess.DEVNULL)
                got = [f for f in glob.glob(os.path.join(debs, pkg + "_*.deb"))]
                enc = [f for f in got if os.path.basename(f) != fname]
                for f in enc:  # apt may URL-encode characters of the version
                    os.rename(f, dst)
        out = os.path.join(xdir, pkg)
        stamp = os.path.join(out, ".extracted")
        if not os.path.exists(stamp):
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            subprocess.run(["dpkg-deb", "-x", dst, out], check=True)
            open(stamp, "w").close()
        info[pkg] = {"version": ver, "deb": fname, "deb_sha256": sha256_file(dst),
                     "copyright": "usr/share/doc/%s/copyright" % pkg}
    return info


# ------------------------------------------------------------------------ video helpers

def read_pgm(path):
    im = Image.open(path)
    assert im.mode == "L", path
    return np.asarray(im, dtype=np.uint8)


def rgb_to_formats(rgb):
    """RGB uint8 [h,w,3] (h, w even) -> dict fmt -> list of planes."""
    r, g, b = (rgb[..., i].astype(np.int32) for i in range(3))
    y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
    u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128
    v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128
    y, u, v = (np.clip(a, 0, 255).astype(np.uint8) for a in (y, u, v))

    def sub(c):
        c = c.astype(np.int32)
        return ((c[0::2, 0::2] + c[1::2, 0::2] + c[0::2, 1::2] + c[1::2, 1::2] + 2) >> 2).astype(np.uint8)

    return {
        "gbrp": [rgb[..., 1].copy(), rgb[..., 2].copy(), rgb[..., 0].copy()],
        "yuv444p": [y, u, v],
        "yuv420p": [y, sub(u), sub(v)],
    }


def decode_movie(path, size, crop=None):
    """Decodes with ffmpeg (every frame in display order: the rawvideo output has no
    timestamps, so ffmpeg neither drops nor duplicates frames), optionally crops (w, h)
    at the top-left, downscales with a box (area) filter, returns list of yuv420p frames
    [(Y, U, V), ...]."""
    w, h = size
    vf = "scale=%d:%d:flags=area" % (w, h)
    if crop:
        vf = "crop=%d:%d:0:0,%s" % (crop[0], crop[1], vf)
    cmd = ["ffmpeg", "-v", "error", "-i", path, "-an", "-vf", vf, "-pix_fmt", "yuv420p", "-f", "rawvideo", "-"]
    raw = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout
    fs = w * h * 3 // 2
    n = len(raw) // fs
    arr = np.frombuffer(raw[:n * fs], dtype=np.uint8).reshape(n, fs)
    frames = []
    for a in arr:
        Y = a[:w * h].reshape(h, w)
        U = a[w * h:w * h + w * h // 4].reshape(h // 2, w // 2)
        V = a[w * h + w * h // 4:].reshape(h // 2, w // 2)
        frames.append((Y, U, V))
    return frames


def center_crop(a, cw, ch):
    h, w = a.shape[:2]
    cw, ch = min(cw, w), min(ch, h)
    x0, y0 = (w - cw) // 2, (h - ch) // 2
    return a[y0:y0 + ch, x0:x0 + cw]


def even(a):
    h, w = a.shape[:2]
    return a[:h - h % 2, :w - w % 2]


def save_npz(path, arrays):
    """Like np.savez_compressed (np.load reads it the same way), but the zip members are
    LZMA-compressed: about 20% smaller than deflate on this corpus, which has to travel."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_LZMA) as zf:
        for k, a in arrays.items():
            with zf.open(k + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(a), allow_pickle=False)


def save_video_item(d, name, fmt, frames):
    """frames: list of plane lists. Saves planes stacked over time."""
    os.makedirs(d, exist_ok=True)
    arrs = {"p%d" % i: np.stack([f[i] for f in frames]) for i in range(len(frames[0]))}
    save_npz(os.path.join(d, "%s.npz" % name), dict(pix_fmt=np.array(fmt), **arrs))
    return {"name": name, "pix_fmt": fmt, "frames": len(frames),
            "size": [int(frames[0][0].shape[1]), int(frames[0][0].shape[0])],
            "samples": int(sum(a.size for a in arrs.values()))}


def runs(name, n, opt):
    """[(item name, run number, [frame indices])]: runs of consecutive frames."""
    starts, ln = opt["starts"], opt["len"]
    out = []
    for r, s in enumerate(starts):
        e = n if not ln else s + ln
        assert 0 <= s < e <= n, "%s: run %d (frames %d..%d) outside %d frames" % (name, r, s, e - 1, n)
        out.append((name if len(starts) == 1 else "%s.r%d" % (name, r), r, list(range(s, e))))
    for (_, _, a), (_, _, b) in zip(out, out[1:]):
        assert a[-1] < b[0], "%s: runs overlap" % name
    return out


def build_video(xdir, out, files):
    items = {s: [] for s in SPLITS}
    cache = {}
    for i, (name, kind, rel, split, opt) in enumerate(VIDEO_SOURCES):
        progress(i, len(VIDEO_SOURCES), name)
        path = os.path.join(xdir, rel)
        d = os.path.join(out, split, "video")
        if kind == "pgmseq":
            paths = sorted(glob.glob(os.path.join(path, "*.pgm")))
            for iname, r, idx in runs(name, len(paths), opt):
                sel = [paths[j] for j in idx]
                for p in sel:
                    files[os.path.relpath(p, xdir)] = sha256_file(p)
                frames = [[read_pgm(p)] for p in sel]
                it = save_video_item(d, iname, "gray", frames)
                it.update(source=rel, run=r, first_frame=idx[0], consecutive=True,
                          frame_files=[os.path.basename(p) for p in sel])
                items[split].append(it)
        elif kind == "movie":
            files[rel] = sha256_file(path)
            allf = decode_movie(path, opt["size"], opt.get("crop"))
            cache[name] = allf
            note = "decoded by ffmpeg, %sdownscaled 2x (area) to %dx%d yuv420p" % (
                "cropped to %dx%d, " % opt["crop"] if "crop" in opt else "", opt["size"][0], opt["size"][1])
            for iname, r, idx in runs(name, len(allf), opt):
                it = save_video_item(d, iname, "yuv420p", [allf[j] for j in idx])
                it.update(source=rel, run=r, first_frame=idx[0], consecutive=True, frame_indices=idx,
                          decoded_frames=len(allf), note=note)
                items[split].append(it)
        else:
            files[rel] = sha256_file(path)
            im = Image.open(path)
            note = ""
            if opt.get("reduce"):
                f = max(2, -(-max(im.size) // PHOTO_MAX_SIDE))
                im = im.reduce(f)  # box filter over f x f blocks (area downscale)
                note = "JPEG-origin: area-downscaled %dx to %dx%d; " % (f, *im.size)
            if im.mode == "L":
                a = np.asarray(im, dtype=np.uint8)
                if "crop" in opt:
                    a = center_crop(a, *opt["crop"])
                it = save_video_item(d, name, "gray", [[a]])
                it.update(source=rel, note=note + "gray")
                items[split].append(it)
            else:
                a = np.asarray(im.convert("RGB"), dtype=np.uint8)
                if "crop" in opt:
                    a = center_crop(a, *opt["crop"])
                a = even(a)
                for fmt, planes in rgb_to_formats(a).items():
                    if fmt not in opt.get("formats", (fmt,)):
                        continue
                    it = save_video_item(d, "%s.%s" % (name, fmt), fmt, [planes])
                    it.update(source=rel, note=note + ("RGB -> %s (BT.601 limited range for YUV)" % fmt
                                                       if fmt != "gbrp" else "RGB as planes G, B, R"))
                    items[split].append(it)
    return items, cache


# ------------------------------------------------------------------------ audio helpers

def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2, path
        ch, rate, n = w.getnchannels(), w.getframerate(), w.getnframes()
        a = np.frombuffer(w.readframes(n), dtype="<i2").reshape(-1, ch)
    return a.copy(), rate


def read_flac(path):
    """Decodes a FLAC file with the flac tool; returns (None, None) unless it is 16-bit."""
    meta = subprocess.run(["metaflac", "--show-channels", "--show-sample-rate", "--show-bps", path],
                          check=True, stdout=subprocess.PIPE, text=True).stdout.split()
    ch, rate, bps = (int(v) for v in meta)
    if bps != 16:
        return None, None
    raw = subprocess.run(["flac", "-d", "-s", "-c", "--force-raw-format", "--endian=little",
                          "--sign=signed", path], check=True, stdout=subprocess.PIPE).stdout
    a = np.frombuffer(raw, dtype="<i2").reshape(-1, ch)
    return a.copy(), rate


def asterisk_group(rel):
    parts = rel.split("/")
    if len(parts) > 1:
        return parts[0]
    base = os.path.splitext(parts[0])[0]
    return base.replace("_", "-").split("-")[0]


def asterisk_split(group):
    h = hashlib.sha256(group.encode()).digest()[0] % 10
    return "test" if h < 2 else ("val" if h == 2 else "train")


def build_audio(xdir, out, files):
    clips = {"train": [], "val": [], "test": []}
    arrays = {"train": {}, "val": {}, "test": {}}
    used = {s: {"festvox": 0, "asterisk": 0, "sonic": 0} for s in clips}

    def add(split, src, name, a, rate, rel, extra=None):
        room = AUDIO_BUDGET[split][src] - used[split][src]
        if room <= 0:
            return False
        key = "%s/%s" % (src, name)
        arrays[split][key] = a
        used[split][src] += a.size
        files[rel] = sha256_file(os.path.join(xdir, rel))
        e = {"key": key, "source": rel, "rate": rate, "channels": int(a.shape[1]), "frames": int(a.shape[0])}
        if extra:
            e.update(extra)
        clips[split].append(e)
        return True

    # festvox-ru
    fv = sorted(glob.glob(os.path.join(xdir, FESTVOX, "*.wav")))
    test, val, train = fv[-FESTVOX_TEST:], fv[-FESTVOX_TEST - FESTVOX_VAL:-FESTVOX_TEST], fv[:-FESTVOX_TEST - FESTVOX_VAL]
    train = train[::3] + train[1::3] + train[2::3]  # every 3rd file first (the budget ends within the first third)
    log("  festvox-ru: %d files (train %d, val %d, test %d before budget)" % (len(fv), len(train), len(val), len(test)))
    for split, lst in (("train", train), ("val", val), ("test", test)):
        for p in lst:
            a, rate = read_wav(p)
            if not add(split, "festvox", os.path.basename(p)[:-4], a, rate, os.path.relpath(p, xdir)):
                break
    # asterisk
    base = os.path.join(xdir, ASTERISK)
    ast = sorted(os.path.relpath(p, base) for p in glob.glob(os.path.join(base, "**", "*.wav"), recursive=True))
    groups = {}
    for rel in ast:
        groups.setdefault(asterisk_group(rel), []).append(rel)
    log("  asterisk: %d files in %d groups" % (len(ast), len(groups)))
    for g in sorted(groups):
        split = asterisk_split(g)
        for rel in groups[g]:
            a, rate = read_wav(os.path.join(base, rel))
            add(split, "asterisk", rel[:-4].replace("/", "_"), a, rate, os.path.join(ASTERISK, rel),
                {"group": g})
    # sonic-pi
    sp = sorted(glob.glob(os.path.join(xdir, SONICPI, "*.flac")))
    log("  sonic-pi-samples: %d files" % len(sp))
    cats = {}
    for p in sp:
        cats.setdefault(os.path.basename(p).split("_")[0], []).append(p)
    sp = []  # round-robin over categories, so the budget covers all of them
    for r in range(max(len(v) for v in cats.values())):
        sp += [cats[c][r] for c in sorted(cats) if r < len(cats[c])]
    for i, p in enumerate(sp):
        progress(i, len(sp), os.path.basename(p))
        nm = os.path.basename(p)[:-5]
        split = SONIC_SPLIT.get(nm.split("_")[0], "train")
        a, rate = read_flac(p)
        if a is None:
            continue  # 24-bit files are skipped (the s16 model only)
        a = a[:int(SONIC_MAX_SECONDS[split] * rate)]
        add(split, "sonic", nm, a, rate, os.path.relpath(p, xdir))
    for split in clips:
        d = os.path.join(out, split)
        os.makedirs(d, exist_ok=True)
        save_npz(os.path.join(d, "audio.npz"), arrays[split])
    return clips, used


# ------------------------------------------------------------------------ samples

def write_y4m(path, frames, w, h, mono=False, fps="10:1"):
    with open(path, "wb") as f:
        f.write(("YUV4MPEG2 W%d H%d F%s Ip A1:1 %s\n" % (w, h, fps, "Cmono" if mono else "C420jpeg")).encode())
        for fr in frames:
            f.write(b"FRAME\n")
            for p in fr:
                f.write(np.ascontiguousarray(p).tobytes())


def write_wav(path, a, rate):
    with wave.open(path, "wb") as w:
        w.setnchannels(a.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(a.astype("<i2").tobytes())


def build_samples(xdir, cache, sdir):
    os.makedirs(sdir, exist_ok=True)
    out = {}
    vt = cache.get("vtest") or decode_movie(os.path.join(xdir, VTEST), (384, 288))
    write_y4m(os.path.join(sdir, "vtest_384x288.y4m"), vt[100:108], 384, 288)
    out["vtest_384x288.y4m"] = {"from": VTEST, "what": "frames 100-107, decoded, area-downscaled to 384x288 yuv420p"}
    cube = sorted(glob.glob(os.path.join(xdir, VISP, "cube", "*.pgm")))[:8]
    write_y4m(os.path.join(sdir, "cube_gray.y4m"), [[read_pgm(p)] for p in cube], 384, 288, mono=True)
    out["cube_gray.y4m"] = {"from": VISP + "/cube", "what": "first 8 frames, gray"}
    im = Image.open(os.path.join(xdir, SKI, "coffee.png")).convert("RGB")
    im = im.resize((400, im.size[1] * 400 // im.size[0]), Image.LANCZOS)
    im.save(os.path.join(sdir, "coffee.png"), optimize=True)
    out["coffee.png"] = {"from": SKI + "/coffee.png", "what": "RGB, Lanczos-downscaled to 400 px wide"}
    fv = sorted(glob.glob(os.path.join(xdir, FESTVOX, "*.wav")))[-FESTVOX_TEST:]
    for p in fv:
        a, rate = read_wav(p)
        if len(a) >= 3 * rate:
            write_wav(os.path.join(sdir, "speech_16k.wav"), a[:3 * rate], rate)
            out["speech_16k.wav"] = {"from": os.path.relpath(p, xdir), "what": "first 3 s, 16 kHz mono s16"}
            break
    p = os.path.join(xdir, SONICPI, "loop_compus.flac")
    a, rate = read_flac(p)
    write_wav(os.path.join(sdir, "music_stereo.wav"), a[:3 * rate], rate)
    out["music_stereo.wav"] = {"from": SONICPI + "/loop_compus.flac", "what": "first 3 s, 44.1 kHz stereo s16"}
    for k in out:
        out[k]["sha256"] = sha256_file(os.path.join(sdir, k))
    return out


def describe_video(items):
    """-> (["SOURCE: R runs x T consecutive frames (first frames ...), FMT WxH", ...],
    ["PHOTO (fmts)", ...]) for one split's video items."""
    seqs, photos = {}, {}
    for it in items:
        src = it["name"].split(".")[0]
        if "first_frame" in it:
            seqs.setdefault(src, []).append(it)
        else:
            photos.setdefault(src, []).append(it["pix_fmt"])
    out = []
    for src, its in seqs.items():
        lens = sorted({it["frames"] for it in its})
        out.append("%s: %d run%s x %s consecutive frames (from frame %s), %s %dx%d" % (
            src, len(its), "s" if len(its) > 1 else "", "/".join(map(str, lens)),
            ", ".join(str(it["first_frame"]) for it in its), its[0]["pix_fmt"], *its[0]["size"]))
    return out, ["%s (%s)" % (p, ", ".join(f)) for p, f in photos.items()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.join(REPO, "build"))
    ap.add_argument("--manifest", default=os.path.join(HERE, "corpus_manifest.json"))
    ap.add_argument("--samples", action="store_true", help="also write samples/ from val/test sources")
    ap.add_argument("--samples-dir", default=os.path.join(REPO, "samples"))
    args = ap.parse_args()
    dl = os.path.join(args.root, "downloads")
    out = os.path.join(args.root, "corpus")
    log("[1/4] packages")
    pk = fetch_packages(dl)
    xdir = os.path.join(dl, "x")
    shutil.rmtree(out, ignore_errors=True)
    files = {}
    log("[2/4] video")
    vitems, cache = build_video(xdir, out, files)
    log("[3/4] audio")
    aclips, used = build_audio(xdir, out, files)
    summary = {}
    for split in SPLITS:
        idx = {"video": vitems[split], "audio": aclips.get(split, [])}
        with open(os.path.join(out, split, "index.json"), "w") as f:
            json.dump(idx, f, indent=1)
        vs = sum(it["samples"] for it in vitems[split])
        aclip = aclips.get(split, [])
        asz = sum(c["frames"] * c["channels"] for c in aclip)
        seqs, photos = describe_video(vitems[split])
        summary[split] = {"video_items": len(vitems[split]), "video_bytes_uint8": vs,
                          "audio_clips": len(aclip), "audio_bytes_int16": 2 * asz,
                          "audio_values_by_source": used.get(split, {}),
                          "video_sources": sorted({it["name"].split(".")[0] for it in vitems[split]}),
                          "video_sequences": seqs, "video_photos": photos}
        log("  %-5s video %3d items %6.1f MB   audio %4d clips %5.1f MB" % (
            split, len(vitems[split]), vs / 1e6, len(aclip), 2 * asz / 1e6))
        for s in seqs:
            log("        sequence  %s" % s)
        log("        photos    %s" % ", ".join(photos))
    samples = None
    if args.samples:
        log("[4/4] samples")
        samples = build_samples(xdir, cache, args.samples_dir)
    man = {
        "about": "LMC training corpus, built by models/training/corpus.py from pinned Debian packages. "
                 "Splits are by source: no clip, photo, file group or sample category is in two splits. "
                 "Video sequences are runs of consecutive frames (step 1; several runs of a clip are "
                 "items NAME.r0, NAME.r1, ...); photos are single frames.",
        "packages": pk,
        "splits": {s: {"summary": summary[s],
                       "video": [{k: v for k, v in it.items() if k != "frame_files"} for it in vitems[s]],
                       "audio": [{"key": c["key"], "rate": c["rate"], "channels": c["channels"],
                                  "frames": c["frames"]} for c in aclips.get(s, [])]}
                   for s in summary},
        "source_files_sha256": dict(sorted(files.items())),
    }
    if samples:
        man["samples"] = samples
    with open(args.manifest, "w") as f:
        json.dump(man, f, indent=1)
    log("manifest: %s (%d source files)" % (args.manifest, len(files)))


if __name__ == "__main__":
    main()
