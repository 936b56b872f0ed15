#include "learned_intra.h"

#include <algorithm>
#include <cmath>

#include "errors.h"
#include "half_planes.h"
#include "packet.h"
#include "range_coder.h"
#include "symbol_coder.h"

namespace lmc {

namespace {

// Floor division by a positive divisor (C++ division truncates toward zero).
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

int scale_index(int32_t idx, int e) { return std::clamp(idx - e, 0, GenIntraModel::kScales - 1); }

} // namespace

LearnedPacket parse_learned_packet(const uint8_t *data, size_t size)
{
    LearnedPacket p;
    uint8_t flags = 0;
    p.payload = open_packet(data, size, &p.size, &flags);
    require_data(flags == kPacketKeyframe, "learned lmc_gen packet with flags other than keyframe (corrupt data)");
    require_data(p.size >= 1, "empty learned lmc_gen packet");
    return p;
}

LearnedIntraCodec::LearnedIntraCodec(const StreamHeader &header, std::shared_ptr<const GenIntraModel> model,
                                     const std::string &device, int threads)
    : header_(header), model_(model),
      runner_({&model->g_a, &model->h_a, &model->h_s, &model->g_s}, device, threads)
{
    if (header.pix_fmt != LMC_PIX_YUV420P)
        fail(LMC_ERR_UNSUPPORTED, "lmc_gen's learned coding takes yuv420p only (use -max_error for other formats)");
    pw_ = (header.width + 63) / 64 * 64;
    ph_ = (header.height + 63) / 64 * 64;
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
                               (i + 1 == t.freq.size() ? GenIntraModel::kEscapeBits : 0));
        return out;
    };
    for (const LatentTable &t : model->y_tables)
        y_tables_.push_back(make(t));
    for (const LatentTable &t : model->z_tables)
        z_tables_.push_back(make(t));
}

int LearnedIntraCodec::symbol(int32_t y4, int32_t mu2, int q256)
{
    // round((y4 / 4 - mu2 / 2) / q), halves up
    const int64_t s = floor_div(((int64_t)y4 - 2 * mu2) * 128 + q256, 2 * (int64_t)q256);
    return (int)std::clamp<int64_t>(s, -127, 127);
}

int LearnedIntraCodec::reconstruct(int sym, int32_t mu2, int q256)
{
    return (int)std::clamp<int64_t>(mu2 + floor_div(2 * (int64_t)sym * q256 + 128, 256), -127, 127);
}

LearnedIntraCodec::Analysis LearnedIntraCodec::analyse(const uint8_t *const planes[], const int strides[]) const
{
    const int M = model_->y_channels;
    auto x = yuv420_to_half_planes(planes, strides, header_.width, header_.height, pw_, ph_);
    auto y4 = runner_.run(kAnalysis, x.to(runner_.device()));
    auto y2 = torch::floor((y4 + 1) * 0.5).clamp_(-127, 127); // half units, exact in float32
    auto z = runner_.run(kHyperAnalysis, y2);
    auto hs = runner_.run(kHyperSynthesis, z);
    Analysis a;
    a.y4 = tensor_ints(y4);
    a.z = tensor_ints(z);
    a.mu2 = tensor_ints(hs.narrow(0, 0, M));
    a.idx = tensor_ints(hs.narrow(0, M, M));
    return a;
}

// Calls fn(table, value) for every value of the frame in coding order
// (format.md 10.2): z channel by channel, then the latents' symbols.
template <typename Fn>
void LearnedIntraCodec::each_value(const Analysis &a, int k, Fn &&fn) const
{
    const size_t zn = a.z.size() / z_tables_.size();
    for (size_t i = 0; i < a.z.size(); i++)
        fn(z_tables_[i / zn], a.z[i]);
    const size_t plane = a.y4.size() / model_->y_channels;
    for (int c = 0; c < model_->y_channels; c++) {
        const int e = model_->exponent(k, c), q = gen_step_q256(e);
        for (size_t i = c * plane; i < (c + 1) * plane; i++)
            fn(y_tables_[scale_index(a.idx[i], e)], symbol(a.y4[i], a.mu2[i], q));
    }
}

