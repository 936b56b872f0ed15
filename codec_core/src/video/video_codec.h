// lmc_video (lossless) and lmc_gen (bounded-error) frame coding.
//
// Every sample gets a 256-symbol distribution over its residual against
// its base prediction (MED, or the motion-aligned previous frame in inter
// blocks) from the trained model; lmc_gen codes the residual quantised to
// bins of 2d+1 values with the bin's summed probability. Inter frames need
// the previous decoded frame: after a decode error only a keyframe restarts.
// The lossless encoder knows every sample and runs the model over the whole
// frame in large batches; decoders (and the lmc_gen encoder, whose context is
// the reconstruction) walk the wavefront schedule. Both orders code symbols
// identically (tested).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "adaptive_mix.h"
#include "low_bits.h"
#include "background.h"
#include "model_runner.h"
#include "references.h"
#include "network_adaptation.h"
#include "skip_blocks.h"
#include "value_calibration.h"
#include "worker_pool.h"
#include "stream_header.h"
#include "tiles.h"
#include "video_context.h"

namespace lmc {

// A video packet's framing (format.md 5), checked without decoding it:
// checksum, flags this stream kind may carry, and a keyframe large enough
// for the frame (bounded work per byte).
struct VideoPacket {
    const uint8_t *payload = nullptr;
    size_t payload_size = 0;
    uint8_t flags = 0;
    bool keyframe = false;
};
VideoPacket parse_video_packet(const StreamHeader &header, const uint8_t *data, size_t size);

class VideoCodec {
public:
    VideoCodec(const StreamHeader &header, std::shared_ptr<ModelRunner> runner);

    // keyframe: code without the previous frame (models of feature set 1
    // code every frame as a keyframe). Returns whether it did.
    bool encode(const uint8_t *const planes[], const int strides[], bool keyframe, std::vector<uint8_t> &packet);
    void decode(const uint8_t *data, size_t size, uint8_t *const planes[], const int strides[]);

    // Lossless only: code through the decoder's wavefront instead of the
    // batched pass (same bits; used by tests to prove it).
    bool encode_stepwise(const uint8_t *const planes[], const int strides[], bool keyframe,
                         std::vector<uint8_t> &packet);

    bool supports_inter() const { return inter_features_; }
    // Lossless encoder: fit the network's hidden biases to the clip and send
    // them where that pays (format.md 7.4): 0 never, 1 in keyframes, 2 also
    // in inter frames (smaller files, slower encoder).
    void set_adaptation(int level) { adapt_ = level; }
    // Lossless encoder: code through the value calibration (format.md 7.7;
    // on by default; off only to measure what it buys).
    void set_value_calibration(bool on) { calibration_on_ = on; }
    // Whether the last frame was coded through the value calibration.
    bool calibrated() const { return calibrate_; }
    // Whether the last frame was coded with adapted biases.
    bool adapted() const { return !frame_offsets_.empty(); }
    // Lossless encoder, streams with tool 256: how many earlier frames an
    // inter frame may take as its reference (1..16; format.md 7.9).
    void set_reference_limit(int n) { ref_limit_ = n; }
    // The distance of the reference the last inter frame aligned from.
    int reference_distance() const { return ref_distance_; }
    // Forget the previous frame (decoder flush after a seek).
    void reset_reference();

    // Samples that went through the model in the last frame (the others
    // were in skip blocks).
    size_t coded_samples() const { return coded_samples_; }
    // Motion blocks of the last frame aligned from the background reference.
    size_t background_blocks() const;

    // Lossless encoder: keep the bits each sample cost (-log2 of its share
    // of the table it was coded with) for bits_map(); samples in skip blocks
    // cost 0 there. For the lmc_map filter.
    void record_bits(bool on) { record_bits_ = on; }
    const std::vector<float> &bits_map(int p) const { return bits_[p]; }

