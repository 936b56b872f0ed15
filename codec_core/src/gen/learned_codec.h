// lmc_gen's learned coding (docs/format.md section 10): a frame goes through
// the analysis network to latents y and hyper-latents z; z is coded with
// per-channel tables, the hyper-synthesis turns it into a mean and a scale
// index for every latent, and y is coded as its offset from the mean in steps
// of the frame's quantiser q_k; the synthesis network turns the decoded
// latents back into samples. An inter frame (10.3) first sends block motion;
// its networks see the previous decoded frame aligned by it and code a
// correction of that prediction. Every number on the decoder's side is an
// integer (conv_runner.h), so CPU and CUDA decode the same frames, and the
// reference an inter frame reads is the same on every machine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <torch/torch.h>
#include <vector>

#include "conv_runner.h"
#include "motion.h"
#include "stream_header.h"
#include "worker_pool.h"

namespace lmc {

// A learned frame's packet (format.md 5 and 10): the keyframe flag or none
// (an inter frame), a payload of at least the quantiser byte.
struct LearnedPacket {
    const uint8_t *payload;
    size_t size;
    bool keyframe;
};
LearnedPacket parse_learned_packet(const uint8_t *data, size_t size);

class LearnedCodec {
public:
    // header: a yuv420p lmc_gen stream with the learned tool; model: a gen model
    // (with an inter coder when the stream has kToolLearnedInter).
    LearnedCodec(const StreamHeader &header, std::shared_ptr<const GenModel> model, const std::string &device,
                 int threads);

    // Encoder, in steps so that rate control can try quantisers cheaply:
    // analyse() runs the networks once (an inter frame first finds its motion
    // against the reference), bits() counts what quantiser k would cost,
    // write() codes the payload with it, and with keep_reference decodes the
    // frame as the decoder will, for the next inter frame.
    struct Analysis {
        bool inter = false;
        MotionField motion;        // inter frames
        double motion_bits = 0;    // what the vectors cost
        torch::Tensor pred;        // inter frames: the prediction's 6 planes (on the runner's device)
        std::vector<int32_t> y4, mu2, idx, z; // latents [M][h][w] (quarter units), means, scale indices; z [Z][h'][w']
    };
    bool has_inter() const { return inter_.model != nullptr; }
    bool has_reference() const { return !ref_[0].empty(); }
    Analysis analyse(const uint8_t *const planes[], const int strides[], bool inter) const;
    double bits(const Analysis &a, int k) const;
    void write(const Analysis &a, int k, std::vector<uint8_t> &payload, bool keep_reference);

    // Decoder: one packet into the planes; the frame becomes the reference.
    // A packet that fails leaves none: inter frames then fail until the next
    // keyframe rather than build on the wrong frame.
    void decode(const uint8_t *data, size_t size, uint8_t *const planes[], const int strides[]);
    void drop_reference();

    int padded_width() const { return pw_; }
    int padded_height() const { return ph_; }

    // A latent table as the coder uses it: entries -T..T and the escape.
    struct Table {
        int T = 0;
        std::vector<uint32_t> freq, cum; // cum: n + 1 running sums, cum[n] = total
        uint32_t total = 0;
        std::vector<float> cost; // bits of each entry (the escape's includes its raw bits)
    };

private:
    // One coder's model, its tables and the index of its first network in runner_.
    struct Coder {
        const GenCoderModel *model = nullptr;
        std::vector<Table> y_tables, z_tables;
        int nets = 0; // g_a, h_a, h_s, g_s are runner_'s nets + 0..3
    };
    enum Net { kAnalysis, kHyperAnalysis, kHyperSynthesis, kSynthesis };
    static Coder make_coder(const GenCoderModel *model, int first_net);
    const Coder &coder(bool inter) const { return inter ? inter_ : intra_; }
    // The symbol the encoder codes for a latent with step q256, and what the decoder rebuilds from it.
    static int symbol(int32_t y4, int32_t mu2, int q256);
    static int reconstruct(int sym, int32_t mu2, int q256);
    template <typename Fn>
    void each_value(const Analysis &a, int k, Fn &&fn) const;
    // The prediction of an inter frame: the reference aligned by mf, as 6 half planes.
    torch::Tensor predict(const MotionField &mf) const;
    // Latents (half units) through the synthesis, plus the prediction for an inter frame: the frame's 6 planes.
    torch::Tensor synthesise(const Coder &c, const torch::Tensor &y2, const torch::Tensor &pred) const;
    void decode_frame(const LearnedPacket &p, uint8_t *const planes[], const int strides[]);
    void set_reference(const uint8_t *const planes[], const int strides[]);

    StreamHeader header_;
    std::shared_ptr<const GenModel> model_;
    ConvRunner runner_;
    Coder intra_, inter_;
    int pw_, ph_; // padded luma size: multiples of 64
    mutable WorkerPool pool_; // the motion search's rows
    std::vector<uint8_t> ref_[3]; // the previous decoded frame's Y, U, V (width x height, chroma halved up)
};

} // namespace lmc
