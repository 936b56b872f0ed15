// lmc_gen's learned intra coding (docs/format.md section 10): a frame goes
// through the analysis network to latents y and hyper-latents z; z is coded
// with per-channel tables, the hyper-synthesis turns it into a mean and a
// scale index for every latent, and y is coded as its offset from the mean
// in steps of the frame's quantiser q_k; the synthesis network turns the
// decoded latents back into samples. Every number on the decoder's side is an
// integer (conv_runner.h), so CPU and CUDA decode the same frame.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <torch/torch.h>
#include <vector>

#include "conv_runner.h"
#include "stream_header.h"

namespace lmc {

// A learned frame's packet (format.md 5 and 10): keyframe flag only, a payload of at least the quantiser byte.
struct LearnedPacket {
    const uint8_t *payload;
    size_t size;
};
LearnedPacket parse_learned_packet(const uint8_t *data, size_t size);

class LearnedIntraCodec {
public:
    // header: a yuv420p lmc_gen stream with the learned tool; model: a gen model.
    LearnedIntraCodec(const StreamHeader &header, std::shared_ptr<const GenIntraModel> model,
                      const std::string &device, int threads);

    // Encoder, in two steps so that rate control can try quantisers cheaply:
    // analyse() runs the networks once, then bits() counts what quantiser k
    // would cost and write() codes the frame's payload with it.
    struct Analysis {
        std::vector<int32_t> y4, mu2, idx, z; // latents [M][h][w] (quarter units), means, scale indices; z [Z][h'][w']
    };
    Analysis analyse(const uint8_t *const planes[], const int strides[]) const;
    double bits(const Analysis &a, int k) const;
    void write(const Analysis &a, int k, std::vector<uint8_t> &payload) const;

    // Decoder: one packet payload (after the packet flags) into the planes.
    void decode(const uint8_t *payload, size_t size, uint8_t *const planes[], const int strides[]) const;

    int padded_width() const { return pw_; }
    int padded_height() const { return ph_; }

private:
    struct Table {
        int T = 0;
        std::vector<uint32_t> freq, cum;
        uint32_t total = 0;
        std::vector<float> cost; // bits of each entry (the escape's includes its raw bits)
    };
    // The symbol the encoder codes for a latent with step q256, and what the decoder rebuilds from it.
    static int symbol(int32_t y4, int32_t mu2, int q256);
    template <typename Fn>
    void each_value(const Analysis &a, int k, Fn &&fn) const;
    static int reconstruct(int sym, int32_t mu2, int q256);

    enum Net { kAnalysis, kHyperAnalysis, kHyperSynthesis, kSynthesis }; // runner_'s nets
    StreamHeader header_;
    std::shared_ptr<const GenIntraModel> model_;
    ConvRunner runner_;
    std::vector<Table> y_tables_, z_tables_;
    int pw_, ph_; // padded luma size: multiples of 64
};

} // namespace lmc
