// lmc_audio: lossless audio in independent blocks (one packet each).
// Per block and channel, a backward-adaptive least-squares predictor
// (audio_predictor.h; channels after the first also see the first one's
// samples) removes the predictable part; the trained model then gives the
// distribution of the residual's high part (v = zigzag(e) >> k, with an
// escape, k following the residuals' recent size) from the past residuals
// and the first channel's residual at the same instant. The low k bits are
// sent raw. Constant channels, wasted low bits and a verbatim fallback are
// block modes (docs/format.md 8.1). Streams of liblmc 0.9 and before (LPC
// sent per block, one k per block) still decode.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "byte_io.h"
#include "model_runner.h"
#include "range_coder.h"
#include "stream_header.h"

namespace lmc {

constexpr int kAudioInputs = 20;
constexpr int kAudioSymbols = 64;

// What the model sees and codes for each modelled sample of a block: the
// training data of models/training/train_audio.py (lmc-audio-rows).
struct AudioRows {
    std::vector<int8_t> inputs; // kAudioInputs per row (the inputs are integers in -128..127)
    std::vector<uint8_t> symbol, k;
    std::vector<uint64_t> u;    // the zigzagged residual
};

class AudioCodec {
public:
    AudioCodec(const StreamHeader &header, std::shared_ptr<ModelRunner> runner);
    ~AudioCodec();

    // Interleaved samples of the stream's format (int16_t or int32_t).
    void encode(const void *samples, int nb_samples, std::vector<uint8_t> &packet);
    // Samples per channel in a packet (checks the packet).
    int packet_samples(const uint8_t *data, size_t size) const;
    void decode(const uint8_t *data, size_t size, void *samples, int max_samples);
    // Codes a block as encode() does and appends its modelled samples' rows.
    void training_rows(const void *samples, int n, AudioRows &rows);

    struct Channel;

private:
    void plan(const void *samples, int n, int c, Channel &ch) const;
    void range(int shift, int *lo, int *hi) const;
    class ChannelPrediction;
    std::vector<int32_t> residuals(const Channel &ch, const Channel *ch0) const;
    void predict_channel(Channel &ch, const Channel *ch0, int n) const;
    void write_block(const std::vector<Channel> &ch, int n, std::vector<uint8_t> &packet);
    static void channel_inputs(const std::vector<Channel> &ch, int c, int n, float *inputs, uint8_t *ks);
    static void encode_residual(RangeEncoder &enc, const uint32_t *g, uint32_t total, uint64_t u, int k);
    static uint64_t decode_residual(RangeDecoder &dec, const uint32_t *g, uint32_t total, int k);
    void decode_adaptive(ByteReader &r, int n, void *samples);
    void decode_lpc(ByteReader &r, int n, int16_t *samples);

    StreamHeader header_;
    const bool s32_;  // sample format
    const int bits_;  // bits a sample
    std::shared_ptr<ModelRunner> runner_;
    std::vector<Channel> block_;    // the last block encode() planned
    std::vector<int32_t> x_, e_[2]; // decode_lpc's state
    std::vector<float> inputs_;
    std::vector<int32_t> logits_;
};

// Model inputs for sample i of a channel (docs/format.md section 8).
void audio_context(const int32_t *e, const int32_t *e0, int i, int k, float *f);

} // namespace lmc
