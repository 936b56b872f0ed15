#include "rate_control.h"

#include <algorithm>

#include "errors.h"

namespace lmc {

// Bits a packet spends beside its latents: the packet's CRC and flags, the
// quantiser byte and the range coder's flush.
constexpr double kPacketOverheadBits = 8 * (5 + 1 + 5);

RateControl::RateControl(int64_t bit_rate, int fps_num, int fps_den, int quality, int keyint)
    : quality_(quality < 0 ? kDefaultQuality : quality)
{
    if (quality > GenCoderModel::kMaxQuantiser)
        fail(LMC_ERR_INVALID_ARG, "lmc_gen quality (quantiser) must be 0..32");
    if (bit_rate > 0) {
        if (fps_num <= 0 || fps_den <= 0)
            fail(LMC_ERR_INVALID_ARG, "a target bitrate needs the frame rate");
        frame_bits_ = (double)bit_rate * fps_den / fps_num;
        repay_ = std::min(std::max(keyint, 1) - 1, kRepayFrames);
        key_share_ = std::min(kKeyframeShare, 1 + repay_ / 2.0);
    }
}

double RateControl::share(bool inter) const
{
    if (!inter)
        return key_share_ * frame_bits_;
    return since_key_ <= repay_ ? frame_bits_ * (1 - (key_share_ - 1) / repay_) : frame_bits_;
}

int RateControl::pick(const LearnedCodec &codec, const LearnedCodec::Analysis &a) const
{
    if (frame_bits_ <= 0)
        return quality_;
    const double debt = planned_ - spent_;
    const double target = share(a.inter);
    const double budget = std::clamp(target + 0.5 * debt, 0.25 * target, 4 * target) - kPacketOverheadBits;
    // bits(k) falls as k grows: the smallest k that fits, by bisection.
    int lo = 0, hi = GenCoderModel::kMaxQuantiser;
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (codec.bits(a, mid) <= budget)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void RateControl::coded(size_t packet_bytes, bool inter)
{
    spent_ += 8.0 * packet_bytes;
    planned_ += share(inter);
    since_key_ = inter ? since_key_ + 1 : 1;
}

} // namespace lmc
