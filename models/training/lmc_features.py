# SPDX-License-Identifier: LGPL-2.1-or-later
"""Model inputs of LMC, exactly as docs/format.md sections 6 and 7 (video, feature_sets 1, 3 and 4)
and 8 (audio, feature_set 2) define them. Vectorised numpy; the C++ codec computes
the same numbers one sample at a time.

Video:  video_plane_features(planes, pix_fmt) -> list per plane of (feats int8 [h*w,14],
        symbols uint8 [h*w]) in raster order.
Audio:  audio_block_features(x int [n, C]) -> dict with feats int8 [C*n, 20],
        symbols v, k per channel, etc. (channel-major order, as coded).
"""
import numpy as np

VIDEO_F = 14
VIDEO_N = 256
AUDIO_F = 20
AUDIO_N = 64

LPC_ORDER = 12
LPC_SHIFT = 12
AUDIO_BLOCK = 4096  # training/eval block size (samples per channel per packet)

# plane class f10 per pixel format: 0 for gray/Y/G, 64 for U/V, -64 for B/R
PLANE_CLASS = {
    "gray": [0],
    "yuv420p": [0, 64, 64],
    "yuv422p": [0, 64, 64],
    "yuv444p": [0, 64, 64],
    "gbrp": [0, -64, -64],
}


def subtract_green(planes):
    """gbrp planes [G, B, R] (uint8, any leading shape) as liblmc 0.14 codes them (format.md
    7.10): [G, B - G + 128, R - G + 128] mod 256, then coded like yuv444p (plane classes 0, 64, 64)."""
    g = planes[0].astype(np.int32)
    return [planes[0]] + [((p.astype(np.int32) - g + 128) & 255).astype(np.uint8) for p in planes[1:3]]


def _c(v):
    return np.clip(v, -127, 127)


def padded_plane(p, m=2):
    """Q[y'+m, x'+m] = get(x', y') for y' in [-m, h-1], x' in [-m, w+m-2] (format.md 6)."""
    p = np.asarray(p)
    h, w = p.shape
    q = np.full((h + m, w + 2 * m - 1), 128, dtype=np.int32)
    q[m:, m:w + m] = p
    # x' < 0 and y' > 0: p[y'-1][0]; x' < 0 and y' == 0: 128 (already)
    if h > 1:
        q[m + 1:, :m] = p[:-1, :1]
    # x' >= w: p[y'][w-1]
    q[m:, w + m:] = p[:, w - 1:]
    return q


# Neighbour offsets (dx, dy) by name: section 6's nine, and feature set 4's four more (7.11).
OFFSETS = {"W": (-1, 0), "WW": (-2, 0), "NW": (-1, -1), "N": (0, -1), "NE": (1, -1), "NWW": (-2, -1),
           "NN": (0, -2), "NNW": (-1, -2), "NNE": (1, -2),
           "WWW": (-3, 0), "NNWW": (-2, -2), "NNEE": (2, -2), "NNN": (0, -3)}


def neighbours(p, wide=False):
    """Returns dict of int32 [h,w] arrays: W WW NW N NE NWW NN NNW NNE (and with wide
    WWW NNWW NNEE NNN)."""
    p = np.asarray(p)
    h, w = p.shape
    m = 3 if wide else 2
    q = padded_plane(p, m)
    names = list(OFFSETS)[:13 if wide else 9]
    return {k: q[m + OFFSETS[k][1]:m + OFFSETS[k][1] + h, m + OFFSETS[k][0]:m + OFFSETS[k][0] + w]
            for k in names}


def med(W, N, NW):
    mn = np.minimum(W, N)
    mx = np.maximum(W, N)
    return np.where(NW >= mx, mn, np.where(NW <= mn, mx, W + N - NW))


def plane_residual(p):
    """(P, X-P) for a plane, int32 [h,w]."""
    nb = neighbours(p)
    P = med(nb["W"], nb["N"], nb["NW"])
    return P, np.asarray(p, dtype=np.int32) - P


