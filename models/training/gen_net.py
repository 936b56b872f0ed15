# SPDX-License-Identifier: LGPL-2.1-or-later
"""lmc_gen's learned intra codec (docs/format.md section 10): the integer network, its
entropy tables, its model file, and the exact integer reference the C++ decoder must
equal. Shared by train_gen.py (training, export) and make_golden.py (test vectors).

The codec, for a yuv420p frame padded to a multiple of 64 (edge samples repeated):
  x   = 6 planes at half resolution, integers in [-128, 127]: the four luma phases
        (space-to-depth, channel 2i + j for row offset i, column offset j), then U, V,
        each sample less 128;
  y4  = g_a(x)                 latents in quarter units, 1/16 of the luma size
  y2  = clamp((y4 + 1) >> 1)   half units, what h_a sees
  z   = h_a(y2)                hyper-latents, integers in [-127, 127], 1/64 of the size
  mu2, idx = h_s(z)            per latent: mean in half units, scale index in [0, 80]
  e   = E[k][c]                the step exponent of latent channel c at the frame's quantiser k
  sym = round((y4 - 2 mu2) / (4 q_e)), coded with table clamp(idx - e, 0, 80)
  y^2 = clamp(mu2 + round(2 q_e sym), -127, 127)
  x^  = g_s(y^2)               6 planes as integers in [-128, 127]; + 128 = the samples
where k in [0, 32] is the frame's quantiser, q_e = 2^(e/8) (as Q256[e] / 256) and E a
learned table of exponents in [0, 64] (gain units, Cui et al. 2021: each rate scales
each latent channel by its own step, so a channel that carries fine detail can be
switched off at low rates instead of the analysis leaving that detail out).

Every network is a list of ops: conv (k x k, zero padding, int8 weights, int32 bias,
per output channel a shift s and a range [lo, hi]: out = clamp(floor((acc + bias) /
2^s), lo, hi)), s2d (2x2 space-to-depth) and d2s (its inverse, channel 4c + 2i + j
to channel c at (2y + i, 2x + j)): integers only, so every machine computes the same
frame. The float model used in training works in the same integer units (the weights
are W / 2^s with W the int8 weights, activations are floored with a straight-through
gradient), so it computes the integer model up to fp32 rounding.
"""
import hashlib
import math
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MAGIC = b"LMCM"
FILE_VERSION = 2
KIND_GEN = 3
FEATURES_GEN_INTRA = 1
FEATURES_GEN_INTER = 2            # the intra section, then the inter-frame section (format.md 10.3)
ROW_LIMIT = 1 << 24
IN_MAX = 128                      # largest |input| of any layer (the pixels, less 128)
NUM_SCALES = 81                   # scale index range [0, 80]
SIGMA_MIN = 0.11                  # sigma_i = SIGMA_MIN * 2^(i/8)
MAX_K = 32                        # quantiser k in [0, 32]
MAX_E = 64                        # step exponents e in [0, 64], q_e = 2^(e/8)
Q256 = [int(round(256 * 2 ** (e / 8))) for e in range(MAX_E + 1)]
TABLE_TOTAL_BITS = 16
ESCAPE_BITS = 8                   # an escaped value v in [-127, 127] is sent as v + 127


def sigma_of(i):
    return SIGMA_MIN * 2 ** (i / 8)


# ---- the networks ---------------------------------------------------------------------

