#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Golden vectors for the C++ model runner, from the shipped model files and the numpy
integer reference (lmcm.py):

    tests/data/golden_video_logits.txt   (models/video-s.lmcm, 16 vectors of 24 inputs; video-l: golden_video_l_logits.txt;
                                          video-xl: golden_video_xl_logits.txt;
                                          video-h16: golden_video_h16_logits.txt;
                                          video-s1, feature set 1: golden_video_s1_logits.txt, 14 inputs)
    tests/data/golden_video_inter_features.txt (motion + feature set 3 inputs of a real inter frame;
                                          _subpel_, _split_ and _sharp_: with quarter-sample motion, also
                                          split blocks, also Catmull-Rom luma reads)
    tests/data/golden_audio_logits.txt   (models/audio-s.lmcm, 16 vectors of 20 inputs; audio-a:
                                          golden_audio_a_logits.txt)

One vector per line:
    features: a b c ... | logits: l0 l1 ... | gsum: N | gsha: HEX
gsum is the sum of the frequency table g (docs/format.md 2), gsha the SHA-256 of g as
int32 little-endian. Lines starting with '#' are comments (the model and its hash).
Vectors: all -127, all 127, all 0, alternating extremes, then real ones taken from
samples/ (cube_gray.y4m, vtest_384x288.y4m, coffee.png as gbrp; speech_16k.wav,
music_stereo.wav), then fixed-seed random ones.
"""
import os
import sys
import wave

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lmc_features as lf  # noqa: E402
import lmcm  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))


def read_y4m_frames(path, n):
    """The first n frames (list of plane lists) and the pixel format."""
    frames = []
    with open(path, "rb") as f:
        hdr = f.readline().decode().split()
        w = int([t for t in hdr if t[0] == "W"][0][1:])
        h = int([t for t in hdr if t[0] == "H"][0][1:])
        mono = "Cmono" in hdr
        for _ in range(n):
            f.readline()
            y = np.frombuffer(f.read(w * h), np.uint8).reshape(h, w)
            if mono:
                frames.append([y])
                continue
            u = np.frombuffer(f.read(w * h // 4), np.uint8).reshape(h // 2, w // 2)
            v = np.frombuffer(f.read(w * h // 4), np.uint8).reshape(h // 2, w // 2)
            frames.append([y, u, v])
    return frames, "gray" if mono else "yuv420p"


def read_y4m_first(path):
    frames, fmt = read_y4m_frames(path, 1)
    return frames[0], fmt


def moved_reference(f0, dx=6, dy=-4):
    """Frame f0 moved by (dx, dy) luma samples (chroma by dx / 2, dy / 2, rounded toward
    -inf as Python's //), edges replicated: ref(x, y) = f0(x + dx / s, y + dy / s)."""
    return [np.pad(p, 8, mode="edge")[8 + dy // s:8 + dy // s + p.shape[0], 8 + dx // s:8 + dx // s + p.shape[1]]
            for p, s in zip(f0, (1, 2, 2))]


def write_inter_features(out_path, subpel=False, split=False, sharp=False, every=53, wide=False):
    """Feature set 3 of frame 1 of the vtest sample as an inter frame against frame 0: the
    motion field and every `every`-th sample of each plane, for the C++ feature test. The
    reference is frame 0 moved by (6, -4) luma samples, so that the motion is not all zero;
    with subpel (format.md 7.5), the rounded mean of it moved by (6, -4) and by (7, -4): half
    a sample, which quarter-sample vectors find. With split (format.md 7.6) the motion is given
    per 8x8 unit (the coded block holding it) and the split flags per 16x16 block follow. With
    sharp, full-resolution planes are read with the Catmull-Rom taps (stream tool bit 0).
    With wide, the inputs of feature set 4 (format.md 7.11)."""
    (orig, f1), fmt = read_y4m_frames(os.path.join(REPO, "samples", "vtest_384x288.y4m"), 2)
    f0 = moved_reference(orig)
    what = "moved by (6, -4)"
    if subpel:
        f0 = [((a.astype(np.int32) + b + 1) >> 1).astype(np.uint8) for a, b in zip(f0, moved_reference(orig, 7, -4))]
        what = "moved by (6, -4) and by (7, -4), averaged (rounded up)"
    motion = lf.estimate_motion(f1[0], f0[0], subpel, split, sharp)
    mvx, mvy, intra = motion[:3]
    feats = lf.video_frame_features(f1, fmt, f0, motion, subpel, sharp=sharp, wide=wide)
    with open(out_path, "w") as f:
        f.write("# samples/vtest_384x288.y4m frame 1 coded as an inter frame against frame 0 %s"
                " (feature set %d%s%s%s)\n" % (what, 4 if wide else 3, ", quarter-sample motion" if subpel else "",
                                               ", split blocks" if split else "",
                                               ", Catmull-Rom luma reads" if sharp else ""))
        f.write("# motion: per %s in raster order: intra mvx mvy (%s)\n"
                % ("8x8 unit" if split else "16x16 block", "quarter luma samples" if subpel else "luma samples"))
        f.write("motion: %s\n" % " ".join("%d %d %d" % t for t in zip(intra.ravel().astype(int), mvx.ravel(), mvy.ravel())))
        if split:
            f.write("# split: per 16x16 block in raster order\n")
            f.write("split: %s\n" % " ".join(str(int(v)) for v in motion[3].ravel()))
        write_feature_rows(f, f1, feats, every)
    frac = int((((mvx | mvy) & 3) != 0).sum()) if subpel else 0
    print("wrote %s (%d of %d blocks or units intra, %d fractional, %d split)" % (
        out_path, int(intra.sum()), intra.size, frac, int(motion[3].sum()) if split else 0))


def write_feature_rows(f, planes, feats, every):
    f.write("# plane x y | %d inputs | symbol\n" % feats[0][0].shape[1])
    for pi, (X, Y) in enumerate(feats):
        w = planes[pi].shape[1]
        for i in range(0, len(Y), every):
            f.write("%d %d %d | %s | %d\n" % (pi, i % w, i // w, " ".join(map(str, X[i])), Y[i]))


def write_wide_keyframe_features(out_path, every=41):
    """Feature set 4 of vtest frame 1 as a keyframe of three equal-size planes (its chroma
    repeated 2x2 to 4:4:4), so that the colour planes' gradient inputs (28 to 31) are set."""
    (_, f1), _ = read_y4m_frames(os.path.join(REPO, "samples", "vtest_384x288.y4m"), 2)
    planes = [f1[0]] + [np.repeat(np.repeat(p, 2, axis=0), 2, axis=1) for p in f1[1:]]
    feats = lf.video_frame_features(planes, "yuv444p", wide=True)
    with open(out_path, "w") as f:
        f.write("# samples/vtest_384x288.y4m frame 1, chroma repeated to 4:4:4, as a keyframe (feature set 4)\n")
        write_feature_rows(f, planes, feats, every)
    print("wrote %s" % out_path)


def read_wav(path):
    with wave.open(path) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, w.getnchannels()).astype(np.int64)


def video_vectors(F):
    vecs = [np.full(F, -127), np.full(F, 127), np.zeros(F, int),
            np.array([127 if i % 2 else -127 for i in range(F)])]
    planes, fmt = read_y4m_first(os.path.join(REPO, "samples", "cube_gray.y4m"))
    f, _ = lf.video_plane_features(planes, fmt)[0]
    w = planes[0].shape[1]
    for (x, y) in ((1, 1), (5, 0), (0, 7), (200, 150), (383, 287)):
        vecs.append(f[y * w + x])
    planes, fmt = read_y4m_first(os.path.join(REPO, "samples", "vtest_384x288.y4m"))
    feats = lf.video_plane_features(planes, fmt)
    vecs.append(feats[0][0][100 * 384 + 120])
    vecs.append(feats[2][0][70 * 192 + 60])  # V plane: f10 = 64, f12 = U residual
    rgb = np.asarray(Image.open(os.path.join(REPO, "samples", "coffee.png")).convert("RGB"))
    gbr = [rgb[..., 1], rgb[..., 2], rgb[..., 0]]
    feats = lf.video_plane_features(gbr, "gbrp")
    W = rgb.shape[1]
    vecs.append(feats[2][0][130 * W + 200])  # R plane: f10 = -64, f11 and f12 set
    rng = np.random.default_rng(2024)
    while len(vecs) < 16:
        vecs.append(rng.integers(-127, 128, F))
    return vecs


def video_inter_vectors(F):
    """Feature set 3 (F = 24) or 4 (F = 32): real keyframe and inter-frame inputs (vtest
    frames 0 -> 1, the reference moved as in write_inter_features), padded with extremes and
    random rows."""
    vecs = [np.full(F, -127), np.full(F, 127), np.zeros(F, int),
            np.array([127 if i % 2 else -127 for i in range(F)])]
    (f0, f1), fmt = read_y4m_frames(os.path.join(REPO, "samples", "vtest_384x288.y4m"), 2)
    wide = F == lf.VIDEO_F_WIDE
    key = lf.video_frame_features(f0, fmt, wide=wide)
    vecs.append(key[0][0][100 * 384 + 120])
    vecs.append(key[2][0][70 * 192 + 60])
    inter = lf.video_frame_features(f1, fmt, moved_reference(f0), wide=wide)
    for pi, i in ((0, 0), (0, 150 * 384 + 200), (0, 287 * 384 + 383), (1, 40 * 192 + 90), (2, 143 * 192 + 191)):
        vecs.append(inter[pi][0][i])
    intra_rows = np.flatnonzero(inter[0][0][:, 14] == -64)
    vecs.append(inter[0][0][intra_rows[len(intra_rows) // 2]])  # an intra block in an inter frame
    rng = np.random.default_rng(2026)
    while len(vecs) < 16:
        vecs.append(rng.integers(-127, 128, F))
    return vecs


def audio_vectors(F):
    vecs = [np.full(F, -127), np.full(F, 127), np.zeros(F, int),
            np.array([127 if i % 2 else -127 for i in range(F)])]
    sp = read_wav(os.path.join(REPO, "samples", "speech_16k.wav"))
    d = lf.audio_block_features(sp[8192:8192 + 4096])
    for i in (0, 5, 40, 2000, 4095):
        vecs.append(d["feats"][i])
    mu = read_wav(os.path.join(REPO, "samples", "music_stereo.wav"))
    d = lf.audio_block_features(mu[20000:20000 + 4096])
    for i in (100, 3000, 4096 + 1, 4096 + 2500):  # last two: channel 1 (f17, f18 set)
        vecs.append(d["feats"][i])
    rng = np.random.default_rng(2025)
    while len(vecs) < 16:
        vecs.append(rng.integers(-127, 128, F))
    return vecs


def write(model_path, out_path, vecs):
    m = lmcm.read_lmcm(model_path)
    X = np.stack(vecs).astype(np.int64)
    assert X.shape == (16, m["num_inputs"])
    logits = lmcm.int_forward(m, X, exact_int=True)
    assert (logits == lmcm.int_forward(m, X)).all()
    g = lmcm.freq_table(logits)
    with open(out_path, "w") as f:
        f.write("# model %s (%s), model sha256 %s\n" % (os.path.basename(model_path), m["name"], m["sha256"]))
        f.write("# features: %d inputs | logits: %d outputs | gsum: sum of g | gsha: sha256 of g as int32 LE\n"
                % (m["num_inputs"], m["num_outputs"]))
        for x, l, gr in zip(X, logits, g):
            f.write("features: %s | logits: %s | gsum: %d | gsha: %s\n" % (
                " ".join(map(str, x)), " ".join(map(str, l)), int(gr.sum()), lmcm.g_sha256(gr)))
    print("wrote %s (%d vectors)" % (out_path, len(X)))


def main():
    os.makedirs(os.path.join(REPO, "tests", "data"), exist_ok=True)
    write_inter_features(os.path.join(REPO, "tests", "data", "golden_video_inter_features.txt"))
    write_inter_features(os.path.join(REPO, "tests", "data", "golden_video_subpel_features.txt"), subpel=True)
    write_inter_features(os.path.join(REPO, "tests", "data", "golden_video_split_features.txt"), subpel=True, split=True)
    write_inter_features(os.path.join(REPO, "tests", "data", "golden_video_sharp_features.txt"), subpel=True, split=True,
                         sharp=True)
    write_inter_features(os.path.join(REPO, "tests", "data", "golden_video_wide_features.txt"), wide=True)
    write_wide_keyframe_features(os.path.join(REPO, "tests", "data", "golden_video_wide_key_features.txt"))
    if "--features-only" in sys.argv:
        return
    data_dir = os.path.join(REPO, "tests", "data")
    write(os.path.join(REPO, "models", "video-s1.lmcm"), os.path.join(data_dir, "golden_video_s1_logits.txt"),
          video_vectors(lf.VIDEO_F))
    for name, out in (("video-s", "golden_video_logits.txt"), ("video-l", "golden_video_l_logits.txt"),
                      ("video-xl", "golden_video_xl_logits.txt"), ("video-h16", "golden_video_h16_logits.txt")):
        path = os.path.join(REPO, "models", name + ".lmcm")
        write(path, os.path.join(data_dir, out), video_inter_vectors(lmcm.read_lmcm(path)["num_inputs"]))
    for name, out in (("audio-s", "golden_audio_logits.txt"), ("audio-a", "golden_audio_a_logits.txt")):
        write(os.path.join(REPO, "models", name + ".lmcm"), os.path.join(data_dir, out), audio_vectors(lf.AUDIO_F))


if __name__ == "__main__":
    main()