// A value's entry in its table: v + T inside the support, else the escape.
static int table_entry(int T, int v) { return std::abs(v) <= T ? v + T : 2 * T + 1; }

double LearnedIntraCodec::bits(const Analysis &a, int k) const
{
    double total = 0;
    each_value(a, k, [&](const Table &t, int v) { total += t.cost[table_entry(t.T, v)]; });
    return total;
}

void LearnedIntraCodec::write(const Analysis &a, int k, std::vector<uint8_t> &payload) const
{
    if (k < 0 || k > GenIntraModel::kMaxQuantiser)
        fail(LMC_ERR_INVALID_ARG, "quantiser out of range (0..32)");
    payload.push_back((uint8_t)k);
    RangeEncoder enc(payload);
    each_value(a, k, [&](const Table &t, int v) {
        const int e = table_entry(t.T, v);
        enc.encode(t.cum[e], t.freq[e], t.total);
        if (e == 2 * t.T + 1)
            enc.encode_bits((uint32_t)(v + 127), GenIntraModel::kEscapeBits);
    });
    enc.finish();
}

static int decode_value(RangeDecoder &dec, const std::vector<uint32_t> &freq, uint32_t total, int T)
{
    const int e = decode_symbol(dec, freq.data(), (int)freq.size(), total);
    if (e <= 2 * T)
        return e - T;
    const int v = (int)dec.decode_bits(GenIntraModel::kEscapeBits) - 127;
    require_data(std::abs(v) > T && v <= 127, "escaped latent inside its table's range (corrupt packet)");
    return v;
}

void LearnedIntraCodec::decode(const uint8_t *payload, size_t size, uint8_t *const planes[],
                               const int strides[]) const
{
    require_data(size >= 1, "empty learned-frame payload");
    const int k = payload[0];
    require_data(k <= GenIntraModel::kMaxQuantiser, "quantiser out of range (corrupt packet)");
    const int M = model_->y_channels, Z = model_->z_channels;
    const int yh = ph_ / 16, yw = pw_ / 16, zh = ph_ / 64, zw = pw_ / 64;
    RangeDecoder dec(payload + 1, size - 1);
    auto z = torch::empty({Z, zh, zw}, torch::kFloat);
    float *zp = z.data_ptr<float>();
    for (int c = 0; c < Z; c++) {
        const Table &t = z_tables_[c];
        for (int i = 0; i < zh * zw; i++)
            zp[(size_t)c * zh * zw + i] = (float)decode_value(dec, t.freq, t.total, t.T);
        require_data(!dec.overrun(), "learned-frame packet too short (truncated or corrupt)");
    }
    auto hs = runner_.run(kHyperSynthesis, z.to(runner_.device()));
    const std::vector<int32_t> mu2 = tensor_ints(hs.narrow(0, 0, M)), idx = tensor_ints(hs.narrow(0, M, M));
    auto y = torch::empty({M, yh, yw}, torch::kFloat);
    float *yp = y.data_ptr<float>();
    const size_t plane = (size_t)yh * yw;
    for (int c = 0; c < M; c++) {
        const int e = model_->exponent(k, c), q = gen_step_q256(e);
        for (size_t i = c * plane; i < (c + 1) * plane; i++) {
            const Table &t = y_tables_[scale_index(idx[i], e)];
            yp[i] = (float)reconstruct(decode_value(dec, t.freq, t.total, t.T), mu2[i], q);
        }
        require_data(!dec.overrun(), "learned-frame packet too short (truncated or corrupt)");
    }
    require_data(dec.consumed_exactly(), "learned-frame packet longer than its frame (corrupt packet)");
    half_planes_to_yuv420(runner_.run(kSynthesis, y.to(runner_.device())), planes, strides, header_.width,
                          header_.height);
}

} // namespace lmc
