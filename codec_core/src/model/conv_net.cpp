#include "conv_net.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "byte_io.h"
#include "errors.h"

namespace lmc {

int gen_step_q256(int e)
{
    static const int q256[GenCoderModel::kMaxExponent + 1] = {
        256,   279,   304,   332,   362,   395,   431,   470,   512,   558,   609,   664,   724,
        790,   861,   939,   1024,  1117,  1218,  1328,  1448,  1579,  1722,  1878,  2048,  2233,
        2435,  2656,  2896,  3158,  3444,  3756,  4096,  4467,  4871,  5312,  5793,  6317,  6889,
        7512,  8192,  8933,  9742,  10624, 11585, 12634, 13777, 15024, 16384, 17867, 19484, 21247,
        23170, 25268, 27554, 30048, 32768, 35734, 38968, 42495, 46341, 50535, 55109, 60097, 65536};
    return q256[e];
}

namespace {

[[noreturn]] void invalid(const std::string &path, const std::string &why)
{
    fail(LMC_ERR_MODEL_INVALID, "model file " + path + ": " + why);
}

// Every input of every layer is within [-128, 128], so a row whose
// 128 * sum |W| + |bias| stays below 2^24 has all its partial sums below
// 2^24: float32 GEMMs compute them exactly, in any order (format.md 10.1).
constexpr int64_t kRowLimit = 1 << 24;
constexpr int kInputMax = 128;
constexpr int kMaxChannels = 4096;

ConvNet parse_net(ByteReader &r, const std::string &path, const char *name, int in)
{
    ConvNet net;
    net.in = in;
    uint32_t count = r.u32();
    if (count < 1 || count > 64)
        invalid(path, std::string(name) + ": implausible op count");
    int c = in;
    for (uint32_t i = 0; i < count; i++) {
        ConvOp op;
        uint32_t type = r.u32();
        const std::string where = std::string(name) + " op " + std::to_string(i);
        if (type == ConvOp::kSpaceToDepth || type == ConvOp::kDepthToSpace) {
            op.type = (ConvOp::Type)type;
            op.in = c;
            if (type == ConvOp::kSpaceToDepth) {
                c *= 4;
                net.scale_log2++;
            } else {
                if (c % 4)
                    invalid(path, where + ": depth-to-space of " + std::to_string(c) + " channels");
                c /= 4;
                net.scale_log2--;
            }
            if (c > kMaxChannels)
                invalid(path, where + ": too many channels");
            op.out = c;
            net.ops.push_back(std::move(op));
            continue;
        }
        if (type != ConvOp::kConv)
            invalid(path, where + ": unknown op type " + std::to_string(type));
        op.in = (int)r.u32();
        op.out = (int)r.u32();
        op.k = (int)r.u32();
        if (op.in != c || op.out < 1 || op.out > kMaxChannels || (op.k != 1 && op.k != 3 && op.k != 5))
            invalid(path, where + ": inconsistent convolution shape");
        const size_t row = (size_t)op.in * op.k * op.k;
        const int8_t *w = (const int8_t *)r.bytes(row * op.out);
        op.weight.assign(w, w + row * op.out);
        for (auto *v : {&op.bias, &op.shift, &op.lo, &op.hi}) {
            v->resize(op.out);
            for (int n = 0; n < op.out; n++)
                (*v)[n] = (int32_t)r.u32();
        }
        for (int n = 0; n < op.out; n++) {
            if (op.shift[n] < 1 || op.shift[n] > 30 || op.lo[n] > op.hi[n] || op.lo[n] < -(1 << 20) ||
                op.hi[n] > (1 << 20))
                invalid(path, where + ": bad shift or output range");
            int64_t bound = std::llabs((int64_t)op.bias[n]);
            for (size_t j = 0; j < row; j++) {
                int8_t v = op.weight[n * row + j];
                if (v == -128)
                    invalid(path, where + ": weight -128 is outside [-127, 127]");
                bound += (int64_t)kInputMax * std::abs((int)v);
            }
            if (bound >= kRowLimit)
                invalid(path, where + ": exceeds the 2^24 exactness bound");
        }
        c = op.out;
        net.ops.push_back(std::move(op));
    }
    net.out = c;
    return net;
}

// What feeds another layer must itself be a layer input: within [-128, 128].
void check_ranges(const ConvNet &net, const std::string &path, const char *name, bool last_free)
{
    for (size_t i = 0; i < net.ops.size(); i++) {
        const ConvOp &op = net.ops[i];
        if (op.type != ConvOp::kConv || (last_free && i + 1 == net.ops.size()))
            continue;
        for (int n = 0; n < op.out; n++)
            if (op.lo[n] < -kInputMax || op.hi[n] > kInputMax)
                invalid(path, std::string(name) + ": an output range beyond [-128, 128]");
    }
}

LatentTable parse_table(ByteReader &r, const std::string &path)
{
    LatentTable t;
    t.T = (int)r.u32();
    if (t.T < 0 || t.T > 127)
        invalid(path, "latent table support out of range");
    t.freq.resize(2 * t.T + 2);
    for (auto &f : t.freq) {
        f = r.u16();
        if (f == 0)
            invalid(path, "latent table with a zero frequency");
        t.total += f;
    }
    if (t.total > (1u << 16))
        invalid(path, "latent table total above 2^16");
    return t;
}

} // namespace

GenCoderModel parse_gen_coder(ByteReader &r, const std::string &path, bool inter)
{
    GenCoderModel m;
    m.y_channels = (int)r.u32();
    m.z_channels = (int)r.u32();
    const uint32_t scales = r.u32(), levels = r.u32();
    if (m.y_channels < 1 || m.y_channels > 1024 || m.z_channels < 1 || m.z_channels > 1024 ||
        scales != GenCoderModel::kScales || levels != GenCoderModel::kMaxQuantiser + 1)
        invalid(path, "implausible latent shape");
    const int M = m.y_channels, Z = m.z_channels;
    const uint8_t *e = r.bytes(levels * M);
    m.exponents.assign(e, e + levels * M);
    for (uint8_t v : m.exponents)
        if (v > GenCoderModel::kMaxExponent)
            invalid(path, "a step exponent above 64");
    m.g_a = parse_net(r, path, "analysis", inter ? 12 : 6);
    m.h_a = parse_net(r, path, "hyper-analysis", M);
    m.h_s = parse_net(r, path, "hyper-synthesis", Z);
    m.g_s = parse_net(r, path, "synthesis", M);
    if (m.g_a.out != M || m.g_a.scale_log2 != 3 || m.h_a.out != Z || m.h_a.scale_log2 != 2 ||
        m.h_s.out != 2 * M || m.h_s.scale_log2 != -2 || m.g_s.out != 6 || m.g_s.scale_log2 != -3)
        invalid(path, "networks do not fit together (channels or scales)");
    check_ranges(m.g_a, path, "analysis", true);
    check_ranges(m.h_a, path, "hyper-analysis", false);
    check_ranges(m.h_s, path, "hyper-synthesis", false);
    check_ranges(m.g_s, path, "synthesis", inter);
    // The outputs the format reads: z and the means within [-127, 127], scale
    // indices within [0, 80], samples within [-128, 127] (an inter coder's
    // corrections within [-255, 255]).
    const ConvOp &z = m.h_a.ops.back(), &hs = m.h_s.ops.back(), &xs = m.g_s.ops.back();
    bool ok = z.type == ConvOp::kConv && hs.type == ConvOp::kConv && xs.type == ConvOp::kConv;
    for (int n = 0; ok && n < Z; n++)
        ok = z.lo[n] >= -127 && z.hi[n] <= 127;
    for (int n = 0; ok && n < 2 * M; n++)
        ok = n < M ? hs.lo[n] >= -127 && hs.hi[n] <= 127 : hs.lo[n] >= 0 && hs.hi[n] < GenCoderModel::kScales;
    for (int n = 0; ok && n < 6; n++)
        ok = inter ? xs.lo[n] >= -255 && xs.hi[n] <= 255 : xs.lo[n] >= -128 && xs.hi[n] <= 127;
    if (!ok)
        invalid(path, "a network's last layer has an output range the format does not take");
    for (int i = 0; i < GenCoderModel::kScales; i++)
        m.y_tables.push_back(parse_table(r, path));
    for (int i = 0; i < Z; i++)
        m.z_tables.push_back(parse_table(r, path));
    return m;
}

RestoreModel parse_restore_model(ByteReader &r, const std::string &path)
{
    RestoreModel m;
    m.net = parse_net(r, path, "restoration", RestoreModel::kInputs);
    if (m.net.out != RestoreModel::kOutputs || m.net.scale_log2 != 0)
        invalid(path, "the restoration network must give 6 planes at its input's resolution");
    // Every layer's output, the last (the correction) included, within [-128, 128].
    check_ranges(m.net, path, "restoration", false);
    int depth = 0, deepest = 0;
    for (const ConvOp &op : m.net.ops) {
        depth += op.type == ConvOp::kSpaceToDepth ? 1 : op.type == ConvOp::kDepthToSpace ? -1 : 0;
        if (depth < 0 || depth > 6)
            invalid(path, "the restoration network's resolution leaves [1/64, 1] of its input's");
        deepest = std::max(deepest, depth);
    }
    m.align = 2 << deepest;
    return m;
}

} // namespace lmc
