#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Self-checks of the training code against docs/format.md, written the slow, literal
way (one sample at a time) and compared with the vectorised code:
  - video features and symbols (section 6), all pixel formats, tiny odd sizes too;
  - audio features, symbols and k (section 8), mono and stereo; the adaptive tool's
    rows from lmc-audio-rows (section 8.1: the k rule, symbols and inputs), when built;
  - LUT / frequency table (section 2) and the .lmcm round trip (section 3);
  - the float64-GEMM integer forward equals the pure int64 one, with and without bias
    offsets (section 7.4);
  - quarter-sample alignment (section 7.5): the bilinear read, literal, for luma and
    subsampled chroma, and the Catmull-Rom read of stream tool bit 0; the motion search finds a half-sample move; inter-frame features
    of a stored clip through data.py's job path (as finetune.py and training use it).
Run: python3 models/training/test_training.py   (prints 'N passed, 0 failed')."""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import lmc_features as lf  # noqa: E402
import lmcm  # noqa: E402


def c(v):
    return max(-127, min(127, v))


def get(p, x, y):
    h, w = len(p), len(p[0])
    if y < 0:
        return 128
    if x < 0:
        return p[y - 1][0] if y > 0 else 128
    if x >= w:
        return p[y][w - 1]
    return p[y][x]


def med(W, N, NW):
    if NW >= max(W, N):
        return min(W, N)
    if NW <= min(W, N):
        return max(W, N)
    return W + N - NW


def slow_video(planes, fmt):
    cls = lf.PLANE_CLASS[fmt]
    planes = [p.astype(int).tolist() for p in planes]
    res = []
    out = []
    for pi, p in enumerate(planes):
        h, w = len(p), len(p[0])
        r = [[0] * w for _ in range(h)]
        fs, ss = [], []
        for y in range(h):
            for x in range(w):
                g = lambda dx, dy: get(p, x + dx, y + dy)  # noqa: E731
                W, WW, NW, N, NE = g(-1, 0), g(-2, 0), g(-1, -1), g(0, -1), g(1, -1)
                NWW, NN, NNW, NNE = g(-2, -1), g(0, -2), g(-1, -2), g(1, -2)
                P = med(W, N, NW)
                f = [c(v - P) for v in (W, WW, NW, N, NE, NWW, NN, NNW, NNE)]
                f.append(c(P - 128))
                f.append(cls[pi])
                f11 = c(res[0][y][x]) if pi in (1, 2) and (len(planes[0]), len(planes[0][0])) == (h, w) else 0
                f12 = c(res[1][y][x]) if pi == 2 and (len(planes[1]), len(planes[1][0])) == (h, w) else 0
                f += [f11, f12]
                f.append(min(127, (abs(W - NW) + abs(N - NW) + abs(N - NE) + abs(W - WW) + abs(N - NN)) >> 1))
                r[y][x] = p[y][x] - P
                fs.append(f)
                ss.append((p[y][x] - P) % 256)
        res.append(r)
        out.append((np.array(fs), np.array(ss)))
    return out


def slow_wide(planes):
    """format.md 7.11's f24..f31 of a keyframe, read literally: four neighbours against MED,
    and the gradients of the same-size planes coded before."""
    planes = [p.astype(int).tolist() for p in planes]
    out = []
    for pi, p in enumerate(planes):
        h, w = len(p), len(p[0])
        rows = []
        for y in range(h):
            for x in range(w):
                P = med(get(p, x - 1, y), get(p, x, y - 1), get(p, x - 1, y - 1))
                f = [c(get(p, x + dx, y + dy) - P) for dx, dy in ((-3, 0), (-2, -2), (2, -2), (0, -3))]
                for q in (0, 1):
                    same = q < pi <= 2 and (len(planes[q]), len(planes[q][0])) == (h, w)
                    X = planes[q][y][x] if same else 0
                    f += [c(X - get(planes[q], x - 1, y)), c(X - get(planes[q], x, y - 1))] if same else [0, 0]
                rows.append(f)
        out.append(np.array(rows))
    return out


def slow_interpolate(p, x, y, vx4, vy4, sx, sy):
    """format.md 7.5 read literally: position x + vx4 / 4 / 2^sx, bilinear, rounded."""
    h, w = len(p), len(p[0])
    dx, dy = 4 << sx, 4 << sy
    ix, fx = vx4 // dx, vx4 % dx  # floor division: fx in 0..dx-1 for negative vectors too
    iy, fy = vy4 // dy, vy4 % dy

    def at(xx, yy):
        return int(p[min(max(yy, 0), h - 1)][min(max(xx, 0), w - 1)])
    s = (at(x + ix, y + iy) * (dx - fx) * (dy - fy) + at(x + ix + 1, y + iy) * fx * (dy - fy)
         + at(x + ix, y + iy + 1) * (dx - fx) * fy + at(x + ix + 1, y + iy + 1) * fx * fy)
    return (s + dx * dy // 2) // (dx * dy)


def slow_sharp(p, x, y, vx4, vy4):
    """format.md 7.5 with stream tool bit 0, literally: the 4x4 Catmull-Rom read of a
    full-resolution plane at x + vx4 / 4, y + vy4 / 4."""
    taps = [[0, 128, 0, 0], [-9, 111, 29, -3], [-8, 72, 72, -8], [-3, 29, 111, -9]]
    h, w = len(p), len(p[0])
    ix, iy = x + vx4 // 4, y + vy4 // 4
    acc = 0
    for j in range(4):
        for i in range(4):
            s = int(p[min(max(iy - 1 + j, 0), h - 1)][min(max(ix - 1 + i, 0), w - 1)])
            acc += taps[vy4 % 4][j] * taps[vx4 % 4][i] * s
    return min(max((acc + 8192) // 16384, 0), 255)


def slow_audio(x, k_offset=2):
    n, C = x.shape
    feats, vs = [], []
    e0 = None
    for ch in range(C):
        coef, sh = lf.lpc_coefs(x[:, ch])
        xs = [int(v) for v in x[:, ch]]
        e = []
        for i in range(n):
            acc = sum(int(coef[j - 1]) * (xs[i - j] if i - j >= 0 else 0) for j in range(1, len(coef) + 1))
            e.append(xs[i] - (acc >> sh))
        u = [2 * v if v >= 0 else -2 * v - 1 for v in e]
        mean = sum(u) // n
        k = max(0, (mean.bit_length() if mean > 0 else 0) - k_offset)
        kf = max(k - 3, 0)
        for i in range(n):
            f = [c((e[i - j] if i - j >= 0 else 0) >> kf) for j in range(1, 17)]
            f.append(4 * k)
            f.append(c(e0[i] >> kf) if ch > 0 else 0)
            f.append(64 if ch > 0 else 0)
            f.append(2 * min(i, 32))
            feats.append(f)
            vs.append(min(u[i] >> k, 63))
        if ch == 0:
            e0 = e
    return np.array(feats), np.array(vs)


def check_audio_rows(x, rate):
    """Rows of lmc-audio-rows for x [n, C] against format.md 8.1, literally: per block
    and channel, k from S (k0 is the first row's), v = min(u >> k, 63), f0..f15 the
    past residuals >> kf, f16 = 4k, f17/f18 channel 0's residual, f19 the position."""
    rows = data._audio_clip_rows((x, rate, False))
    block = 16384 if rate * 1.05 >= 16384 else 8192
    n, C = x.shape
    r = 0
    for b0 in range(0, n, block):
        m = min(block, n - b0)
        e0 = None
        for ch in range(C):
            k = int(rows["kk"][r])
            S = 16 << (k + 1)
            e = []
            for i in range(m):
                u = int(rows["u"][r + i])
                k = min(24, max(0, (S >> 4).bit_length() - 2))
                kf = max(k - 3, 0)
                e_i = u // 2 if u % 2 == 0 else -(u + 1) // 2
                want = [c(e[i - j] >> kf) if i - j >= 0 else 0 for j in range(1, 17)]
                want += [4 * k, c(e0[i] >> kf) if ch > 0 else 0, 64 if ch > 0 else 0, 2 * min(i, 32)]
                if rows["kk"][r + i] != k or rows["v"][r + i] != min(u >> k, 63) or list(rows["feats"][r + i]) != want:
                    return False
                e.append(e_i)
                S += u - (S >> 4)
            if ch == 0:
                e0 = e
            r += m
    return r == len(rows["v"])


def main():
    rng = np.random.default_rng(7)
    passed = failed = 0

    def check(name, ok):
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + name)
        passed += ok
        failed += not ok

    for fmt, shapes in (("gray", [(5, 7)]), ("yuv420p", [(6, 8), (3, 4), (3, 4)]),
                        ("yuv444p", [(4, 5)] * 3), ("gbrp", [(3, 9)] * 3), ("gray", [(1, 1)]),
                        ("gray", [(2, 1)]), ("yuv422p", [(4, 6), (4, 3), (4, 3)])):
        for trial in range(3):
            if trial == 0:
                planes = [rng.integers(0, 256, s).astype(np.uint8) for s in shapes]
            elif trial == 1:
                planes = [np.clip(100 + np.cumsum(rng.integers(-3, 4, s), axis=1), 0, 255).astype(np.uint8)
                          for s in shapes]
            else:
                planes = [rng.choice(np.array([0, 255], dtype=np.uint8), s) for s in shapes]
            fast = lf.video_plane_features(planes, fmt)
            slow = slow_video(planes, fmt)
            ok = all((f.astype(int) == sf).all() and (y.astype(int) == sy).all()
                     for (f, y), (sf, sy) in zip(fast, slow))
            check("video %s %s trial %d" % (fmt, shapes[0], trial), ok)
            if fmt != "gbrp":  # feature set 4 (format.md 7.11): its first 24 as set 3's, then 8 more
                wide = lf.video_frame_features(planes, fmt, wide=True)
                narrow = lf.video_frame_features(planes, fmt)
                ok = all((a[0][:, :24] == b[0]).all() and (a[0][:, 24:].astype(int) == s).all()
                         for a, b, s in zip(wide, narrow, slow_wide(planes)))
                check("video feature set 4 %s %s trial %d" % (fmt, shapes[0], trial), ok)

    for C, n, amp in ((1, 300, 3000), (2, 200, 20000), (1, 50, 0), (2, 40, 30000), (1, 1, 5)):
        t = np.arange(n)
        x = np.stack([(amp * np.sin(t * (0.05 + 0.03 * ch)) + rng.normal(0, amp / 50 + 1e-9, n)).round()
                      for ch in range(C)], axis=1).clip(-32768, 32767).astype(np.int16)
        d = lf.audio_block_features(x)
        sf, sv = slow_audio(x)
        check("audio C=%d n=%d amp=%d" % (C, n, amp), (d["feats"].astype(int) == sf).all() and (d["v"] == sv).all())

    # LUT
    check("LUT[0]=32768, LUT[255]>=1", lmcm.LUT[0] == 32768 and lmcm.LUT.min() >= 1)
    for N in (256, 64):
        lg = np.concatenate([rng.integers(-32767, 32768, (50, N)), np.zeros((1, N), int),
                             np.full((1, N), 32767), np.tile(np.arange(N) * 300, (1, 1))])
        g = lmcm.freq_table(lg)
        ok = (g >= 1).all() and (g.sum(1) <= 65536).all()
        # literal per-row computation
        for row, gr in zip(lg[:5], g[:5]):
            m = max(row)
            f = [int(lmcm.LUT[min(m - int(v), 255)]) for v in row]
            S = sum(f)
            inv = ((65536 - N) << 32) // S
            ok &= all(1 + ((fi * inv) >> 32) == int(gi) for fi, gi in zip(f, gr))
        check("freq table N=%d" % N, bool(ok))

    # lmcm round trip + forward paths
    sizes = [14, 16, 16, 256]
    m = {"kind": 1, "feature_set": 1, "num_inputs": 14, "num_outputs": 256, "name": "t", "layers": []}
    for i in range(3):
        m["layers"].append({"W": rng.integers(-127, 128, (sizes[i + 1], sizes[i])),
                            "b": rng.integers(-100000, 100000, sizes[i + 1]), "shift": int(rng.integers(3, 9))})
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "t.lmcm")
        sha = lmcm.write_lmcm(p, m)
        m2 = lmcm.read_lmcm(p)
        check("lmcm round trip", m2["sha256"] == sha and all((a["W"] == b["W"]).all() and (a["b"] == b["b"]).all()
                                                            for a, b in zip(m["layers"], m2["layers"])))
        raw = bytearray(open(p, "rb").read())
        raw[70] ^= 1
        try:
            lmcm.parse(bytes(raw))
            check("lmcm detects corruption", False)
        except ValueError:
            check("lmcm detects corruption", True)
    x = rng.integers(-127, 128, (500, 14))
    check("float64 GEMM == int64 forward", (lmcm.int_forward(m2, x) == lmcm.int_forward(m2, x, exact_int=True)).all())
    # format.md 7.4: offsets in activation units == a model whose hidden biases moved by o * 2^shift
    off = rng.integers(-127, 128, 32)
    moved = {**m2, "layers": [dict(L) for L in m2["layers"]]}
    for i, L in enumerate(moved["layers"][:2]):
        L["b"] = L["b"] + off[16 * i:16 * i + 16] * (1 << L["shift"])
    check("bias offsets == moved biases", (lmcm.int_forward(m2, x, bias_offsets=off) == lmcm.int_forward(moved, x)).all()
          and (lmcm.int_forward(m2, x, bias_offsets=off, exact_int=True) == lmcm.int_forward(moved, x)).all())

    # format.md 7.5: quarter-sample alignment
    for sx, sy in ((0, 0), (1, 1), (1, 0)):
        p = rng.integers(0, 256, (9, 11)).astype(np.uint8)
        vx = rng.integers(-70, 70, p.shape)
        vy = rng.integers(-70, 70, p.shape)
        fast = lf.interpolate(p, sx, sy, vx, vy)
        ok = all(fast[y, x] == slow_interpolate(p, x, y, int(vx[y, x]), int(vy[y, x]), sx, sy)
                 for y in range(p.shape[0]) for x in range(p.shape[1]))
        whole = lf.interpolate(p, sx, sy, np.full(p.shape, 4 << sx), np.full(p.shape, -(4 << sy)))
        ok &= (whole == lf.align_plane(p, 0, 0, np.array([[1]]), np.array([[-1]]))).all()
        check("quarter-sample read sx=%d sy=%d (whole vectors read samples)" % (sx, sy), bool(ok))
    p = rng.integers(0, 256, (9, 11)).astype(np.uint8)
    p[4, :] = 255  # a bright line: the taps overshoot and the read clamps
    vx, vy = rng.integers(-70, 70, p.shape), rng.integers(-70, 70, p.shape)
    fast = lf.interpolate(p, 0, 0, vx, vy, sharp=True)
    ok = all(fast[y, x] == slow_sharp(p, x, y, int(vx[y, x]), int(vy[y, x]))
             for y in range(p.shape[0]) for x in range(p.shape[1]))
    whole = lf.interpolate(p, 0, 0, np.full(p.shape, 4), np.full(p.shape, -4), sharp=True)
    ok &= (whole == lf.align_plane(p, 0, 0, np.array([[1]]), np.array([[-1]]))).all()
    ok &= (lf.interpolate(p, 1, 1, vx, vy, sharp=True) == lf.interpolate(p, 1, 1, vx, vy)).all()
    check("Catmull-Rom read of full-resolution planes (chroma 4:2:0 stays bilinear)", bool(ok))
    base = np.clip(128 + np.cumsum(np.cumsum(rng.integers(-6, 7, (48, 66)), axis=0), axis=1) // 8, 0, 255)
    ref = base[:, :64].astype(np.uint8)
    cur = ((base[:, 1:65] + base[:, 2:66] + 1) >> 1).astype(np.uint8)  # moved by 1.5 samples
    mvx, mvy, intra = lf.estimate_motion(cur, ref, subpel=True)
    check("subpel search finds a 1.5-sample move", (~intra).sum() >= 8 and ((mvx[~intra] == 6) & (mvy[~intra] == 0)).mean() > 0.5)
    # format.md 7.6: two parts moving apart split the blocks on their border (x = 40) and only
    # those; the split blocks' 8x8 units hold their own vectors
    two = np.concatenate([base[:, 2:42], base[:, 38:62]], axis=1).astype(np.uint8)  # ref moved +2 | -2
    mvx, mvy, intra, split_b = lf.estimate_motion(two, ref, split=True)
    check("split blocks on a motion border only, with the quarters' vectors",
          mvx.shape == (6, 8) and split_b[:, 2].all() and not split_b[:, [0, 1, 3]].any()
          and (mvx[:, 4] == 2).all() and (mvx[:, 5] == -2).all() and (mvx[:, :4] == 2).all() and (mvx[:, 6:] == -2).all())
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "clip.npz")
        np.savez(path, pix_fmt="gray", p0=np.stack([ref, cur]))
        X, Y, _ = data._video_frames(data.video_job(path, "gray", [0, 1], 3, fine_motion=True))
        feats = lf.video_frame_features([cur], "gray", [ref], subpel=True, split=True, sharp=True)[0]
        check("data.video_job / _video_frames with fine motion", X.shape == (2 * 48 * 64, lf.VIDEO_F_INTER)
              and (X[48 * 64:] == feats[0]).all() and (Y[48 * 64:] == feats[1]).all())
    if os.path.exists(data.AUDIO_ROWS_TOOL):
        t = np.arange(20000)
        for C, rate in ((1, 16000), (2, 44100)):
            x = np.stack([(3000 * np.sin(t * 0.02 * (ch + 1)) + rng.integers(-40, 41, len(t))).astype(np.int16)
                          for ch in range(C)], axis=1)
            check("lmc-audio-rows, %d channel(s) at %d Hz, literally (8.1)" % (C, rate), check_audio_rows(x, rate))
    else:
        print("skipped: %s not built" % data.AUDIO_ROWS_TOOL)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
