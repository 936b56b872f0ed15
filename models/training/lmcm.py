# SPDX-License-Identifier: LGPL-2.1-or-later
"""The LMC model file (.lmcm, docs/format.md section 3) and the integer reference
forward (sections 1 and 2) in numpy.

    m = read_lmcm(path)                 # dict: kind, feature_set, name, layers, sha256
    write_lmcm(path, m)                 # writes header + layers + SHA-256 trailer
    logits = int_forward(m, x)          # x int [B, F] in [-127,127] -> int64 [B, N]
    g = freq_table(logits)              # int64 [B, N], every g >= 1, sum <= 2^16
    bits = symbol_bits(m, x, sym)       # -log2(g[s] / sum g), float64 [B]
"""
import hashlib
import struct

import numpy as np

MAGIC = b"LMCM"
VERSION = 1
ROW_LIMIT = 1 << 24

FRAC = np.array([65536, 62757, 60097, 57549, 55109, 52773, 50535, 48393,
                 46341, 44376, 42495, 40693, 38968, 37316, 35734, 34219], dtype=np.int64)
LUT = np.array([max(1, int(FRAC[k & 15]) >> ((k >> 4) + 1)) for k in range(256)], dtype=np.int64)


def check_layer(W, b):
    W = np.asarray(W, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if W.min(initial=0) < -127 or W.max(initial=0) > 127:
        raise ValueError("weights outside [-127, 127]")
    row = 127 * np.abs(W).sum(axis=1) + np.abs(b)
    if np.any(row >= ROW_LIMIT):
        raise ValueError("row bound 127*sum|W|+|b| >= 2^24 (max %d)" % row.max())
    return int(row.max())


def serialize(m):
    layers = m["layers"]
    out = bytearray()
    out += MAGIC
    name = m["name"].encode()
    assert len(name) < 32
    out += struct.pack("<IIIIII", VERSION, m["kind"], m["feature_set"], m["num_inputs"],
                       m["num_outputs"], len(layers))
    out += name.ljust(32, b"\0")
    prev = m["num_inputs"]
    for i, L in enumerate(layers):
        W = np.asarray(L["W"], dtype=np.int64)
        b = np.asarray(L["b"], dtype=np.int64)
        o, n_in = W.shape
        assert n_in == prev, "layer %d: in %d != previous out %d" % (i, n_in, prev)
        act = 0 if i == len(layers) - 1 else 1
        assert 0 <= L["shift"] <= 31
        check_layer(W, b)
        out += struct.pack("<IIII", n_in, o, L["shift"], act)
        out += W.astype(np.int8).tobytes()
        out += b.astype("<i4").tobytes()
        prev = o
    assert prev == m["num_outputs"]
    out += hashlib.sha256(bytes(out)).digest()
    return bytes(out)


def write_lmcm(path, m):
    data = serialize(m)
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data[:-32]).hexdigest()


def parse(data):
    if len(data) < 4 + 24 + 32 + 32 or data[:4] != MAGIC:
        raise ValueError("not an LMCM file")
    body, trailer = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != trailer:
        raise ValueError("SHA-256 trailer mismatch")
    version, kind, fs, F, N, L = struct.unpack_from("<IIIIII", data, 4)
    if version != VERSION:
        raise ValueError("unsupported version %d" % version)
    name = data[28:60].split(b"\0")[0].decode()
    off = 60
    layers = []
    prev = F
    for i in range(L):
        n_in, o, shift, act = struct.unpack_from("<IIII", data, off)
        off += 16
        if n_in != prev or shift > 31 or act != (0 if i == L - 1 else 1):
            raise ValueError("bad layer %d header" % i)
        W = np.frombuffer(data, dtype=np.int8, count=o * n_in, offset=off).reshape(o, n_in).astype(np.int64)
        off += o * n_in
        b = np.frombuffer(data, dtype="<i4", count=o, offset=off).astype(np.int64)
        off += 4 * o
        check_layer(W, b)
        layers.append({"W": W, "b": b, "shift": shift})
        prev = o
    if off != len(body) or prev != N:
        raise ValueError("size mismatch")
    return {"kind": kind, "feature_set": fs, "num_inputs": F, "num_outputs": N, "name": name,
            "layers": layers, "sha256": trailer.hex()}


def read_lmcm(path):
    with open(path, "rb") as f:
        return parse(f.read())


def adapted_biases(m, offsets):
    """Per-layer biases with a packet's bias offsets (format.md 7.4): o in activation
    units, one per hidden unit in layer order; the row bound must still hold."""
    out, k = [], 0
    for layer in m["layers"][:-1]:
        n = len(layer["b"])
        b = np.asarray(layer["b"], dtype=np.int64) + np.asarray(offsets[k:k + n], dtype=np.int64) * (1 << layer["shift"])
        k += n
        if (127 * np.abs(layer["W"]).astype(np.int64).sum(axis=1) + np.abs(b)).max() >= ROW_LIMIT:
            raise ValueError("adapted bias breaks the row bound")
        out.append(b)
    assert k == len(offsets), "one offset per hidden unit"
    return out + [m["layers"][-1]["b"]]


def int_forward(m, x, exact_int=False, bias_offsets=None):
    """Integer forward (format.md 1). x: int array [B, F] in [-127,127].
    With exact_int the products are int64 numpy; otherwise float64 GEMM, which is exact
    here (every partial sum < 2^24 by the row bound) and much faster. Both give identical
    results; tests compare them. bias_offsets: a packet's offsets (format.md 7.4)."""
    h = np.asarray(x, dtype=np.int64)
    assert h.min(initial=0) >= -127 and h.max(initial=0) <= 127
    L = m["layers"]
    biases = adapted_biases(m, bias_offsets) if bias_offsets is not None else [l["b"] for l in L]
    for i, layer in enumerate(L):
        if exact_int:
            acc = h @ layer["W"].T + biases[i]
        else:
            acc = (h.astype(np.float64) @ layer["W"].T.astype(np.float64)).astype(np.int64) + biases[i]
        q = acc >> layer["shift"]  # arithmetic shift == floor(acc / 2^shift)
        if i < len(L) - 1:
            h = np.clip(q, 0, 127)
        else:
            h = np.clip(q, -32767, 32767)
    return h


def freq_table(logits):
    """format.md 2: integer logits [B, N] -> g [B, N] (int64), every g >= 1."""
    l = np.asarray(logits, dtype=np.int64)
    N = l.shape[-1]
    m = l.max(axis=-1, keepdims=True)
    k = np.minimum(m - l, 255)
    f = LUT[k]
    S = f.sum(axis=-1, keepdims=True)
    inv = ((1 << 16) - N << 32) // S  # fits in int64: < 2^48
    return 1 + ((f * inv) >> 32)


def symbol_bits(m, x, sym, chunk=262144):
    """Exact ideal code length -log2(g[s]/sum g) per sample, float64 [B]."""
    sym = np.asarray(sym, dtype=np.int64)
    out = np.empty(len(sym), dtype=np.float64)
    for s in range(0, len(sym), chunk):
        g = freq_table(int_forward(m, x[s:s + chunk]))
        gs = np.take_along_axis(g, sym[s:s + chunk, None], axis=1)[:, 0]
        out[s:s + chunk] = np.log2(g.sum(axis=1)) - np.log2(gs)
    return out


def g_sha256(g_row):
    return hashlib.sha256(np.asarray(g_row, dtype="<i4").tobytes()).hexdigest()
