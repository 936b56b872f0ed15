# SPDX-License-Identifier: LGPL-2.1-or-later
"""The lmc_restore filter's network (docs/format.md section 11): its float training
form, its model file and the exact integer reference the C++ filter must equal.
Shared by train_restore.py and restore_golden.py.

For a yuv420p frame (padded to even sizes, edges repeated):
  x    = the frame as 6 half-resolution planes less 128 (gen_net.pack_yuv420)
  p    = the filter's previous output in the same form (x itself at the first frame)
  r    = net([x, p])           12 planes in, 6 out: a correction in [-128, 127]
  out  = clamp(x + r, -128, 127), the output frame (+ 128), and the next frame's p
The network is a list of ops of gen_net's integer kind (int8 weights, per-channel
shifts, floored and clamped activations), so every machine computes the same frame;
the recurrence through p is why it must be exact: a rounding difference would be
fed back frame after frame.
"""
import hashlib
import struct

import torch
import torch.nn as nn

import gen_net

KIND_RESTORE = 4
FEATURES_RESTORE = 1
INPUTS, OUTPUTS = 12, 6


class Restore(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.net, c = gen_net.build(cfg["net"], INPUTS, -128, 127)
        assert c == OUTPUTS
        last = self.net[-1]
        with torch.no_grad():  # start near the identity: a small correction
            last.weight.mul_(0.05)

    def forward(self, x, prev):
        """x, prev: [B, 6, H, W] integers (float). Returns the output frame, float (straight-through
        rounding inside, so it equals the integer filter's up to fp32 rounding)."""
        r = self.net(torch.cat([x, prev], 1))
        return torch.clamp(x + r, -128, 127)

    def export(self, name):
        net = [m.export() if isinstance(m, gen_net.Conv) else {"op": "s2d" if isinstance(m, gen_net.S2D) else "d2s"}
               for m in self.net]
        return {"name": name, "net": net}


def serialize(m):
    name = m["name"].encode()
    assert len(name) < 32
    out = bytearray(gen_net.MAGIC)
    out += struct.pack("<IIII", gen_net.FILE_VERSION, KIND_RESTORE, FEATURES_RESTORE, 1)
    out += name.ljust(32, b"\0")
    out += gen_net.serialize_net(m["net"])
    out += hashlib.sha256(bytes(out)).digest()
    return bytes(out)


def parse(data):
    assert data[:4] == gen_net.MAGIC and hashlib.sha256(data[:-32]).digest() == data[-32:]
    r = gen_net.Reader(data, 4)
    assert r.take("<IIII") == (gen_net.FILE_VERSION, KIND_RESTORE, FEATURES_RESTORE, 1)
    m = {"name": r.name(), "net": r.net(), "sha256": hashlib.sha256(data[:-32]).hexdigest()}
    assert r.pos == len(data) - 32
    return m


def restore_frame(m, x, prev):
    """The exact filter: x, prev int64 [1, 6, h, w]; returns the output, int64."""
    r = gen_net.run_net(m["net"], torch.cat([x, prev], 1))
    return torch.clamp(x + r, -128, 127)
