#include "rate_control.h"

#include <algorithm>

#include "errors.h"

namespace lmc {

// Bits a packet spends beside its latents: the packet's CRC and flags, the
// quantiser byte and the range coder's flush.
constexpr double kPacketOverheadBits = 8 * (5 + 1 + 5);

RateControl::RateControl(int64_t bit_rate, int fps_num, int fps_den, int quality)
    : quality_(quality < 0 ? kDefaultQuality : quality)
{
    if (quality > GenIntraModel::kMaxQuantiser)
        fail(LMC_ERR_INVALID_ARG, "lmc_gen quality (quantiser) must be 0..32");
    if (bit_rate > 0) {
        if (fps_num <= 0 || fps_den <= 0)
            fail(LMC_ERR_INVALID_ARG, "a target bitrate needs the frame rate");
        frame_bits_ = (double)bit_rate * fps_den / fps_num;
    }
}

int RateControl::pick(const LearnedIntraCodec &codec, const LearnedIntraCodec::Analysis &a) const
{
    if (frame_bits_ <= 0)
        return quality_;
    const double debt = frame_bits_ * frames_ - spent_;
    const double budget = std::clamp(frame_bits_ + 0.5 * debt, 0.25 * frame_bits_, 4 * frame_bits_) -
                          kPacketOverheadBits;
    // bits(k) falls as k grows: the smallest k that fits, by bisection.
    int lo = 0, hi = GenIntraModel::kMaxQuantiser;
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (codec.bits(a, mid) <= budget)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void RateControl::coded(size_t packet_bytes)
{
    spent_ += 8.0 * packet_bytes;
    frames_++;
}

} // namespace lmc
