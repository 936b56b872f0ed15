#include "audio_codec.h"

#include <algorithm>
#include <cstring>

#include "audio_lpc.h"
#include "byte_io.h"
#include "errors.h"
#include "freq_table.h"
#include "packet.h"
#include "range_coder.h"
#include "symbol_coder.h"

namespace lmc {

constexpr int kEscape = kAudioSymbols - 1;
constexpr int kMaxK = 24;
constexpr int kStereoIndependent = 0, kStereoLeftSide = 1;

static inline uint64_t zigzag(int64_t e) { return e >= 0 ? (uint64_t)e * 2 : (uint64_t)(-e) * 2 - 1; }
static inline int64_t unzigzag(uint64_t u) { return (u & 1) ? -(int64_t)((u + 1) / 2) : (int64_t)(u / 2); }
static inline int bitlen(uint64_t v) { int b = 0; while (v) { b++; v >>= 1; } return b; }
static inline int clamp127(int64_t v) { return (int)std::clamp<int64_t>(v, -127, 127); }

void audio_context(const int32_t *e, const int32_t *e0, int i, int k, float *f)
{
    int kf = std::max(k - 3, 0);
    for (int j = 1; j <= 16; j++)
        f[j - 1] = i - j >= 0 ? (float)clamp127(e[i - j] >> kf) : 0.f;
    f[16] = (float)(4 * k);
    f[17] = e0 ? (float)clamp127(e0[i] >> kf) : 0.f;
    f[18] = e0 ? 64.f : 0.f;
    f[19] = (float)(2 * std::min(i, 32));
}

int audio_rice_k(const int32_t *e, int n)
{
    uint64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += zigzag(e[i]);
    return std::min(kMaxK, std::max(0, bitlen(sum / (uint64_t)n) - 2));
}

// Raw bits in chunks the range coder takes (<= 16 at a time).
static void put_bits(RangeEncoder &enc, uint64_t v, int nbits)
{
    while (nbits > 0) {
        int b = std::min(nbits, 16);
        nbits -= b;
        enc.encode_bits((uint32_t)(v >> nbits) & ((1u << b) - 1), b);
    }
}

static uint64_t get_bits(RangeDecoder &dec, int nbits)
{
    uint64_t v = 0;
    while (nbits > 0) {
        int b = std::min(nbits, 16);
        nbits -= b;
        v = (v << b) | dec.decode_bits(b);
    }
    return v;
}

AudioCodec::AudioCodec(const StreamHeader &header, std::shared_ptr<ModelRunner> runner)
    : header_(header), runner_(std::move(runner))
{
    const Model &m = runner_->model();
    if (m.kind != kModelAudio || m.feature_set != kFeaturesAudioV1 || m.inputs != kAudioInputs ||
        m.outputs != kAudioSymbols)
        fail(LMC_ERR_MODEL_INVALID, "model " + m.path + " is not an audio model of feature set 2");
}

// Prediction parameters and residual of one channel of a block.
struct AudioCodec::Channel {
    std::vector<int16_t> coef;
    int shift = kLpcShift, k = 0;
    std::vector<int32_t> e;
    uint64_t cost = 0; // sum of zigzagged residuals: picks the stereo mode
};

void AudioCodec::analyse(const int32_t *x, int n, Channel &ch)
{
    ch.shift = kLpcShift;
    ch.coef = lpc_coefficients(x, n, kLpcOrder, &ch.shift);
    ch.e.resize(n);
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        int64_t e = x[i] - lpc_predict(x, i, ch.coef.data(), (int)ch.coef.size(), ch.shift);
        ok = e > -(1 << 30) && e < (1 << 30);
        ch.e[i] = (int32_t)e;
    }
    if (!ok) { // unstable predictor: fall back to no prediction
        ch.coef.clear();
        ch.e.assign(x, x + n);
    }
    ch.cost = 0;
    for (int i = 0; i < n; i++)
        ch.cost += zigzag(ch.e[i]);
    ch.k = audio_rice_k(ch.e.data(), n);
}