def video_plane_features(planes, pix_fmt):
    """planes: list of uint8 2-D arrays (1 for gray, 3 otherwise).
    Returns list of (feats int8 [h*w, 14], sym uint8 [h*w]) per plane, raster order."""
    classes = PLANE_CLASS[pix_fmt]
    assert len(planes) == len(classes), (pix_fmt, len(planes))
    out = []
    resid = []
    for pi, p in enumerate(planes):
        p = np.asarray(p, dtype=np.int32)
        h, w = p.shape
        nb = neighbours(p)
        P = med(nb["W"], nb["N"], nb["NW"])
        f = np.empty((h, w, VIDEO_F), dtype=np.int8)
        for i, key in enumerate(["W", "WW", "NW", "N", "NE", "NWW", "NN", "NNW", "NNE"]):
            f[..., i] = _c(nb[key] - P)
        f[..., 9] = _c(P - 128)
        f[..., 10] = classes[pi]
        f[..., 11] = 0
        f[..., 12] = 0
        if pi in (1, 2) and planes[0].shape == p.shape:
            f[..., 11] = _c(resid[0])
        if pi == 2 and planes[1].shape == p.shape:
            f[..., 12] = _c(resid[1])
        W, NW, N, NE, WW, NN = nb["W"], nb["NW"], nb["N"], nb["NE"], nb["WW"], nb["NN"]
        act = (np.abs(W - NW) + np.abs(N - NW) + np.abs(N - NE) + np.abs(W - WW) + np.abs(N - NN)) >> 1
        f[..., 13] = np.minimum(127, act)
        r = p - P
        resid.append(r)
        sym = (r & 255).astype(np.uint8)
        out.append((f.reshape(-1, VIDEO_F), sym.reshape(-1)))
    return out


# ---- inter frames (format.md section 7, feature_sets 3 and 4) ----------------------------
VIDEO_F_INTER = 24
VIDEO_F_WIDE = 32  # feature set 4: set 3 and eight more causal inputs (format.md 7.11)
VIDEO_INPUTS = {1: VIDEO_F, 3: VIDEO_F_INTER, 4: VIDEO_F_WIDE}  # inputs per video feature set
MOTION_BLOCK = 16
MOTION_UNIT = 8  # a split block's quarters (format.md 7.6)
MOTION_RANGE = 16
PLANE_SUBSAMPLING = {"gray": [(0, 0)], "yuv420p": [(0, 0), (1, 1), (1, 1)],
                     "yuv422p": [(0, 0), (1, 0), (1, 0)], "yuv444p": [(0, 0)] * 3, "gbrp": [(0, 0)] * 3}


def _block_sums(a, bh, bw, B=MOTION_BLOCK):
    """Sums of a [h,w] array over BxB blocks (partial blocks at the edges)."""
    h, w = a.shape
    if h != bh * B or w != bw * B:
        z = np.zeros((bh * B, bw * B), dtype=a.dtype)
        z[:h, :w] = a
        a = z
    return a.reshape(bh, B, bw, B).sum(axis=(1, 3), dtype=np.int64)


