// lmc_gen's rate control: a constant quantiser (-q:v), or the quantiser of
// each frame chosen so that the clip's average bitrate meets a target
// (-b:v). The learned coder counts a quantiser's bits without coding
// (LearnedCodec::bits), so each frame takes the finest quantiser whose
// frame fits its budget: its share of the target, corrected by half of what
// earlier frames over- or underspent. A keyframe, which codes everything,
// takes up to kKeyframeShare frames' share, and the next kRepayFrames inter
// frames (or the keyframe interval's, if fewer) pay the extra back, so that
// any clip of that many frames or more meets the average.
#pragma once

#include <cstddef>
#include <cstdint>

#include "learned_codec.h"

namespace lmc {

class RateControl {
public:
    // bit_rate > 0: average bitrate in bits/s at fps_num / fps_den frames/s;
    // else every frame takes quality (0..32; below 0: the default). keyint:
    // frames per keyframe (1: every frame intra).
    RateControl(int64_t bit_rate, int fps_num, int fps_den, int quality, int keyint);
    int pick(const LearnedCodec &codec, const LearnedCodec::Analysis &a) const;
    void coded(size_t packet_bytes, bool inter);

    static constexpr int kDefaultQuality = 12;
    static constexpr double kKeyframeShare = 4;
    static constexpr int kRepayFrames = 6;

private:
    double share(bool inter) const; // the next frame's target

    double frame_bits_ = 0; // target per frame; 0 = constant quantiser
    int quality_;
    int repay_ = 0;          // inter frames after a keyframe that pay its extra share back
    double key_share_ = 1;   // a keyframe's target in frames
    int since_key_ = 0;      // frames coded since the last keyframe, it included
    double spent_ = 0, planned_ = 0; // bits of the packets so far, and the frames' shares
};

} // namespace lmc