void AudioCodec::encode(const int16_t *samples, int n, std::vector<uint8_t> &packet)
{
    if (n < 1 || n > header_.block_size)
        fail(LMC_ERR_INVALID_ARG, "audio frame of " + std::to_string(n) + " samples (block size " +
                                      std::to_string(header_.block_size) + ")");
    const int nch = header_.channels;
    Channel ch[2];
    std::vector<int32_t> x(n);
    for (int c = 0; c < nch; c++) {
        for (int i = 0; i < n; i++)
            x[i] = samples[(size_t)i * nch + c];
        analyse(x.data(), n, ch[c]);
    }
    // Stereo: code the right channel as side = R - L when that is cheaper
    // (FLAC's left/side); real stereo is mostly correlated.
    int stereo_mode = kStereoIndependent;
    if (nch == 2) {
        Channel side;
        for (int i = 0; i < n; i++)
            x[i] = samples[2 * i + 1] - samples[2 * i];
        analyse(x.data(), n, side);
        if (side.cost < ch[1].cost) {
            ch[1] = std::move(side);
            stereo_mode = kStereoLeftSide;
        }
    }
    begin_packet(packet, kPacketKeyframe);
    ByteWriter w(packet);
    w.u32((uint32_t)n);
    w.u8((uint32_t)stereo_mode);
    for (int c = 0; c < nch; c++) {
        w.u8((uint32_t)ch[c].coef.size());
        w.u8((uint32_t)ch[c].shift);
        for (int16_t v : ch[c].coef)
            w.u16((uint16_t)v);
        w.u8((uint32_t)ch[c].k);
    }
    RangeEncoder enc(packet);
    inputs_.resize((size_t)n * kAudioInputs);
    logits_.resize((size_t)n * kAudioSymbols);
    uint32_t g[kAudioSymbols];
    for (int c = 0; c < nch; c++) {
        const int k = ch[c].k;
        const int32_t *e = ch[c].e.data(), *e0 = c > 0 ? ch[0].e.data() : nullptr;
        for (int i = 0; i < n; i++)
            audio_context(e, e0, i, k, &inputs_[(size_t)i * kAudioInputs]);
        runner_->run(inputs_.data(), n, logits_.data()); // the whole block at once
        for (int i = 0; i < n; i++) {
            uint32_t total = logits_to_freqs(&logits_[(size_t)i * kAudioSymbols], kAudioSymbols, g);
            uint64_t u = zigzag(e[i]), hi = u >> k;
            int v = (int)std::min<uint64_t>(hi, kEscape);
            encode_symbol(enc, g, total, v);
            if (v == kEscape) {
                uint64_t z = hi - kEscape;
                int b = bitlen(z);
                enc.encode((uint32_t)b, 1, 33);
                if (b > 1)
                    put_bits(enc, z, b - 1);
            }
            put_bits(enc, u, k);
        }
    }
    enc.finish();
    end_packet(packet);
}

int AudioCodec::packet_samples(const uint8_t *data, size_t size) const
{
    size_t payload_size;
    uint8_t flags;
    const uint8_t *payload = open_packet(data, size, &payload_size, &flags);
    ByteReader r(payload, payload_size);
    uint32_t n = r.u32();
    require_data(n >= 1 && n <= (uint32_t)header_.block_size, "audio packet sample count out of range");
    return (int)n;
}

void AudioCodec::decode(const uint8_t *data, size_t size, int16_t *samples, int max_samples)
{
    size_t payload_size;
    uint8_t flags;
    const uint8_t *payload = open_packet(data, size, &payload_size, &flags);
    require_data(flags == kPacketKeyframe, "unknown packet flags (newer stream?)");
    ByteReader r(payload, payload_size);
    const int n = (int)r.u32();
    require_data(n >= 1 && n <= header_.block_size, "audio packet sample count out of range");
    if (n > max_samples)
        fail(LMC_ERR_INVALID_ARG, "output buffer too small for the packet");
    const int nch = header_.channels;
    const int stereo_mode = (int)r.u8();
    require_data(stereo_mode == kStereoIndependent || (nch == 2 && stereo_mode == kStereoLeftSide),
                 "bad stereo mode");
    std::vector<int16_t> coef[2];
    int shift[2], ks[2];
    for (int c = 0; c < nch; c++) {
        int order = (int)r.u8();
        shift[c] = (int)r.u8();
        require_data(order <= kLpcMaxOrder && shift[c] <= 15, "bad LPC parameters");
        for (int j = 0; j < order; j++)
            coef[c].push_back((int16_t)r.u16());
        ks[c] = (int)r.u8();
        require_data(ks[c] <= kMaxK, "bad residual parameter");
    }
    RangeDecoder dec(r.pos(), r.left());
    float f[kAudioInputs];
    int32_t logits[kAudioSymbols];
    uint32_t g[kAudioSymbols];
    x_.resize(n);
    for (int c = 0; c < nch; c++) {
        const int k = ks[c];
        const int32_t *e0 = c > 0 ? e_[0].data() : nullptr;
        e_[c].resize(n);
        for (int i = 0; i < n; i++) {
            audio_context(e_[c].data(), e0, i, k, f);
            runner_->run(f, 1, logits);
            uint32_t total = logits_to_freqs(logits, kAudioSymbols, g);
            const int v = decode_symbol(dec, g, kAudioSymbols, total);
            uint64_t hi = (uint64_t)v;
            if (v == kEscape) {
                uint32_t b = dec.decode_target(33);
                dec.consume(b, 1);
                uint64_t z = b == 0 ? 0 : (1ull << (b - 1)) | get_bits(dec, (int)b - 1);
                hi += z;
            }
            require_data(hi < (1ull << 40) && !dec.overrun(), "corrupt audio residual");
            uint64_t u = (hi << k) | get_bits(dec, k);
            int64_t e = unzigzag(u);
            require_data(e > -(1ll << 31) && e < (1ll << 31), "corrupt audio residual");
            e_[c][i] = (int32_t)e;
            int64_t x = lpc_predict(x_.data(), i, coef[c].data(), (int)coef[c].size(), shift[c]) + e;
            // The side channel (R - L) spans 17 bits; R itself must fit s16.
            int64_t out = c == 1 && stereo_mode == kStereoLeftSide ? x + samples[2 * i] : x;
            require_data(out >= -32768 && out <= 32767, "decoded sample out of range (corrupt data)");
            x_[i] = (int32_t)x;
            samples[(size_t)i * nch + c] = (int16_t)out;
        }
    }
    require_data(!dec.overrun(), "packet ends before its last sample (corrupt data)");
    require_data(dec.consumed_exactly(), "packet holds more data than its samples (corrupt data, or a "
                                         "packet of another stream)");
}

} // namespace lmc