    int plane_count() const { return nplanes_; }
    int plane_width(int p) const { return planes_[p].w; }
    int plane_height(int p) const { return planes_[p].h; }

private:
    void load_source(const uint8_t *const planes[], const int strides[]);
    bool encode_frame(const uint8_t *const planes[], const int strides[], bool keyframe, bool wavefront,
                      std::vector<uint8_t> &packet);
    void start_frame(bool inter);
    void estimate_and_align();
    void align_reference();
    void make_background_frames();
    void keep_reference();
    LowBitsReference low_bits_reference(int plane) const;
    void load_residuals();
    size_t encode_batched(int tile, class RangeEncoder &enc, bool pipelined);
    // One sample of a wavefront step that goes through the model.
    struct StepSample {
        int tile, p, x, y, P, ctx;
    };
    int tile_steps(int tile) const;
    int step_samples(int tile, int t, StepSample *out);
    void step_inputs(StepSample *s, int n, float *inputs) const;
    template <bool kEncode>
    void step_code(const StepSample *s, int n, const int32_t *logits, const uint8_t *indices,
                   class RangeEncoder *enc, class RangeDecoder *dec);
    template <bool kEncode>
    void code_wavefront(class RangeEncoder *const *enc, class RangeDecoder *const *dec);
    template <bool kEncode>
    void code_tile(int tile, class RangeEncoder *enc, class RangeDecoder *dec);
    void decode_frame(const uint8_t *data, size_t size);
    const TileRect &tile_rect(int tile, int p) const { return tile_rects_[(size_t)tile * kMaxPlanes + p]; }
    AdaptationSample collect_sample(size_t max_n, size_t *coded) const;
    bool choose_offsets();
    void choose_skip_quarters();

    StreamHeader header_;
    std::shared_ptr<ModelRunner> runner_;
    int nplanes_ = 0;
    bool record_bits_ = false;
    std::vector<float> bits_[kMaxPlanes];  // with record_bits: [h][w] per plane
    int ninputs_ = 0;
    bool inter_features_ = false; // the model is of feature set 3 or 4 (codes inter frames)
    // feature set 4: the adaptive stage gives keyframes contexts of their own (format.md 7.11)
    bool keyframe_contexts() const { return ninputs_ == kVideoInputsWide; }
    PlaneState planes_[kMaxPlanes];        // reconstruction (and source for the encoder)
    std::vector<uint8_t> source_[kMaxPlanes];
    int depth_ = 8;                             // bits per sample (format.md 7.8)
    bool subtract_green_ = false; // tool bit 9: planes 1 and 2 hold B - G + 128, R - G + 128 (7.10)
    std::vector<uint16_t> low_[kMaxPlanes];     // deep samples: the bits below the top 8
    ReferenceFrames refs_;              // the previous frame, or with tool 256 the GOP's last 16 (7.9)
    int ref_distance_ = 1;              // the inter frame being coded aligns from refs_ at this distance
    int ref_limit_ = kMaxReferences;    // encoder: set_reference_limit
    Background background_;             // running average since the keyframe
    std::vector<uint8_t> background_frame_[kMaxPlanes];
    int frames_since_key_ = 0;          // of the last frame kept as reference
    bool inter_ = false;          // the frame being coded is an inter frame
    MotionField motion_;
    SkipMap skip_;
    bool skip_blocks_ = false;    // this frame carries skip flags (lossless inter frames)
    bool background_ref_ = false; // this frame's blocks may use the background
    size_t coded_samples_ = 0;
    TileGrid tiles_;              // 1 x 1 in untiled streams (format.md 6.1)
    std::vector<TileRect> tile_rects_; // tile x kMaxPlanes
    bool adaptive_ = false;       // feature set 3: counts mixed in (format.md 7.1)
    std::vector<AdaptiveMixer> mixers_; // one per tile
    bool calibration_on_ = true;  // encoder: set_value_calibration
    bool calibrate_ = false;      // this frame goes through the value calibration (format.md 7.7)
    std::vector<ValueCalibration> calibration_; // tile x kMaxPlanes
    std::vector<float> inputs_;   // batch x ninputs_
    std::vector<int32_t> logits_;
    std::vector<uint8_t> indices_; // CUDA: the frequency-table indices of a step (freq_table.h)
    std::unique_ptr<WorkerPool> pool_; // the wavefront's per-step work
    int adapt_ = 0;                        // encoder: fit bias offsets (set_adaptation)
    std::vector<int8_t> last_key_offsets_; // encoder: the last keyframe's fit (a warm start)
    std::vector<int8_t> frame_offsets_;    // this frame's bias offsets (empty: none)
    std::vector<int8_t> inter_offsets_;    // offsets of the inter frames since the keyframe
    int offsets_age_ = 0;                  // encoder: inter frames since the offsets were chosen
    double last_fit_gain_ = 0;             // encoder: what the last inter refit saved on its sample
};

} // namespace lmc