class Conv(nn.Module):
    """A conv in integer units. out_mode: "relu" (floor, [0, 127]), "round" (floor(a +
    1/2), the output range given), used for the networks' last layers."""

    def __init__(self, cin, cout, k, mode="relu", lo=0, hi=127, init_gain=1.0):
        super().__init__()
        self.cin, self.cout, self.k, self.mode = cin, cout, k, mode
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k) * init_gain * math.sqrt(2.0 / (cin * k * k)))
        self.bias = nn.Parameter(torch.zeros(cout))
        lo = torch.as_tensor(lo, dtype=torch.float32).expand(cout).clone()
        hi = torch.as_tensor(hi, dtype=torch.float32).expand(cout).clone()
        self.register_buffer("lo", lo)
        self.register_buffer("hi", hi)

    def shifts(self):
        """Per output channel: the largest s (<= 30, >= 1) with max|w| * 2^s <= 127."""
        m = self.weight.detach().abs().amax(dim=(1, 2, 3)).clamp_min(1e-9)
        return torch.floor(torch.log2(127.0 / m)).clamp(1, 30)

    def quantised(self):
        s = (2.0 ** self.shifts()).view(-1, 1, 1, 1)
        w = self.weight
        wq = w + (torch.clamp(torch.round(w * s), -127, 127) / s - w).detach()
        sb = s.view(-1)
        b = self.bias
        bq = b + (torch.round(b * sb) / sb - b).detach()
        return wq, bq

    def pre(self, x):
        """The layer's value before rounding (float, integer units)."""
        w, b = self.quantised()
        return F.conv2d(x, w, b, padding=self.k // 2)

    def post(self, a):
        if self.mode == "round":
            a = a + 0.5
        a = a + (torch.floor(a) - a).detach()
        return torch.maximum(torch.minimum(a, self.hi.view(1, -1, 1, 1)), self.lo.view(1, -1, 1, 1))

    def forward(self, x):
        return self.post(self.pre(x))

    @torch.no_grad()
    def export(self):
        s = self.shifts().long()
        W = torch.clamp(torch.round(self.weight.double() * (2.0 ** s.double()).view(-1, 1, 1, 1)), -127, 127).long()
        b = torch.round(self.bias.double() * 2.0 ** s.double()).long()
        if self.mode == "round":
            b = b + (1 << (s - 1))
        W, b, s = W.cpu().numpy(), b.cpu().numpy(), s.cpu().numpy()
        row = IN_MAX * np.abs(W).reshape(self.cout, -1).sum(1) + np.abs(b)
        if np.any(row >= ROW_LIMIT):
            raise ValueError(f"conv {self.cin}->{self.cout}: row bound {row.max()} >= 2^24")
        return {"op": "conv", "W": W, "b": b, "s": s,
                "lo": self.lo.long().cpu().numpy(), "hi": self.hi.long().cpu().numpy()}


class S2D(nn.Module):
    def forward(self, x):
        return F.pixel_unshuffle(x, 2)


class D2S(nn.Module):
    def forward(self, x):
        return F.pixel_shuffle(x, 2)


def build(spec, cin, last_lo, last_hi):
    """spec: list of "s2d", "d2s" or [cout, k]; every conv but the last is "relu"."""
    ops, c = [], cin
    convs = [i for i, o in enumerate(spec) if isinstance(o, list)]
    for i, o in enumerate(spec):
        if o == "s2d":
            ops.append(S2D())
            c *= 4
        elif o == "d2s":
            ops.append(D2S())
            c //= 4
        else:
            last = i == convs[-1]
            gain = 0.3 if i == convs[0] else 1.0
            ops.append(Conv(c, o[0], o[1], "round" if last else "relu",
                            last_lo if last else 0, last_hi if last else 127, gain))
            c = o[0]
    return nn.Sequential(*ops), c


class GenIntra(nn.Module):
    """The four networks of one coder: intra (cfg without "inter": 6 planes in, the frame out)
    or inter ("inter": true; format.md 10.3: the frame's 6 planes and its motion-aligned
    prediction's in, a correction in [-255, 255] of the prediction out)."""

    def __init__(self, cfg):
        super().__init__()
        M, Z = cfg["y_channels"], cfg["z_channels"]
        self.M, self.Z = M, Z
        self.inter = bool(cfg.get("inter", False))
        self.g_a, c = build(cfg["g_a"], 12 if self.inter else 6, -(1 << 20), 1 << 20)
        assert c == M
        self.h_a, c = build(cfg["h_a"], M, -127, 127)
        assert c == Z
        lo = torch.cat([torch.full((M,), -127.0), torch.zeros(M)])
        hi = torch.cat([torch.full((M,), 127.0), torch.full((M,), float(NUM_SCALES - 1))])
        self.h_s, c = build(cfg["h_s"], Z, lo, hi)
        assert c == 2 * M
        self.g_s, c = build(cfg["g_s"], M, -255 if self.inter else -128, 255 if self.inter else 127)
        assert c == 6
        self.z_log_scale = nn.Parameter(torch.full((Z,), 0.5))
        # E[k][c], learned as floats (rounded with a straight-through gradient)
        self.step_exp = nn.Parameter(torch.arange(MAX_K + 1, dtype=torch.float32).view(-1, 1).repeat(1, M))

    def exponents(self):
        e = torch.clamp(self.step_exp, 0, MAX_E)
        return e + (torch.round(e) - e).detach()

    def forward(self, x, k):
        """x: [B, 6, H, W] integers (float), H, W multiples of 32; k: [B] quantisers.
        Training form: noisy rate proxies, straight-through rounding for the synthesis.
        Returns (x_hat float [B, 6, H, W], bits [B])."""
        y4 = self.g_a(x)
        y2 = torch.clamp(round_ste(y4 / 2), -127, 127)
        last = self.h_a[-1]
        z_pre = last.pre(self.h_a[:-1](y2))  # the value before rounding
        z_hat = last.post(z_pre)             # floor(a + 1/2), clamped
        z_noisy = torch.clamp(z_pre + torch.empty_like(z_pre).uniform_(-0.5, 0.5), -127, 127)
        bz = F.softplus(self.z_log_scale).view(1, -1, 1, 1) + 0.05
        pz = laplace_mass(z_noisy if self.training else z_hat, bz)
        hs = self.h_s(z_hat)
        mu2, idx = hs[:, :self.M], hs[:, self.M:]
        kk = self.exponents()[k].view(-1, self.M, 1, 1)  # [B, M, 1, 1]
        q = 2.0 ** (kk / 8)
        u = (y4 / 4 - mu2 / 2) / q
        sym = round_ste(u)
        y_hat2 = torch.clamp(mu2 + round_ste(2 * q * sym), -127, 127)
        u_rate = u + torch.empty_like(u).uniform_(-0.5, 0.5) if self.training else sym
        sig = SIGMA_MIN * 2.0 ** (torch.clamp(idx - kk, 0, NUM_SCALES - 1) / 8)
        py = gauss_mass(u_rate, sig)
        x_hat = self.g_s(y_hat2)
        bits = -(torch.log2(py).sum(dim=(1, 2, 3)) + torch.log2(pz).sum(dim=(1, 2, 3)))
        return x_hat, bits

    def export(self, name):
        nets = []
        for net in (self.g_a, self.h_a, self.h_s, self.g_s):
            nets.append([m.export() if isinstance(m, Conv) else {"op": "s2d" if isinstance(m, S2D) else "d2s"}
                         for m in net])
        bz = (F.softplus(self.z_log_scale) + 0.05).detach().double().cpu().numpy()
        E = self.exponents().detach().round().long().cpu().numpy()
        return {"name": name, "M": self.M, "Z": self.Z, "nets": nets, "E": E,
                "y_tables": [gauss_table(sigma_of(i)) for i in range(NUM_SCALES)],
                "z_tables": [laplace_table(b) for b in bz]}


@torch.no_grad()
def load_integer(model, m):
    """Sets a float model's weights to an exported section m (export() or parse()), so that it
    computes that integer model: W / 2^s is exact in float32, and shifts() then finds s or a
    larger shift that represents the same weights (2W / 2^(s + 1) when |W| < 64)."""
    convs = [c for net in (model.g_a, model.h_a, model.h_s, model.g_s) for c in net if isinstance(c, Conv)]
    ops = [op for net in m["nets"] for op in net if op["op"] == "conv"]
    assert len(convs) == len(ops)
    for c, op in zip(convs, ops):
        s = torch.as_tensor(op["s"], dtype=torch.float64)
        b = torch.as_tensor(op["b"], dtype=torch.float64)
        if c.mode == "round":
            b = b - 2.0 ** (s - 1)
        c.weight.copy_((torch.as_tensor(op["W"], dtype=torch.float64) / (2.0 ** s).view(-1, 1, 1, 1)).float())
        c.bias.copy_((b / 2.0 ** s).float())
    model.step_exp.copy_(torch.as_tensor(np.asarray(m["E"]), dtype=torch.float32))
    # the hyper-latent scales: the Laplace scale whose table the file holds (a grid search)
    grid = np.exp(np.linspace(np.log(0.06), np.log(60), 600))
    for i, t in enumerate(m["z_tables"]):
        b = min(grid, key=lambda g: np.abs(np.asarray(laplace_table(g)[:len(t)]) - t[:len(laplace_table(g))]).sum()
                if len(laplace_table(g)) == len(t) else 1e18)
        model.z_log_scale[i] = math.log(math.expm1(max(b - 0.05, 1e-3)))


def round_ste(a):
    return a + (torch.floor(a + 0.5) - a).detach()


def gauss_mass(u, sig):
    n = torch.distributions.Normal(torch.zeros_like(sig), sig)
    return (n.cdf(u + 0.5) - n.cdf(u - 0.5)).clamp_min(1e-9)


def laplace_mass(v, b):
    def cdf(t):
        return 0.5 + 0.5 * torch.sign(t) * (1 - torch.exp(-t.abs() / b))
    return (cdf(v + 0.5) - cdf(v - 0.5)).clamp_min(1e-9)


# ---- entropy tables ---------------------------------------------------------------------

def quantise_table(p):
    """p: masses of symbols -T..T then the escape; frequencies >= 1, total <= 2^16."""
    n = len(p)
    budget = (1 << TABLE_TOTAL_BITS) - n
    return [int(math.floor(v * budget)) + 1 for v in p]


def gauss_table(sig):
    T = int(min(127, math.ceil(sig * 7) + 1))
    cdf = lambda t: 0.5 * (1 + math.erf(t / (sig * math.sqrt(2))))
    p = [cdf(s + 0.5) - cdf(s - 0.5) for s in range(-T, T + 1)]
    p.append(max(0.0, 1 - sum(p)))
    return quantise_table(p)


def laplace_table(b):
    T = int(min(127, math.ceil(b * 10) + 1))
    cdf = lambda t: 0.5 + 0.5 * math.copysign(1, t) * (1 - math.exp(-abs(t) / b))
    p = [cdf(s + 0.5) - cdf(s - 0.5) for s in range(-T, T + 1)]
    p.append(max(0.0, 1 - sum(p)))
    return quantise_table(p)


def table_bits(table, v):
    """Bits the range coder spends on v with this table (-log2 of its share, plus the
    escape's raw bits). v: int64 array."""
    f = np.asarray(table, dtype=np.float64)
    T = (len(f) - 2) // 2
    total = f.sum()
    inside = np.abs(v) <= T
    bits = np.where(inside, -np.log2(f[np.clip(v + T, 0, 2 * T)] / total),
                    -np.log2(f[-1] / total) + ESCAPE_BITS)
    return bits


# ---- the model file ---------------------------------------------------------------------

OPS = {"conv": 1, "s2d": 2, "d2s": 3}


def serialize_net(net):
    """One network's ops (format.md 10.1), as every version-2 model file holds them."""
    out = bytearray(struct.pack("<I", len(net)))
    for op in net:
        out += struct.pack("<I", OPS[op["op"]])
        if op["op"] != "conv":
            continue
        W = op["W"]
        cout, cin, k, _ = W.shape
        out += struct.pack("<III", cin, cout, k)
        out += W.astype(np.int8).tobytes()
        for v in (op["b"], op["s"], op["lo"], op["hi"]):
            out += np.asarray(v, "<i4").tobytes()
    return bytes(out)


class Reader:
    """Reads a model file's fields in order."""

    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v

    def arr(self, dtype, n):
        a = np.frombuffer(self.data, dtype, n, self.pos).astype(np.int64)
        self.pos += np.dtype(dtype).itemsize * n
        return a

    def name(self):
        n = self.data[self.pos:self.pos + 32].rstrip(b"\0").decode()
        self.pos += 32
        return n

    def net(self):
        (nops,) = self.take("<I")
        net = []
        for _ in range(nops):
            (t,) = self.take("<I")
            if t != 1:
                net.append({"op": "s2d" if t == 2 else "d2s"})
                continue
            cin, cout, k = self.take("<III")
            W = self.arr("i1", cout * cin * k * k).reshape(cout, cin, k, k)
            net.append({"op": "conv", "W": W, "b": self.arr("<i4", cout), "s": self.arr("<i4", cout),
                        "lo": self.arr("<i4", cout), "hi": self.arr("<i4", cout)})
        return net


def serialize_section(m):
    """One coder (intra, or the inter section of feature set 2): M, Z, tables, E, networks, tables."""
    out = bytearray(struct.pack("<IIII", m["M"], m["Z"], NUM_SCALES, MAX_K + 1))
    out += np.asarray(m["E"], np.uint8).tobytes()
    for net in m["nets"]:
        out += serialize_net(net)
    for t in m["y_tables"] + m["z_tables"]:
        out += struct.pack("<I", (len(t) - 2) // 2)
        out += np.asarray(t, "<u2").tobytes()
    return bytes(out)


def serialize(m):
    """m: an intra section with its name, and with m["inter"] an inter section (feature set 2)."""
    out = bytearray(MAGIC)
    name = m["name"].encode()
    assert len(name) < 32
    inter = m.get("inter")
    out += struct.pack("<IIII", FILE_VERSION, KIND_GEN, FEATURES_GEN_INTER if inter else FEATURES_GEN_INTRA,
                       len(m["nets"]) * (2 if inter else 1))
    out += name.ljust(32, b"\0")
    out += serialize_section(m)
    if inter:
        out += serialize_section(inter)
    out += hashlib.sha256(bytes(out)).digest()
    return bytes(out)


def parse_section(r, nnets):
    M, Z, L, K = r.take("<IIII")
    E = r.arr("u1", K * M).reshape(K, M)
    nets = [r.net() for _ in range(nnets)]
    tables = []
    for _ in range(L + Z):
        (T,) = r.take("<I")
        tables.append(list(r.arr("<u2", 2 * T + 2)))
    return {"M": M, "Z": Z, "nets": nets, "E": E, "y_tables": tables[:L], "z_tables": tables[L:]}


def parse(data):
    assert data[:4] == MAGIC and hashlib.sha256(data[:-32]).digest() == data[-32:]
    r = Reader(data, 4)
    ver, kind, fs, nnets = r.take("<IIII")
    assert (ver, kind) == (FILE_VERSION, KIND_GEN) and fs in (FEATURES_GEN_INTRA, FEATURES_GEN_INTER)
    name = r.name()
    m = parse_section(r, 4)
    if fs == FEATURES_GEN_INTER:
        m["inter"] = parse_section(r, 4)
    assert r.pos == len(data) - 32
    m.update(name=name, sha256=hashlib.sha256(data[:-32]).hexdigest())
    return m


# ---- the exact integer reference -----------------------------------------------------------

def run_net(net, x):
    """x: int64 tensor [B, C, H, W]. Convolutions in float64 (integer values below 2^53,
    any summation order exact), snapped to integers, then shifted and clamped in int64."""
    for op in net:
        if op["op"] == "s2d":
            x = F.pixel_unshuffle(x, 2)
        elif op["op"] == "d2s":
            x = F.pixel_shuffle(x, 2)
        else:
            dev = x.device
            W = torch.as_tensor(op["W"], dtype=torch.float64, device=dev)
            acc = torch.round(F.conv2d(x.double(), W, padding=W.shape[-1] // 2)).long()
            acc = acc + torch.as_tensor(op["b"], device=dev).view(1, -1, 1, 1)
            s = torch.as_tensor(op["s"], device=dev).view(1, -1, 1, 1)
            x = torch.div(acc, 2 ** s, rounding_mode="floor")
            x = torch.maximum(torch.minimum(x, torch.as_tensor(op["hi"], device=dev).view(1, -1, 1, 1)),
                              torch.as_tensor(op["lo"], device=dev).view(1, -1, 1, 1))
    return x


def encode_frame(m, x, k, pred=None):
    """x: int64 [1, 6, H, W] (H, W multiples of 32). Returns (z, sym, idx_eff, x_hat):
    what is coded and what every decoder rebuilds. With pred (an inter frame, m the inter
    section; format.md 10.3): the prediction in x's layout, which g_a sees after x and
    whose correction g_s returns."""
    g_a, h_a, h_s, g_s = m["nets"]
    y4 = run_net(g_a, x if pred is None else torch.cat([x, pred], 1))
    y2 = torch.clamp(torch.div(y4 + 1, 2, rounding_mode="floor"), -127, 127)
    z = run_net(h_a, y2)
    sym, idx_eff, x_hat = decode_latents(m, z, y4, k)
    if pred is not None:
        x_hat = torch.clamp(pred + x_hat, -128, 127)
    return z, sym, idx_eff, x_hat


def decode_latents(m, z, y4_or_sym, k, given_sym=False):
    g_a, h_a, h_s, g_s = m["nets"]
    M = m["M"]
    hs = run_net(h_s, z)
    mu2, idx = hs[:, :M], hs[:, M:]
    e = torch.as_tensor(m["E"][k], device=mu2.device).view(1, M, 1, 1)
    q = torch.as_tensor(Q256, device=mu2.device)[e]
    if given_sym:
        sym = y4_or_sym
    else:  # round((y4 - 2 mu2) / (4 q)) = floor(((y4 - 2 mu2) 128 + q256) / (2 q256))
        sym = torch.div((y4_or_sym - 2 * mu2) * 128 + q, 2 * q, rounding_mode="floor").clamp(-127, 127)
    y_hat2 = torch.clamp(mu2 + torch.div(2 * sym * q + 128, 256, rounding_mode="floor"), -127, 127)
    x_hat = run_net(g_s, y_hat2)
    return sym, torch.clamp(idx - e, 0, NUM_SCALES - 1), x_hat


def frame_bits(m, z, sym, idx_eff):
    """Bits of a frame's latents through the range coder (tables and escapes)."""
    bits = 0.0
    zc = z.cpu().numpy()[0]
    for c in range(m["Z"]):
        bits += table_bits(m["z_tables"][c], zc[c].ravel()).sum()
    s, ie = sym.cpu().numpy().ravel(), idx_eff.cpu().numpy().ravel()
    for i in np.unique(ie):
        bits += table_bits(m["y_tables"][i], s[ie == i]).sum()
    return float(bits)


# ---- inter frames: block motion (format.md 10.3, section 7 without split and fractions) ----

MOTION_BLOCK = 16
MOTION_RANGE = 16


def motion_search(cur, ref):
    """cur: luma [B, h, w]; ref: the reference luma around it, [B, h + 32, w + 32] (a margin of
    MOTION_RANGE; for a whole frame its edges repeated, which is how liblmc reads outside it).
    Per 16x16 block (cut to the frame at its right and bottom edges) the vector (vy, vx) in
    [-16, 16]^2 of least SAD + 2 (|vx| + |vy|), the first in raster order of (vy, vx) on a tie:
    liblmc's estimate_motion without split, fractions or intra blocks. Returns int64 (vy, vx),
    each [B, bh, bw]."""
    B, h, w = cur.shape
    R, N = MOTION_RANGE, MOTION_BLOCK
    bh, bw = -(-h // N), -(-w // N)
    H, W = bh * N, bw * N
    cur = F.pad(cur.float(), (0, W - w, 0, H - h))
    ref = F.pad(ref.float(), (0, W - w, 0, H - h))
    mask = F.pad(torch.ones(h, w, device=cur.device), (0, W - w, 0, H - h))
    costs = []
    for vy in range(-R, R + 1):
        rows = ref[:, R + vy:R + vy + H]
        shifted = torch.stack([rows[:, :, R + vx:R + vx + W] for vx in range(-R, R + 1)], 1)
        sad = ((cur.unsqueeze(1) - shifted).abs() * mask).view(B, 2 * R + 1, bh, N, bw, N).sum((3, 5))
        pen = 2 * (abs(vy) + torch.arange(-R, R + 1, device=cur.device).abs().float()).view(1, -1, 1, 1)
        costs.append(sad + pen)  # integers below 2^24: exact in float32
    best = torch.stack(costs, 1).flatten(1, 2).argmin(1)  # the first minimum
    return torch.div(best, 2 * R + 1, rounding_mode="floor") - R, best % (2 * R + 1) - R


def align(ref, margin, vy, vx, sub, h, w):
    """The motion-aligned plane: out[y][x] = ref[margin + y + (vy >> sub)][margin + x + (vx >> sub)]
    with the vector of the block holding luma sample (x << sub, y << sub). ref: [B, h + 2 margin,
    w + 2 margin] (sub = 1 for 4:2:0 chroma)."""
    n = MOTION_BLOCK >> sub
    vy = torch.div(vy, 1 << sub, rounding_mode="floor").repeat_interleave(n, 1).repeat_interleave(n, 2)[:, :h, :w]
    vx = torch.div(vx, 1 << sub, rounding_mode="floor").repeat_interleave(n, 1).repeat_interleave(n, 2)[:, :h, :w]
    B, stride = ref.shape[0], ref.shape[2]
    yy = torch.arange(h, device=ref.device).view(1, -1, 1) + vy + margin
    xx = torch.arange(w, device=ref.device).view(1, 1, -1) + vx + margin
    return ref.flatten(1).gather(1, (yy * stride + xx).flatten(1)).view(B, h, w)


def predict_frame(cur, ref):
    """A whole frame's prediction as liblmc builds it: cur and ref are (y, u, v) uint8 planes of
    the same size (ref: the previous decoded frame). Returns ((vy, vx) [bh, bw], (y, u, v) uint8)."""
    def padded(p, m):
        return torch.from_numpy(np.pad(p, m, mode="edge")).long().unsqueeze(0)
    h, w = cur[0].shape
    vy, vx = motion_search(torch.from_numpy(cur[0].astype(np.int64)).unsqueeze(0), padded(ref[0], MOTION_RANGE))
    y = align(padded(ref[0], MOTION_RANGE), MOTION_RANGE, vy, vx, 0, h, w)
    ch, cw = ref[1].shape
    u, v = (align(padded(p, MOTION_RANGE // 2), MOTION_RANGE // 2, vy, vx, 1, ch, cw) for p in ref[1:])
    return (vy[0], vx[0]), tuple(p[0].numpy().astype(np.uint8) for p in (y, u, v))


# ---- frames -------------------------------------------------------------------------------

def pack_yuv420(y, u, v):
    """uint8 planes (h, w even) -> int64 [1, 6, h/2, w/2] less 128."""
    t = torch.from_numpy(np.ascontiguousarray(y)).long().view(1, 1, *y.shape)
    lum = F.pixel_unshuffle(t, 2)
    ch = torch.stack([torch.from_numpy(np.ascontiguousarray(u)).long(),
                      torch.from_numpy(np.ascontiguousarray(v)).long()]).unsqueeze(0)
    return torch.cat([lum, ch], 1) - 128


def unpack_yuv420(x):
    """int64 [1, 6, h, w] in [-128, 127] -> uint8 planes y (2h x 2w), u, v."""
    x = (x + 128).clamp(0, 255)
    y = F.pixel_shuffle(x[:, :4], 2)[0, 0]
    return y.cpu().numpy().astype(np.uint8), x[0, 4].cpu().numpy().astype(np.uint8), x[0, 5].cpu().numpy().astype(np.uint8)


def pad_to(a, H, W):
    return np.pad(a, ((0, H - a.shape[0]), (0, W - a.shape[1])), mode="edge")


def y4m_frames(path, n):
    """The first n frames of a 4:2:0 .y4m as (y, u, v) uint8 planes."""
    data = open(path, "rb").read()
    head = data[:data.index(b"\n")].split()
    w = int([t for t in head if t.startswith(b"W")][0][1:])
    h = int([t for t in head if t.startswith(b"H")][0][1:])
    pos, out = 0, []
    for _ in range(n):
        pos = data.index(b"FRAME", pos) + 6
        y = np.frombuffer(data, np.uint8, w * h, pos).reshape(h, w)
        u = np.frombuffer(data, np.uint8, w * h // 4, pos + w * h).reshape(h // 2, w // 2)
        v = np.frombuffer(data, np.uint8, w * h // 4, pos + w * h * 5 // 4).reshape(h // 2, w // 2)
        out.append((y, u, v))
        pos += w * h * 3 // 2
    return out


def frame_sha256(x, w, h):
    """SHA-256 of the frame x (int64 [1, 6, ...], less 128) cropped to w x h: its Y, U and V planes
    one after the other, what the tests compare decoders' output with."""
    y, u, v = unpack_yuv420(x)
    cw, ch = (w + 1) // 2, (h + 1) // 2
    return hashlib.sha256(y[:h, :w].tobytes() + u[:ch, :cw].tobytes() + v[:ch, :cw].tobytes()).hexdigest()


def corpus_items(corpus, split, formats, max_frames=None):
    """[(name, [(y, u, v) per frame])]: the split's video items of the given pix_fmts
    (models/training/corpus.py), their first max_frames frames (all: None), cut to even
    sizes; gray items get neutral chroma."""
    import json
    from pathlib import Path
    index = json.loads(Path(corpus, split, "index.json").read_text())
    out = []
    for e in index["video"]:
        z = np.load(Path(corpus, split, "video", e["name"] + ".npz"))
        fmt = str(z["pix_fmt"])
        if fmt not in formats:
            continue
        frames = []
        for t in range(min(len(z["p0"]), max_frames or len(z["p0"]))):
            y = z["p0"][t]
            h, w = y.shape[0] // 2 * 2, y.shape[1] // 2 * 2
            y = y[:h, :w]
            if fmt == "gray":
                u = v = np.full((h // 2, w // 2), 128, np.uint8)
            else:
                u, v = z["p1"][t][:h // 2, :w // 2], z["p2"][t][:h // 2, :w // 2]
            frames.append((y, u, v))
        out.append((e["name"], frames))
    return out


def train_loop(model, cfg, lambdas, batch, logdir, name):
    """The training loop of train_gen.py and train_gen_inter.py, for cfg["seconds"]: Adam at
    cfg["lr"] (the step exponents at step_exp_lr times it), the last lr_tail of the time at a
    tenth; loss lambda_k * MSE (8-bit units, all samples of Y, U and V, as FFmpeg's PSNR-YUV
    counts them) + bits per luma pixel, lambda_k log-spaced from lambdas[0] (k = 0) to
    lambdas[1] (k = 32). batch(): one batch's (x_hat, x, bits, k), x_hat and x the 6 half
    planes, the first two items at k = 0 and k = 32 (the curve tracks both). Writes
    NAME_train.csv to logdir; returns the number of steps."""
    import csv
    import time
    rest = [p for n, p in model.named_parameters() if n != "step_exp"]
    optim = torch.optim.Adam([{"params": rest, "lr": cfg["lr"]},
                              {"params": [model.step_exp], "lr": cfg["lr"] * cfg["step_exp_lr"]}])
    curve = open(logdir / f"{name}_train.csv", "w", newline="")
    log = csv.writer(curve)
    log.writerow(["step", "seconds", "loss", "bpp_k0", "psnr_k0", "bpp_k32", "psnr_k32"])
    t0, step, acc = time.time(), 0, []
    while time.time() - t0 < cfg["seconds"]:
        if time.time() - t0 > cfg["seconds"] * (1 - cfg["lr_tail"]):
            for g, scale in zip(optim.param_groups, (1, cfg["step_exp_lr"])):
                g["lr"] = cfg["lr"] * scale * 0.1
        x_hat, x, bits, k = batch()
        lam = lambdas[0] * (lambdas[1] / lambdas[0]) ** (k.float() / MAX_K)
        # mean over the 6 half-size planes = mean over all Y, U, V samples (4 + 1 + 1)
        mse = ((torch.clamp(x_hat, -128, 127) - x) ** 2).mean(dim=(1, 2, 3))
        bpp = bits / (4 * x.shape[2] * x.shape[3])
        loss = (lam * mse + bpp).mean()
        optim.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optim.step()
        acc.append([float(v) for v in (loss, bpp[0], mse[0], bpp[1], mse[1])])
        if step % 100 == 0:
            a = np.mean(acc, 0)
            acc = []
            row = [step, round(time.time() - t0, 1), a[0], a[1], 10 * math.log10(255 ** 2 / a[2]),
                   a[3], 10 * math.log10(255 ** 2 / a[4])]
            log.writerow([f"{v:.4f}" if isinstance(v, float) else v for v in row])
            curve.flush()
            if step % 1000 == 0:
                print(f"step {step} {row[1]:.0f} s: loss {a[0]:.3f}  k=0: {a[1]:.3f} bpp {row[4]:.2f} dB"
                      f"  k=32: {a[3]:.3f} bpp {row[6]:.2f} dB", flush=True)
        step += 1
    curve.close()
    return step


def training_command_line(doc, data_option, data_default):
    """The command line of the conv-model trainers (train_gen.py, train_restore.py): --config, the
    data (data_option), --logdir, --set key=json (config overrides), --ckpt, --resume, --init.
    Returns (options, config, the model's name: the config file's stem)."""
    import argparse
    import json
    from pathlib import Path
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument(data_option, dest="data", default=data_default)
    ap.add_argument("--logdir", default="models/training/logs")
    ap.add_argument("--set", nargs="*", default=[])
    ap.add_argument("--ckpt", help="float weights written at the end; --resume starts from them")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init", help="start from these float weights (another run's --ckpt)")
    opt = ap.parse_args()
    cfg = json.loads(Path(opt.config).read_text())
    for kv in opt.set:
        k, v = kv.split("=", 1)
        cfg[k] = json.loads(v)
    return opt, cfg, Path(opt.config).stem

