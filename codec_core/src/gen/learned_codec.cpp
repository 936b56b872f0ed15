#include "learned_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "errors.h"
#include "half_planes.h"
#include "packet.h"
#include "range_coder.h"

namespace lmc {

namespace {

// Floor division by a positive divisor (C++ division truncates toward zero).
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

int scale_index(int32_t idx, int e) { return std::clamp(idx - e, 0, GenCoderModel::kScales - 1); }

} // namespace

LearnedPacket parse_learned_packet(const uint8_t *data, size_t size)
{
    LearnedPacket p;
    uint8_t flags = 0;
    p.payload = open_packet(data, size, &p.size, &flags);
    require_data(flags == kPacketKeyframe || flags == 0,
                 "learned lmc_gen packet with flags other than keyframe (corrupt data)");
    require_data(p.size >= 1, "empty learned lmc_gen packet");
    p.keyframe = flags == kPacketKeyframe;
    return p;
}

static bool stream_has_inter(const StreamHeader &h) { return h.tools & kToolLearnedInter; }

// runner_'s networks: the intra coder's, then the inter coder's where the stream has inter frames.
static std::vector<const ConvNet *> networks(const GenModel &m, const StreamHeader &h)
{
    const bool inter = stream_has_inter(h);
    if (inter && !m.inter)
        fail(LMC_ERR_MODEL_INVALID, "the stream has inter frames and its model no inter coder");
    std::vector<const ConvNet *> nets = {&m.intra.g_a, &m.intra.h_a, &m.intra.h_s, &m.intra.g_s};
    if (inter)
        nets.insert(nets.end(), {&m.inter->g_a, &m.inter->h_a, &m.inter->h_s, &m.inter->g_s});
    return nets;
}

LearnedCodec::LearnedCodec(const StreamHeader &header, std::shared_ptr<const GenModel> model,
                           const std::string &device, int threads)
    : header_(header), model_(model),
      runner_(networks(*model, header), device, threads),
      pool_(threads)
{
    if (header.pix_fmt != LMC_PIX_YUV420P)
        fail(LMC_ERR_UNSUPPORTED, "lmc_gen's learned coding takes yuv420p only (use -max_error for other formats)");
    pw_ = (header.width + 63) / 64 * 64;
    ph_ = (header.height + 63) / 64 * 64;
    intra_ = make_coder(&model->intra, 0);
    if (stream_has_inter(header))
        inter_ = make_coder(model->inter.get(), 4);
}

LearnedCodec::Coder LearnedCodec::make_coder(const GenCoderModel *model, int first_net)
{
    auto make = [](const LatentTable &t) {
        Table out;
        out.T = t.T;
        out.freq = t.freq;
        out.total = t.total;
        out.cum.assign(t.freq.size() + 1, 0);
        for (size_t i = 0; i < t.freq.size(); i++)
            out.cum[i + 1] = out.cum[i] + t.freq[i];
        for (size_t i = 0; i < t.freq.size(); i++)
            out.cost.push_back((float)-std::log2((double)t.freq[i] / t.total) +
                               (i + 1 == t.freq.size() ? GenCoderModel::kEscapeBits : 0));
        return out;
    };
    Coder c;
    c.model = model;
    c.nets = first_net;
    for (const LatentTable &t : model->y_tables)
        c.y_tables.push_back(make(t));
    for (const LatentTable &t : model->z_tables)
        c.z_tables.push_back(make(t));
    return c;
}

int LearnedCodec::symbol(int32_t y4, int32_t mu2, int q256)
{
    // round((y4 / 4 - mu2 / 2) / q), halves up
    const int64_t s = floor_div(((int64_t)y4 - 2 * mu2) * 128 + q256, 2 * (int64_t)q256);
    return (int)std::clamp<int64_t>(s, -127, 127);
}

int LearnedCodec::reconstruct(int sym, int32_t mu2, int q256)
{
    return (int)std::clamp<int64_t>(mu2 + floor_div(2 * (int64_t)sym * q256 + 128, 256), -127, 127);
}

torch::Tensor LearnedCodec::predict(const MotionField &mf) const
{
    const int w = header_.width, h = header_.height, cw = (w + 1) / 2, ch = (h + 1) / 2;
    std::vector<uint8_t> p[3] = {std::vector<uint8_t>((size_t)w * h), std::vector<uint8_t>((size_t)cw * ch),
                                 std::vector<uint8_t>((size_t)cw * ch)};
    align_plane(ref_[0].data(), nullptr, w, h, 0, 0, mf, p[0].data());
    for (int i = 1; i < 3; i++)
        align_plane(ref_[i].data(), nullptr, cw, ch, 1, 1, mf, p[i].data());
    const uint8_t *planes[3] = {p[0].data(), p[1].data(), p[2].data()};
    const int strides[3] = {w, cw, cw};
    return yuv420_to_half_planes(planes, strides, w, h, pw_, ph_).to(runner_.device());
}

torch::Tensor LearnedCodec::synthesise(const Coder &c, const torch::Tensor &y2, const torch::Tensor &pred) const
{
    torch::Tensor x = runner_.run(c.nets + kSynthesis, y2.to(runner_.device()));
    return pred.defined() ? torch::clamp(pred + x, -128, 127) : x;
}

void LearnedCodec::set_reference(const uint8_t *const planes[], const int strides[])
{
    const int w = header_.width, h = header_.height, cw = (w + 1) / 2, ch = (h + 1) / 2;
    for (int i = 0; i < 3; i++) {
        const int pw = i ? cw : w, ph = i ? ch : h;
        ref_[i].resize((size_t)pw * ph);
        for (int y = 0; y < ph; y++)
            memcpy(&ref_[i][(size_t)y * pw], planes[i] + (size_t)y * strides[i], pw);
    }
}

void LearnedCodec::drop_reference()
{
    for (auto &p : ref_)
        p.clear();
}

LearnedCodec::Analysis LearnedCodec::analyse(const uint8_t *const planes[], const int strides[], bool inter) const
{
    if (inter && (!has_inter() || !has_reference()))
        fail(LMC_ERR_INTERNAL, "an inter frame without an inter coder or a reference");
    const Coder &c = coder(inter);
    const int M = c.model->y_channels;
    Analysis a;
    a.inter = inter;
    auto x = yuv420_to_half_planes(planes, strides, header_.width, header_.height, pw_, ph_).to(runner_.device());
    if (inter) {
        const int w = header_.width, h = header_.height;
        std::vector<uint8_t> luma((size_t)w * h);
        for (int y = 0; y < h; y++)
            memcpy(&luma[(size_t)y * w], planes[0] + (size_t)y * strides[0], w);
        estimate_motion(luma.data(), ref_[0].data(), nullptr, w, h, a.motion, &pool_);
        std::vector<uint8_t> bytes;
        RangeEncoder enc(bytes);
        encode_motion(enc, a.motion);
        enc.finish();
        a.motion_bits = 8.0 * bytes.size();
        a.pred = predict(a.motion);
        x = torch::cat({x, a.pred}, 0);
    }
    auto y4 = runner_.run(c.nets + kAnalysis, x);
    auto y2 = torch::floor((y4 + 1) * 0.5).clamp_(-127, 127); // half units, exact in float32
    auto z = runner_.run(c.nets + kHyperAnalysis, y2);
    auto hs = runner_.run(c.nets + kHyperSynthesis, z);
    a.y4 = tensor_ints(y4);
    a.z = tensor_ints(z);
    a.mu2 = tensor_ints(hs.narrow(0, 0, M));
    a.idx = tensor_ints(hs.narrow(0, M, M));
    return a;
}

// Calls fn(table, value) for every value of the frame in coding order
// (format.md 10.2): z channel by channel, then the latents' symbols.
template <typename Fn>
void LearnedCodec::each_value(const Analysis &a, int k, Fn &&fn) const
{
    const Coder &c = coder(a.inter);
    const size_t zn = a.z.size() / c.z_tables.size();
    for (size_t i = 0; i < a.z.size(); i++)
        fn(c.z_tables[i / zn], a.z[i]);
    const int M = c.model->y_channels;
    const size_t plane = a.y4.size() / M;
    for (int ch = 0; ch < M; ch++) {
        const int e = c.model->exponent(k, ch), q = gen_step_q256(e);
        for (size_t i = ch * plane; i < (ch + 1) * plane; i++)
            fn(c.y_tables[scale_index(a.idx[i], e)], symbol(a.y4[i], a.mu2[i], q));
    }
}

// A value's entry in its table: v + T inside the support, else the escape.
static int table_entry(int T, int v) { return std::abs(v) <= T ? v + T : 2 * T + 1; }

double LearnedCodec::bits(const Analysis &a, int k) const
{
    double total = a.motion_bits;
    each_value(a, k, [&](const Table &t, int v) { total += t.cost[table_entry(t.T, v)]; });
    return total;
}

void LearnedCodec::write(const Analysis &a, int k, std::vector<uint8_t> &payload, bool keep_reference)
{
    if (k < 0 || k > GenCoderModel::kMaxQuantiser)
        fail(LMC_ERR_INVALID_ARG, "quantiser out of range (0..32)");
    payload.push_back((uint8_t)k);
    RangeEncoder enc(payload);
    if (a.inter)
        encode_motion(enc, a.motion);
    each_value(a, k, [&](const Table &t, int v) {
        const int e = table_entry(t.T, v);
        enc.encode(t.cum[e], t.freq[e], t.total);
        if (e == 2 * t.T + 1)
            enc.encode_bits((uint32_t)(v + 127), GenCoderModel::kEscapeBits);
    });
    enc.finish();
    if (!keep_reference)
        return;
    // The frame as the decoder rebuilds it from these symbols.
    const Coder &c = coder(a.inter);
    const int M = c.model->y_channels;
    const size_t plane = a.y4.size() / M;
    auto y = torch::empty({M, ph_ / 16, pw_ / 16}, torch::kFloat);
    float *yp = y.data_ptr<float>();
    for (int ch = 0; ch < M; ch++) {
        const int q = gen_step_q256(c.model->exponent(k, ch));
        for (size_t i = ch * plane; i < (ch + 1) * plane; i++)
            yp[i] = (float)reconstruct(symbol(a.y4[i], a.mu2[i], q), a.mu2[i], q);
    }
    const int w = header_.width, h = header_.height, cw = (w + 1) / 2, ch = (h + 1) / 2;
    for (int i = 0; i < 3; i++)
        ref_[i].resize(i ? (size_t)cw * ch : (size_t)w * h);
    uint8_t *planes[3] = {ref_[0].data(), ref_[1].data(), ref_[2].data()};
    const int strides[3] = {w, cw, cw};
    half_planes_to_yuv420(synthesise(c, y, a.pred), planes, strides, w, h);
}

// A value by its table: the entry whose interval holds the coder's target,
// found by bisection of the cumulative counts (a wide table has 255 entries);
// a target past the last interval (damaged data) reads as the escape, as
// decode_symbol() would.
static int decode_value(RangeDecoder &dec, const LearnedCodec::Table &t)
{
    const uint32_t target = dec.decode_target(t.total);
    const int e = (int)(std::upper_bound(t.cum.begin() + 1, t.cum.end() - 1, target) - (t.cum.begin() + 1));
    dec.consume(t.cum[e], t.freq[e]);
    if (e <= 2 * t.T)
        return e - t.T;
    const int v = (int)dec.decode_bits(GenCoderModel::kEscapeBits) - 127;
    require_data(std::abs(v) > t.T && v <= 127, "escaped latent inside its table's range (corrupt packet)");
    return v;
}

void LearnedCodec::decode(const uint8_t *data, size_t size, uint8_t *const planes[], const int strides[])
{
    try {
        decode_frame(parse_learned_packet(data, size), planes, strides);
    } catch (...) {
        drop_reference(); // a frame is lost: inter frames wait for the next keyframe
        throw;
    }
}

void LearnedCodec::decode_frame(const LearnedPacket &p, uint8_t *const planes[], const int strides[])
{
    const bool inter = !p.keyframe;
    require_data(!inter || has_inter(), "inter frame in a stream of intra frames only (corrupt packet)");
    if (inter && !has_reference())
        fail(LMC_ERR_INVALID_DATA, "inter frame without its previous frame (stream starts mid-GOP): "
                                   "decoding starts at the next keyframe");
    const int k = p.payload[0];
    require_data(k <= GenCoderModel::kMaxQuantiser, "quantiser out of range (corrupt packet)");
    const Coder &c = coder(inter);
    const int M = c.model->y_channels, Z = c.model->z_channels;
    const int yh = ph_ / 16, yw = pw_ / 16, zh = ph_ / 64, zw = pw_ / 64;
    RangeDecoder dec(p.payload + 1, p.size - 1);
    torch::Tensor pred;
    if (inter) {
        MotionField mf;
        mf.resize(header_.width, header_.height);
        decode_motion(dec, mf);
        require_data(!dec.overrun(), "learned-frame packet too short (truncated or corrupt)");
        pred = predict(mf);
    }
    auto z = torch::empty({Z, zh, zw}, torch::kFloat);
    float *zp = z.data_ptr<float>();
    for (int ch = 0; ch < Z; ch++) {
        const Table &t = c.z_tables[ch];
        for (int i = 0; i < zh * zw; i++)
            zp[(size_t)ch * zh * zw + i] = (float)decode_value(dec, t);
        require_data(!dec.overrun(), "learned-frame packet too short (truncated or corrupt)");
    }
    auto hs = runner_.run(c.nets + kHyperSynthesis, z.to(runner_.device()));
    const std::vector<int32_t> mu2 = tensor_ints(hs.narrow(0, 0, M)), idx = tensor_ints(hs.narrow(0, M, M));
    auto y = torch::empty({M, yh, yw}, torch::kFloat);
    float *yp = y.data_ptr<float>();
    const size_t plane = (size_t)yh * yw;
    for (int ch = 0; ch < M; ch++) {
        const int e = c.model->exponent(k, ch), q = gen_step_q256(e);
        for (size_t i = ch * plane; i < (ch + 1) * plane; i++) {
            const Table &t = c.y_tables[scale_index(idx[i], e)];
            yp[i] = (float)reconstruct(decode_value(dec, t), mu2[i], q);
        }
        require_data(!dec.overrun(), "learned-frame packet too short (truncated or corrupt)");
    }
    require_data(dec.consumed_exactly(), "learned-frame packet longer than its frame (corrupt packet)");
    half_planes_to_yuv420(synthesise(c, y, pred), planes, strides, header_.width, header_.height);
    set_reference(planes, strides);
}

} // namespace lmc
