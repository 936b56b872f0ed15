// lmc_audio: lossless audio in independent blocks (one packet each).
// Per block and channel, LPC whose coefficients travel in the packet removes
// the predictable part; the trained model then gives the distribution of the
// residual's high part (v = zigzag(e) >> k, with an escape) from the past
// residuals and, for the second channel, the first channel's residual at the
// same instant. The low k bits are sent raw.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model_runner.h"
#include "stream_header.h"

namespace lmc {

constexpr int kAudioInputs = 20;
constexpr int kAudioSymbols = 64;

class AudioCodec {
public:
    AudioCodec(const StreamHeader &header, std::shared_ptr<ModelRunner> runner);

    void encode(const int16_t *samples, int nb_samples, std::vector<uint8_t> &packet);
    // Samples per channel in a packet (checks the packet).
    int packet_samples(const uint8_t *data, size_t size) const;
    void decode(const uint8_t *data, size_t size, int16_t *samples, int max_samples);

private:
    struct Channel;
    static void analyse(const int32_t *x, int n, Channel &ch);

    StreamHeader header_;
    std::shared_ptr<ModelRunner> runner_;
    std::vector<int32_t> x_, e_[2]; // decoder state
    std::vector<float> inputs_;
    std::vector<int32_t> logits_;
};

// Model inputs for sample i of a channel (docs/format.md section 8).
void audio_context(const int32_t *e, const int32_t *e0, int i, int k, float *f);
// Rice parameter of a block from its zigzagged residuals.
int audio_rice_k(const int32_t *e, int n);

} // namespace lmc
