// lmc_video (lossless) and lmc_gen (bounded-error) frame coding.
//
// Every sample gets a 256-symbol distribution over its residual against
// the MED prediction from the trained model; lmc_gen codes the residual
// quantised to bins of 2d+1 values with the bin's summed probability.
// The lossless encoder knows every sample and runs the model over the whole
// frame in large batches; decoders (and the lmc_gen encoder, whose context is
// the reconstruction) walk the wavefront schedule. Both orders code symbols
// identically (tested).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model_runner.h"
#include "stream_header.h"
#include "video_context.h"

namespace lmc {

class VideoCodec {
public:
    VideoCodec(const StreamHeader &header, std::shared_ptr<ModelRunner> runner);

    void encode(const uint8_t *const planes[], const int strides[], std::vector<uint8_t> &packet);
    void decode(const uint8_t *data, size_t size, uint8_t *const planes[], const int strides[]);

    // Lossless only: code through the decoder's wavefront instead of the
    // batched pass (same bits; used by tests to prove it).
    void encode_stepwise(const uint8_t *const planes[], const int strides[], std::vector<uint8_t> &packet);

    int plane_count() const { return nplanes_; }
    int plane_width(int p) const { return planes_[p].w; }
    int plane_height(int p) const { return planes_[p].h; }

private:
    void load_source(const uint8_t *const planes[], const int strides[]);
    void encode_batched(std::vector<uint8_t> &payload);
    template <bool kEncode>
    void code_wavefront(class RangeEncoder *enc, class RangeDecoder *dec);

    StreamHeader header_;
    std::shared_ptr<ModelRunner> runner_;
    int nplanes_ = 0;
    PlaneState planes_[3];       // reconstruction (and source for the encoder)
    std::vector<uint8_t> source_[3];
    std::vector<float> inputs_;  // batch x kVideoInputs
    std::vector<int32_t> logits_;
};

} // namespace lmc
