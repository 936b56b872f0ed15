// lmc_gen's rate control: a constant quantiser (-q:v), or the quantiser of
// each frame chosen so that the clip's average bitrate meets a target
// (-b:v). The learned coder counts a quantiser's bits without coding
// (LearnedIntraCodec::bits), so each frame takes the finest quantiser whose
// frame fits its budget: the per-frame share of the target, corrected by
// half of what earlier frames over- or underspent.
#pragma once

#include <cstddef>
#include <cstdint>

#include "learned_intra.h"

namespace lmc {

class RateControl {
public:
    // bit_rate > 0: average bitrate in bits/s at fps_num / fps_den frames/s;
    // else every frame takes quality (0..32; below 0: the default).
    RateControl(int64_t bit_rate, int fps_num, int fps_den, int quality);
    int pick(const LearnedIntraCodec &codec, const LearnedIntraCodec::Analysis &a) const;
    void coded(size_t packet_bytes);

    static constexpr int kDefaultQuality = 12;

private:
    double frame_bits_ = 0; // target per frame; 0 = constant quantiser
    int quality_;
    double spent_ = 0;      // bits of the packets so far
    int64_t frames_ = 0;
};

} // namespace lmc
