#include "audio_codec.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "audio_lpc.h"
#include "audio_predictor.h"
#include "byte_io.h"
#include "errors.h"
#include "freq_table.h"
#include "packet.h"
#include "range_coder.h"
#include "symbol_coder.h"

namespace lmc {

constexpr int kEscape = kAudioSymbols - 1;
constexpr int kMaxK = 24;
// s32 channels are modelled only with at least this many wasted bits (24-bit
// content): wider samples would overflow the predictors' 64-bit sums.
constexpr int kMinS32Shift = 8;
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
    : header_(header), s32_(header.sample_fmt == LMC_SAMPLE_S32), bits_(s32_ ? 32 : 16), runner_(std::move(runner))
{
    const Model &m = runner_->model();
    if (m.kind != kModelAudio || m.feature_set != kFeaturesAudioV1 || m.inputs != kAudioInputs ||
        m.outputs != kAudioSymbols)
        fail(LMC_ERR_MODEL_INVALID, "model " + m.path + " is not an audio model of feature set 2");
}

// Per-block channel modes of the adaptive tool (format.md 8.1).
// kModePredicted: the adaptive predictor (audio_predictor.h); kModeLpc: LPC
// whose coefficients travel in the packet, which the encoder picks where it
// predicts better (sustained tones, whose short-window least squares is noisy).
enum ChannelMode { kModePredicted = 0, kModeConstant = 1, kModeVerbatim = 2, kModeLpc = 3 };

// Adaptive Rice parameter (8.1): S follows 16 x the mean zigzagged residual.
static inline int adaptive_k(uint64_t S) { return std::min(kMaxK, std::max(0, bitlen(S >> 4) - 2)); }
static inline uint64_t initial_S(int k0) { return (uint64_t)16 << (k0 + 1); }
static inline uint64_t next_S(uint64_t S, uint64_t u) { return S + u - (S >> 4); }

// One channel's plan in a block: its mode, the low bits every sample lacks
// (wasted bits: 8-bit material in a 16-bit container), and its samples
// shifted down by them.
struct AudioCodec::Channel {
    int mode = kModePredicted, shift = 0, k0 = 0;
    std::vector<int32_t> x, e; // samples >> shift; residuals of the predictor
    std::vector<int16_t> coef; // kModeLpc
    int lpc_shift = 0;
    bool modelled() const { return mode == kModePredicted || mode == kModeLpc; }
};

AudioCodec::~AudioCodec() = default;

// Interleaved samples of the stream's format: s16, or s32 (24-bit content
// in the high bits, as FFmpeg holds it).
static inline int32_t sample_at(const void *samples, bool s32, size_t i)
{
    return s32 ? ((const int32_t *)samples)[i] : ((const int16_t *)samples)[i];
}

// The range of a channel's samples after its wasted bits are shifted out.
void AudioCodec::range(int shift, int *lo, int *hi) const
{
    *lo = (s32_ ? INT32_MIN : -32768) >> shift;
    *hi = (s32_ ? INT32_MAX : 32767) >> shift;
}

// Channel 0's sample at instant i as a cross input of a channel with wasted
// bits `shift`: at that channel's scale, so it stays within its range.
static inline int64_t cross_input(const AudioCodec::Channel &ch0, int i, int shift)
{
    return ((int64_t)ch0.x[i] * ((int64_t)1 << ch0.shift)) >> shift;
}

void AudioCodec::plan(const void *samples, int n, int c, Channel &ch) const
{
    const int nch = header_.channels;
    ch.x.resize(n);
    uint32_t bits = 0;
    bool constant = true;
    for (int i = 0; i < n; i++) {
        ch.x[i] = sample_at(samples, s32_, (size_t)i * nch + c);
        bits |= (uint32_t)ch.x[i];
        constant &= ch.x[i] == ch.x[0];
    }
    ch.mode = constant ? kModeConstant : kModePredicted;
    ch.shift = 0;
    if (constant)
        return;
    while (!(bits & 1)) { // bits != 0: the samples are not all equal
        bits >>= 1;
        ch.shift++;
    }
    for (int32_t &v : ch.x)
        v >>= ch.shift; // exact: the low bits are zero
    if (s32_ && ch.shift < kMinS32Shift)
        ch.mode = kModeVerbatim; // more than 24 significant bits: the predictors' sums would overflow
}

// Code length of residuals under the adaptive Rice parameter, in bits: what
// the encoder compares predictors by (the model's gain on top is similar).
static uint64_t rice_bits(const std::vector<int32_t> &e, int k0)
{
    uint64_t bits = 0, S = initial_S(k0);
    for (int32_t v : e) {
        const uint64_t u = zigzag(v);
        const int k = adaptive_k(S);
        bits += (u >> k) + 1 + k;
        S = next_S(S, u);
    }
    return bits;
}

static int initial_k(const std::vector<int32_t> &e)
{
    uint64_t sum = 0;
    const int m = std::min((int)e.size(), 16);
    for (int i = 0; i < m; i++)
        sum += zigzag(e[i]);
    return std::min(kMaxK, std::max(0, bitlen(sum / (uint64_t)m) - 2));
}

// The prediction of a modelled channel's samples y in a block (format.md
// 8.1): the first stage (the adaptive predictor, or the block's LPC) clamped
// to the channel's range, plus the LMS stages on its residual, clamped again.
// The encoder and the decoder step it alike: predict(i), then update(i, y[i]).
class AudioCodec::ChannelPrediction {
public:
    ChannelPrediction(const AudioCodec &codec, const Channel &ch, const Channel *ch0)
        : ch_(ch), ch0_(ch0), ols_(ch0 != nullptr)
    {
        codec.range(ch.shift, &lo_, &hi_);
    }
    // Needs y[0..i-1] in ch.x (the LPC reads them).
    int64_t predict(int i)
    {
        if (ch_.mode == kModeLpc) {
            p1_ = lpc_predict(ch_.x.data(), i, ch_.coef.data(), (int)ch_.coef.size(), ch_.lpc_shift);
        } else {
            if (ch0_)
                ols_.set_cross(cross_input(*ch0_, i, ch_.shift));
            p1_ = ols_.predict();
        }
        p1_ = std::clamp<int64_t>(p1_, lo_, hi_);
        return std::clamp<int64_t>(p1_ + lms_.predict(), lo_, hi_);
    }
    void update(int64_t y)
    {
        lms_.update(y - p1_);
        if (ch_.mode != kModeLpc)
            ols_.update(y);
    }
    int lo() const { return lo_; }
    int hi() const { return hi_; }

private:
    const Channel &ch_;
    const Channel *ch0_;
    int lo_, hi_;
    AudioPredictor ols_;
    LmsCascade lms_;
    int64_t p1_ = 0;
};

// The residuals of a modelled channel's samples under its prediction.
std::vector<int32_t> AudioCodec::residuals(const Channel &ch, const Channel *ch0) const
{
    ChannelPrediction pred(*this, ch, ch0);
    std::vector<int32_t> e(ch.x.size());
    for (size_t i = 0; i < ch.x.size(); i++) {
        e[i] = (int32_t)(ch.x[i] - pred.predict((int)i));
        pred.update(ch.x[i]);
    }
    return e;
}

// The block LPC orders the encoder tries beside the adaptive predictor. Order 0
// (no first stage: the LMS stages alone) is for noise, such as the hiss of a
// pause, where fitting any predictor adds error; 32 for sustained tones. On the
// val split and the external recordings, against order 12 alone: 8 kHz speech
// -0.15% and -0.33%, 16 kHz -0.04% and -0.01%, music -0.28% and -0.20%, for
// about 15% more encoding time.
static constexpr int kLpcCandidateOrders[] = {12, 32, 4, 0};

// Picks the channel's predictor (the adaptive one, with channel 0's samples
// as cross inputs for the others, or the block's LPC of one of the orders
// above) and sets its residuals and initial Rice parameter.
void AudioCodec::predict_channel(Channel &ch, const Channel *ch0, int n) const
{
    ch.mode = kModePredicted;
    ch.e = residuals(ch, ch0);
    ch.k0 = initial_k(ch.e);
    uint64_t best = rice_bits(ch.e, ch.k0);
    for (int order : kLpcCandidateOrders) {
        Channel lpc;
        lpc.mode = kModeLpc;
        lpc.shift = ch.shift;
        lpc.lpc_shift = kLpcShift;
        lpc.coef = lpc_coefficients(ch.x.data(), n, order, &lpc.lpc_shift);
        lpc.x = ch.x;
        lpc.e = residuals(lpc, ch0);
        lpc.k0 = initial_k(lpc.e);
        const uint64_t bits = rice_bits(lpc.e, lpc.k0) + 16 * (lpc.coef.size() + 1);
        if (bits < best) {
            best = bits;
            ch = std::move(lpc);
        }
    }
}

void AudioCodec::encode(const void *samples, int n, std::vector<uint8_t> &packet)
{
    if (!(header_.tools & kToolAdaptiveAudio))
        fail(LMC_ERR_UNSUPPORTED, "this liblmc writes audio streams with the adaptive tool only");
    if (n < 1 || n > header_.block_size)
        fail(LMC_ERR_INVALID_ARG, "audio frame of " + std::to_string(n) + " samples (block size " +
                                      std::to_string(header_.block_size) + ")");
    const int nch = header_.channels;
    std::vector<Channel> &ch = block_;
    ch.assign(nch, Channel());
    for (int c = 0; c < nch; c++)
        plan(samples, n, c, ch[c]);
    for (int c = 0; c < nch; c++)
        if (ch[c].mode == kModePredicted)
            predict_channel(ch[c], c > 0 ? &ch[0] : nullptr, n);
    write_block(ch, n, packet);
    // Verbatim fallback: never much larger than the PCM itself at its real
    // depth (noise, or content the model has never seen).
    size_t raw_bits = 0;
    for (const Channel &c : ch)
        raw_bits += c.mode == kModeConstant ? 0 : (size_t)n * (bits_ - c.shift);
    if (packet.size() > raw_bits / 8 + 16 + 4 * (size_t)nch) {
        for (Channel &c : ch)
            if (c.modelled())
                c.mode = kModeVerbatim;
        write_block(ch, n, packet);
    }
}

void AudioCodec::write_block(const std::vector<Channel> &ch, int n, std::vector<uint8_t> &packet)
{
    const int nch = header_.channels;
    begin_packet(packet, kPacketKeyframe);
    ByteWriter w(packet);
    w.u32((uint32_t)n);
    for (const Channel &c : ch) {
        w.u8((uint32_t)c.mode);
        w.u8((uint32_t)c.shift);
        if (c.mode == kModeConstant && s32_)
            w.u32((uint32_t)c.x[0]);
        else if (c.mode == kModeConstant)
            w.u16((uint16_t)c.x[0]);
        if (c.mode == kModeLpc) {
            w.u8((uint32_t)c.coef.size());
            w.u8((uint32_t)c.lpc_shift);
            for (int16_t v : c.coef)
                w.u16((uint16_t)v);
        }
        if (c.modelled())
            w.u8((uint32_t)c.k0);
    }
    RangeEncoder enc(packet);
    inputs_.resize((size_t)n * kAudioInputs);
    logits_.resize((size_t)n * kAudioSymbols);
    std::vector<uint8_t> ks(n);
    uint32_t g[kAudioSymbols];
    for (int c = 0; c < nch; c++) {
        if (ch[c].mode == kModeVerbatim) {
            const int bits = bits_ - ch[c].shift;
            for (int i = 0; i < n; i++)
                put_bits(enc, (uint64_t)(uint32_t)ch[c].x[i] & ((1ull << bits) - 1), bits);
            continue;
        }
        if (!ch[c].modelled())
            continue;
        channel_inputs(ch, c, n, inputs_.data(), ks.data());
        runner_->run(inputs_.data(), n, logits_.data()); // the whole block at once
        for (int i = 0; i < n; i++) {
            const uint32_t total = logits_to_freqs(&logits_[(size_t)i * kAudioSymbols], kAudioSymbols, g);
            encode_residual(enc, g, total, zigzag(ch[c].e[i]), ks[i]);
        }
    }
    enc.finish();
    end_packet(packet);
}

// The model's inputs of a modelled channel's samples, and each sample's k.
void AudioCodec::channel_inputs(const std::vector<Channel> &ch, int c, int n, float *inputs, uint8_t *ks)
{
    const int32_t *e = ch[c].e.data();
    const int32_t *e0 = c > 0 && ch[0].modelled() ? ch[0].e.data() : nullptr;
    uint64_t S = initial_S(ch[c].k0);
    for (int i = 0; i < n; i++) {
        ks[i] = (uint8_t)adaptive_k(S);
        audio_context(e, e0, i, ks[i], &inputs[(size_t)i * kAudioInputs]);
        S = next_S(S, zigzag(e[i]));
    }
}

void AudioCodec::training_rows(const void *samples, int n, AudioRows &rows)
{
    std::vector<uint8_t> packet;
    encode(samples, n, packet); // the block as coded, verbatim fallback included
    std::vector<float> inputs((size_t)n * kAudioInputs);
    std::vector<uint8_t> ks(n);
    for (int c = 0; c < header_.channels; c++) {
        if (!block_[c].modelled())
            continue;
        channel_inputs(block_, c, n, inputs.data(), ks.data());
        for (int i = 0; i < n; i++) {
            const uint64_t u = zigzag(block_[c].e[i]);
            for (int j = 0; j < kAudioInputs; j++)
                rows.inputs.push_back((int8_t)inputs[(size_t)i * kAudioInputs + j]);
            rows.symbol.push_back((uint8_t)std::min<uint64_t>(u >> ks[i], kEscape));
            rows.k.push_back(ks[i]);
            rows.u.push_back(u);
        }
    }
}

void AudioCodec::encode_residual(RangeEncoder &enc, const uint32_t *g, uint32_t total, uint64_t u, int k)
{
    const uint64_t hi = u >> k;
    const int v = (int)std::min<uint64_t>(hi, kEscape);
    encode_symbol(enc, g, total, v);
    if (v == kEscape) {
        const uint64_t z = hi - kEscape;
        const int b = bitlen(z);
        enc.encode((uint32_t)b, 1, 33);
        if (b > 1)
            put_bits(enc, z, b - 1);
    }
    put_bits(enc, u, k);
}

uint64_t AudioCodec::decode_residual(RangeDecoder &dec, const uint32_t *g, uint32_t total, int k)
{
    const int v = decode_symbol(dec, g, kAudioSymbols, total);
    uint64_t hi = (uint64_t)v;
    if (v == kEscape) {
        const uint32_t b = dec.decode_target(33);
        dec.consume(b, 1);
        const uint64_t z = b == 0 ? 0 : (1ull << (b - 1)) | get_bits(dec, (int)b - 1);
        hi += z;
    }
    require_data(hi < (1ull << 40) && !dec.overrun(), "corrupt audio residual");
    return (hi << k) | get_bits(dec, k);
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

void AudioCodec::decode(const uint8_t *data, size_t size, void *samples, int max_samples)
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
    if (header_.tools & kToolAdaptiveAudio)
        decode_adaptive(r, n, samples);
    else
        decode_lpc(r, n, (int16_t *)samples); // s16 only (validate_stream_params)
}

void AudioCodec::decode_adaptive(ByteReader &r, int n, void *samples)
{
    const int nch = header_.channels;
    std::vector<Channel> ch(nch);
    for (Channel &c : ch) {
        c.mode = (int)r.u8();
        c.shift = (int)r.u8();
        require_data(c.mode <= kModeLpc && c.shift < bits_ && (c.mode != kModeConstant || c.shift == 0) &&
                         (!s32_ || !c.modelled() || c.shift >= kMinS32Shift),
                     "bad audio channel mode");
        if (c.mode == kModeConstant)
            c.x.assign(n, s32_ ? (int32_t)r.u32() : (int16_t)r.u16());
        if (c.mode == kModeLpc) {
            const int order = (int)r.u8();
            c.lpc_shift = (int)r.u8();
            require_data(order <= kLpcMaxOrder && c.lpc_shift <= 15, "bad LPC parameters");
            for (int j = 0; j < order; j++)
                c.coef.push_back((int16_t)r.u16());
        }
        if (c.modelled())
            c.k0 = (int)r.u8();
        require_data(c.k0 <= kMaxK, "bad residual parameter");
    }
    RangeDecoder dec(r.pos(), r.left());
    float f[kAudioInputs];
    int32_t logits[kAudioSymbols];
    uint32_t g[kAudioSymbols];
    for (int c = 0; c < nch; c++) {
        Channel &C = ch[c];
        if (C.mode == kModeVerbatim) { // bits_ - shift bits, two's complement
            const int bits = bits_ - C.shift;
            C.x.resize(n);
            for (int i = 0; i < n; i++) {
                const int64_t v = (int64_t)get_bits(dec, bits);
                C.x[i] = (int32_t)(v >= ((int64_t)1 << (bits - 1)) ? v - ((int64_t)1 << bits) : v);
            }
        }
        if (!C.modelled())
            continue;
        const Channel *ch0 = c > 0 ? &ch[0] : nullptr;
        const int32_t *e0 = ch0 && ch0->modelled() ? ch0->e.data() : nullptr;
        C.x.resize(n);
        C.e.resize(n);
        ChannelPrediction pred(*this, C, ch0);
        uint64_t S = initial_S(C.k0);
        for (int i = 0; i < n; i++) {
            const int k = adaptive_k(S);
            audio_context(C.e.data(), e0, i, k, f);
            runner_->run(f, 1, logits);
            const uint32_t total = logits_to_freqs(logits, kAudioSymbols, g);
            const uint64_t u = decode_residual(dec, g, total, k);
            const int64_t e = unzigzag(u);
            require_data(e > -(1ll << 33) && e < (1ll << 33), "corrupt audio residual");
            const int64_t x = pred.predict(i) + e;
            require_data(x >= pred.lo() && x <= pred.hi(), "decoded sample out of range (corrupt data)");
            C.e[i] = (int32_t)e;
            C.x[i] = (int32_t)x;
            pred.update(x);
            S = next_S(S, u);
        }
    }
    require_data(!dec.overrun(), "packet ends before its last sample (corrupt data)");
    require_data(dec.consumed_exactly(), "packet holds more data than its samples (corrupt data, or a "
                                         "packet of another stream)");
    for (int c = 0; c < nch; c++)
        for (int i = 0; i < n; i++) {
            const int64_t v = (int64_t)ch[c].x[i] * ((int64_t)1 << ch[c].shift); // within the format's range
            if (s32_)
                ((int32_t *)samples)[(size_t)i * nch + c] = (int32_t)v;
            else
                ((int16_t *)samples)[(size_t)i * nch + c] = (int16_t)v;
        }
}

// Streams without the adaptive tool (liblmc 0.9 and before, format.md 8):
// LPC whose coefficients travel in the packet, one Rice parameter a block.
void AudioCodec::decode_lpc(ByteReader &r, int n, int16_t *samples)
{
    const int nch = header_.channels;
    require_data(nch <= 2, "more than 2 channels in a stream without the adaptive tool");
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
            const uint64_t u = decode_residual(dec, g, total, k);
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