def _search(cur, ref, B, cx=None, cy=None, r=MOTION_RANGE):
    """motion.cpp Searcher::search for every BxB block without the refinement: whole-sample
    vectors in the window [c - r, c + r] (per block; c = 0 if not given) kept in [-16,16],
    raster order of (dy, dx), cost SAD + 2(|dx|+|dy|), first minimum. Returns vx, vy, cost."""
    h, w = cur.shape
    bh, bw = -(-h // B), -(-w // B)
    R = MOTION_RANGE
    cx = np.zeros((bh, bw), np.int32) if cx is None else cx
    cy = np.zeros((bh, bw), np.int32) if cy is None else cy
    pad = np.pad(np.asarray(ref, dtype=np.int16), R, mode="edge")
    ys, xs = np.arange(h)[:, None] + R, np.arange(w)[None, :] + R
    best = np.full((bh, bw), np.iinfo(np.int64).max, dtype=np.int64)
    mvx = np.zeros((bh, bw), dtype=np.int32)
    mvy = np.zeros((bh, bw), dtype=np.int32)
    for oy in range(-r, r + 1):
        for ox in range(-r, r + 1):
            dy, dx = cy + oy, cx + ox
            ok = (np.abs(dy) <= R) & (np.abs(dx) <= R)
            if not ok.any():
                continue
            if r == R and not (cx.any() or cy.any()):  # the full range: one shift for all blocks
                moved = pad[R + oy:R + oy + h, R + ox:R + ox + w]
            else:
                moved = pad[ys + _block_map(np.clip(dy, -R, R), h, w, 0, 0, B),
                            xs + _block_map(np.clip(dx, -R, R), h, w, 0, 0, B)]
            cost = _block_sums(np.abs(cur - moved), bh, bw, B) + 2 * (np.abs(dx) + np.abs(dy))
            better = ok & (cost < best)
            best = np.where(better, cost, best)
            mvx = np.where(better, dx, mvx)
            mvy = np.where(better, dy, mvy)
    return mvx, mvy, best


def _units(a, uh, uw):
    """A per-16x16-block array on the 8x8 unit grid (uh x uw)."""
    return _block_map(a, uh, uw, 0, 0, MOTION_BLOCK // MOTION_UNIT)


def estimate_motion(cur, ref, subpel=False, split=False, sharp=False):
    """Exactly the C++ estimate_motion. Without split: per 16x16 block, the search of _search
    (then with subpel the quarter-sample refinement of format.md 7.5, reading the reference
    with the Catmull-Rom taps when sharp), intra when sum |MED
    residual| < best cost; returns mvx, mvy (int [bh,bw]: luma samples, quarter samples with
    subpel) and intra (bool [bh,bw]). With split (format.md 7.6) each block's quarters are also
    searched, within QUARTER_WINDOW of the block's whole-sample match, and the block is split
    when 16 * their cost sum < 15 * its cost; intra is decided per coded block; returns mvx,
    mvy, intra per 8x8 unit (the values of the coded block holding it) and split (bool [bh,bw])."""
    cur = np.asarray(cur, dtype=np.int16)
    ref = np.asarray(ref)
    h, w = cur.shape
    ivx, ivy, icost = _search(cur, ref, MOTION_BLOCK)
    vx, vy, cost = (_refine_subpel(cur, ref, 4 * ivx, 4 * ivy, icost, MOTION_BLOCK, sharp) if subpel
                    else (ivx, ivy, icost))
    med_abs = np.abs(plane_residual(cur.astype(np.int32))[1])
    if not split:
        intra = _block_sums(med_abs, *cost.shape) < cost
        return np.where(intra, 0, vx), np.where(intra, 0, vy), intra
    uh, uw = -(-h // MOTION_UNIT), -(-w // MOTION_UNIT)
    qx, qy, qcost = _search(cur, ref, MOTION_UNIT, _units(ivx, uh, uw), _units(ivy, uh, uw), QUARTER_WINDOW)
    if subpel:
        qx, qy, qcost = _refine_subpel(cur, ref, 4 * qx, 4 * qy, qcost, MOTION_UNIT, sharp)
    r = MOTION_BLOCK // MOTION_UNIT
    qsum = _block_sums(qcost, *cost.shape, r)  # the quarters' costs per block
    split_b = qsum * SPLIT_GAIN < cost * (SPLIT_GAIN - 1)
    S = _units(split_b, uh, uw)
    ux, uy = np.where(S, qx, _units(vx, uh, uw)), np.where(S, qy, _units(vy, uh, uw))
    intra = np.where(S, _block_sums(med_abs, uh, uw, MOTION_UNIT) < qcost,
                     _units(_block_sums(med_abs, *cost.shape) < cost, uh, uw))
    return np.where(intra, 0, ux), np.where(intra, 0, uy), intra, split_b


SUBPEL_PENALTY = 16   # cost of a fractional vector (motion.h kSubpelPenalty)
SPLIT_GAIN = 16       # motion.h kSplitGain
QUARTER_WINDOW = 4    # motion.h kQuarterWindow


def _refine_subpel(cur, ref, cx, cy, best, B, sharp=False):
    """The 48 quarter-sample vectors around each BxB block's whole-sample match, raster order of
    (qy, qx), cost SAD of the interpolated block + (|vx| + |vy|) // 2 (+ SUBPEL_PENALTY if
    fractional); first minimum."""
    cur = cur.astype(np.int64)
    h, w = cur.shape
    bx, by = cx.copy(), cy.copy()
    for qy in range(-3, 4):
        for qx in range(-3, 4):
            if qx == 0 and qy == 0:
                continue
            vx, vy = cx + qx, cy + qy
            ok = (np.abs(vx >> 2) <= MOTION_RANGE) & (np.abs(vy >> 2) <= MOTION_RANGE)
            pred = interpolate(ref, 0, 0, _block_map(vx, h, w, 0, 0, B), _block_map(vy, h, w, 0, 0, B), sharp)
            cost = (_block_sums(np.abs(cur - pred), *best.shape, B) + (np.abs(vx) + np.abs(vy)) // 2
                    + np.where((vx | vy) & 3, SUBPEL_PENALTY, 0))
            better = ok & (cost < best)
            best = np.where(better, cost, best)
            bx = np.where(better, vx, bx)
            by = np.where(better, vy, by)
    return bx, by, best


# Catmull-Rom taps in 1/128 per quarter-sample phase (format.md 7.5, stream tool bit 0)
SHARP_TAPS = np.array([[0, 128, 0, 0], [-9, 111, 29, -3], [-8, 72, 72, -8], [-3, 29, 111, -9]], dtype=np.int64)


def interpolate(ref, sx, sy, vx4, vy4, sharp=False):
    """Bilinear read of a plane with subsampling (sx, sy) at per-sample vectors vx4, vy4
    (int [h,w], quarter luma samples), rounded, edges clamped (format.md 7.5). With sharp, a
    plane of full resolution is read with the 4x4 Catmull-Rom taps instead."""
    r = np.asarray(ref, dtype=np.int64)
    h, w = r.shape
    if sharp and sx == 0 and sy == 0:
        tx, ty = SHARP_TAPS[vx4 & 3], SHARP_TAPS[vy4 & 3]  # [h,w,4]
        xs = np.arange(w)[None, :] + (vx4 >> 2)
        ys = np.arange(h)[:, None] + (vy4 >> 2)
        acc = 0
        for j in range(4):
            yj = np.clip(ys - 1 + j, 0, h - 1)
            row = sum(tx[..., i] * r[yj, np.clip(xs - 1 + i, 0, w - 1)] for i in range(4))
            acc = acc + ty[..., j] * row
        return np.clip((acc + 8192) >> 14, 0, 255)
    ex, ey = 2 + sx, 2 + sy
    fx, fy = vx4 & ((1 << ex) - 1), vy4 & ((1 << ey) - 1)
    xs = np.arange(w)[None, :] + (vx4 >> ex)
    ys = np.arange(h)[:, None] + (vy4 >> ey)
    x0, x1 = np.clip(xs, 0, w - 1), np.clip(xs + 1, 0, w - 1)
    y0, y1 = np.clip(ys, 0, h - 1), np.clip(ys + 1, 0, h - 1)
    top = r[y0, x0] * ((1 << ex) - fx) + r[y0, x1] * fx
    bottom = r[y1, x0] * ((1 << ex) - fx) + r[y1, x1] * fx
    return (top * ((1 << ey) - fy) + bottom * fy + (1 << (ex + ey - 1))) >> (ex + ey)


def _block_map(a, h, w, sx, sy, B=MOTION_BLOCK):
    """Per-sample value of a per-block array (BxB luma blocks) for a plane subsampled by (sx, sy)."""
    by = (np.arange(h) << sy) // B
    bx = (np.arange(w) << sx) // B
    return a[by[:, None], bx[None, :]]


def align_plane(ref, sx, sy, mvx, mvy, subpel=False, B=MOTION_BLOCK, sharp=False):
    """The aligned reference (format.md 7, 7.5); mvx, mvy per BxB luma block (B = 8: per unit);
    sharp: the Catmull-Rom read of full-resolution planes (stream tool bit 0)."""
    ref = np.asarray(ref)
    h, w = ref.shape
    if subpel:  # vectors in quarter luma samples
        return interpolate(ref, sx, sy, _block_map(mvx, h, w, sx, sy, B),
                           _block_map(mvy, h, w, sx, sy, B), sharp).astype(ref.dtype)
    vx = _block_map(mvx, h, w, sx, sy, B) >> sx
    vy = _block_map(mvy, h, w, sx, sy, B) >> sy
    ry = np.clip(np.arange(h)[:, None] + vy, 0, h - 1)
    rx = np.clip(np.arange(w)[None, :] + vx, 0, w - 1)
    return ref[ry, rx]


def video_frame_features(planes, pix_fmt, prev=None, motion=None, subpel=False, split=False, sharp=False,
                         wide=False):
    """Feature set 3 for one frame: list per plane of (feats int8 [h*w,24], sym uint8 [h*w]);
    with wide feature set 4 (int8 [h*w,32], format.md 7.11).
    prev: the previous frame's planes (inter frame) or None (keyframe); motion: optional
    estimate_motion result to use instead of estimating it (per 16x16 block, or with a split
    map per 8x8 unit); subpel: quarter-sample vectors (7.5); split: split blocks (7.6); sharp:
    Catmull-Rom reads of full-resolution planes (7.5, liblmc 0.7)."""
    classes = PLANE_CLASS[pix_fmt]
    sub = PLANE_SUBSAMPLING[pix_fmt]
    if prev is not None and motion is None:
        motion = estimate_motion(planes[0], prev[0], subpel, split, sharp)
    B = MOTION_UNIT if motion is not None and len(motion) == 4 else MOTION_BLOCK
    out, resid, nbs = [], [], []
    for pi, p in enumerate(planes):
        p = np.asarray(p, dtype=np.int32)
        h, w = p.shape
        nb = neighbours(p, wide)
        nbs.append(nb)
        W, NW, N, NE, WW, NN = nb["W"], nb["NW"], nb["N"], nb["NE"], nb["WW"], nb["NN"]
        PI = med(W, N, NW)
        F = VIDEO_F_WIDE if wide else VIDEO_F_INTER
        f = np.zeros((h, w, F), dtype=np.int8)
        if prev is None:
            P = PI
        else:
            sx, sy = sub[pi]
            A = align_plane(prev[pi], sx, sy, motion[0], motion[1], subpel, B, sharp).astype(np.int32)
            intra = _block_map(motion[2], h, w, sx, sy, B)
            P = np.where(intra, PI, A)
            f[..., 14] = np.where(intra, -64, 64)
            f[..., 15] = _c(np.where(intra, A, PI) - P)
            na = neighbours(A)
            t = [_c(W - na["W"]), _c(N - na["N"]), _c(NW - na["NW"]), _c(NE - na["NE"])]
            for i in range(4):
                f[..., 16 + i] = t[i]
            Ar = np.concatenate([A[:, 1:], A[:, -1:]], axis=1)
            Ad = np.concatenate([A[1:], A[-1:]], axis=0)
            Adr = np.concatenate([Ad[:, 1:], Ad[:, -1:]], axis=1)
            f[..., 20] = _c(Ar - A)
            f[..., 21] = _c(Ad - A)
            f[..., 22] = _c(Adr - A)
            f[..., 23] = np.minimum(127, sum(np.abs(x) for x in t) >> 1)
        for i, key in enumerate(["W", "WW", "NW", "N", "NE", "NWW", "NN", "NNW", "NNE"]):
            f[..., i] = _c(nb[key] - P)
        f[..., 9] = _c(P - 128)
        f[..., 10] = classes[pi]
        if pi in (1, 2) and planes[0].shape == p.shape:
            f[..., 11] = _c(resid[0])
        if pi == 2 and planes[1].shape == p.shape:
            f[..., 12] = _c(resid[1])
        act = (np.abs(W - NW) + np.abs(N - NW) + np.abs(N - NE) + np.abs(W - WW) + np.abs(N - NN)) >> 1
        f[..., 13] = np.minimum(127, act)
        if wide:
            for i, key in enumerate(["WWW", "NNWW", "NNEE", "NNN"]):
                f[..., 24 + i] = _c(nb[key] - P)
            # the gradients of the planes coded before, at this place (their X - W, X - N)
            for i, q in ((0, 0), (2, 1)):
                if pi > q and pi in (1, 2) and planes[q].shape == p.shape:
                    X = np.asarray(planes[q], dtype=np.int32)
                    f[..., 28 + i] = _c(X - nbs[q]["W"])
                    f[..., 29 + i] = _c(X - nbs[q]["N"])
        r = p - P
        resid.append(r)
        out.append((f.reshape(-1, F), (r & 255).astype(np.uint8).reshape(-1)))
    return out


def med_residual_entropy_bits(planes):
    """Baseline: order-0 empirical entropy of the MED residual byte, per plane (bits/sample
    summed over samples). Optimistic (no table cost)."""
    total = 0.0
    for p in planes:
        _, r = plane_residual(p)
        cnt = np.bincount((r & 255).ravel(), minlength=256).astype(np.float64)
        pr = cnt[cnt > 0] / cnt.sum()
        total += -(cnt[cnt > 0] * np.log2(pr)).sum()
    return total


# ----------------------------------------------------------------------------- audio

def welch_window(n):
    """w[i] = 1 - ((2i - (n-1)) / (n+1))^2, i = 0..n-1 (float64)."""
    i = np.arange(n, dtype=np.float64)
    t = (2.0 * i - (n - 1)) / (n + 1)
    return 1.0 - t * t


def lpc_coefs(x, order=LPC_ORDER, shift=LPC_SHIFT):
    """LPC recipe of LMC v1: Welch-windowed autocorrelation (lags 0..order) of the block,
    Levinson-Durbin in float64, coefficients q = floor(a * 2^s + 0.5) with s the largest
    shift <= `shift` (12) for which every q fits in int16 (strongly predictable blocks
    have |a| > 8: clamping those instead ruins the prediction). Order 0 for an all-zero
    block; the recursion stops early (lower order) if the prediction error becomes <= 0.
    Returns (int16 coefficients (len = order used), s)."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    order = min(order, max(n - 1, 0))
    if n == 0 or not np.any(x) or order == 0:
        return np.zeros(0, dtype=np.int16), shift
    xw = x * welch_window(n)
    r = np.array([np.dot(xw[:n - l], xw[l:]) for l in range(order + 1)])
    if r[0] <= 0:
        return np.zeros(0, dtype=np.int16), shift
    a = np.zeros(order + 1)
    err = r[0]
    used = 0
    for m in range(1, order + 1):
        acc = r[m] - np.dot(a[1:m], r[m - 1:0:-1])
        km = acc / err
        new = a.copy()
        new[m] = km
        new[1:m] = a[1:m] - km * a[m - 1:0:-1]
        nerr = err * (1.0 - km * km)
        if not (nerr > 0) or not np.isfinite(km):
            break
        a = new
        err = nerr
        used = m
    a = a[1:used + 1]
    s = shift
    while s > 0 and np.any(np.abs(np.floor(a * (1 << s) + 0.5)) > 32767):
        s -= 1
    return np.clip(np.floor(a * (1 << s) + 0.5), -32768, 32767).astype(np.int16), s


def lpc_residual(x, coef, shift=LPC_SHIFT):
    """e[i] = x[i] - ((sum_j coef[j-1] x[i-j]) >> shift), x[<0] = 0, int64."""
    x = np.asarray(x, dtype=np.int64)
    n = len(x)
    acc = np.zeros(n, dtype=np.int64)
    for j, cj in enumerate(np.asarray(coef, dtype=np.int64), start=1):
        if j < n:
            acc[j:] += cj * x[:n - j]
    return x - (acc >> shift)


def bitlen(v):
    v = int(v)
    return v.bit_length() if v > 0 else 0


def zigzag(e):
    e = np.asarray(e, dtype=np.int64)
    return np.where(e >= 0, 2 * e, -2 * e - 1)


K_OFFSET = 2  # docs/format.md: k = max(0, bitlen(floor(mean u)) - 2)


def choose_k(u, offset=K_OFFSET):
    """The encoder's choice of k (sent in the packet, so the decoder does not depend on
    the rule; the model is trained with the rule the encoder uses)."""
    n = len(u)
    if n == 0:
        return 0
    return max(0, bitlen(int(u.sum()) // n) - offset)


def audio_block_features(x, coefs=None, k_offset=K_OFFSET):
    """x: int array [n, C] (one block of one packet). Returns dict:
       feats int8 [C*n, 20] (channel-major), v uint8 [C*n], u int64 [C*n],
       k list per channel, kk int [C*n] (k of each sample's channel),
       coefs list per channel of (int16 coefficients, lpc_shift)."""
    x = np.asarray(x, dtype=np.int64)
    if x.ndim == 1:
        x = x[:, None]
    n, C = x.shape
    feats = np.zeros((C, n, AUDIO_F), dtype=np.int8)
    vs, us, ks, kks, cl = [], [], [], [], []
    e0 = None
    pos = 2 * np.minimum(np.arange(n), 32)
    for c in range(C):
        coef, sh = lpc_coefs(x[:, c]) if coefs is None else coefs[c]
        e = lpc_residual(x[:, c], coef, sh)
        u = zigzag(e)
        k = choose_k(u, k_offset)
        kf = max(k - 3, 0)
        es = e >> kf
        for j in range(1, 17):
            col = np.zeros(n, dtype=np.int64)
            if j < n:
                col[j:] = es[:n - j]
            feats[c, :, j - 1] = _c(col)
        feats[c, :, 16] = 4 * k
        if c > 0:
            feats[c, :, 17] = _c(e0 >> kf)
            feats[c, :, 18] = 64
        feats[c, :, 19] = pos
        if c == 0:
            e0 = e
        vs.append(np.minimum(u >> k, 63).astype(np.uint8))
        us.append(u)
        ks.append(k)
        kks.append(np.full(n, k, dtype=np.int64))
        cl.append((np.asarray(coef, dtype=np.int16), sh))
    return {
        "feats": feats.reshape(C * n, AUDIO_F),
        "v": np.concatenate(vs),
        "u": np.concatenate(us),
        "k": ks,
        "kk": np.concatenate(kks),
        "coefs": cl,
    }


def audio_raw_bits(u, k):
    """Bits spent outside the model per sample: the k low bits of u, and for v = 63 the
    escape (bit length b of z = (u>>k)-63 uniform over 33 values, then b-1 raw bits)."""
    u = np.asarray(u, dtype=np.int64)
    k = np.asarray(k, dtype=np.int64)
    q = u >> k
    bits = k.astype(np.float64)
    esc = q >= 63
    if np.any(esc):
        z = q[esc] - 63
        b = np.zeros(len(z), dtype=np.int64)
        zz = z.copy()
        while np.any(zz > 0):
            b += (zz > 0)
            zz >>= 1
        bits[esc] += np.log2(33.0) + np.maximum(b - 1, 0)
    return bits


def audio_side_bits(coefs_per_channel):
    """Header bits of one packet's channel parameters: order, shift, coefs, k."""
    return sum(8 + 8 + 16 * len(c) + 8 for c, _ in coefs_per_channel)


PACKET_OVERHEAD_BITS = 8 * (4 + 1 + 4 + 5)  # crc32, flags, nb_samples, range coder flush


def audio_blocks(x, block=AUDIO_BLOCK):
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[:, None]
    for s in range(0, len(x), block):
        yield x[s:s + block]


def audio_clip_features(x, block=AUDIO_BLOCK, k_offset=K_OFFSET):
    """Features of a whole clip coded in packets of `block` samples."""
    fs, vs, us, kks, side = [], [], [], [], 0
    for b in audio_blocks(x, block):
        d = audio_block_features(b, k_offset=k_offset)
        fs.append(d["feats"]); vs.append(d["v"]); us.append(d["u"]); kks.append(d["kk"])
        side += audio_side_bits(d["coefs"]) + PACKET_OVERHEAD_BITS
    return {"feats": np.concatenate(fs), "v": np.concatenate(vs), "u": np.concatenate(us),
            "kk": np.concatenate(kks), "side_bits": side}


def rice_baseline_bits(x, block=AUDIO_BLOCK):
    """Baseline: the same LPC residual coded with one Rice parameter per block and channel
    (best of 0..30, FLAC-like without partitions), plus the same side info."""
    total = 0
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[:, None]
    for b in audio_blocks(x, block):
        total += PACKET_OVERHEAD_BITS
        for c in range(b.shape[1]):
            coef, sh = lpc_coefs(b[:, c])
            u = zigzag(lpc_residual(b[:, c], coef, sh))
            best = min(int(((u >> r).sum()) + len(u) * (r + 1)) for r in range(0, 31))
            total += best + 8 + 8 + 16 * len(coef) + 8
    return total
