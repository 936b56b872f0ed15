// Value calibration (docs/format.md section 7.7). The network predicts a
// residual against a base prediction, so it cannot know that this camera
// makes some sample values rarer than their neighbours: an 8-bit gamma or
// gain table leaves a comb in the histogram (the ViSP clip ellipse-1: value
// 241 at 0.63 of its neighbours' mean, 242 at 1.46), and it moves from frame
// to frame with the exposure. Per plane and frame, this stage counts the
// values coded so far against the counts the model expected, and from every
// 512th sample on multiplies each symbol's frequency by that ratio for the
// value it stands for. All integer, in coding order, so both sides agree.
#pragma once

#include <cstdint>

namespace lmc {

class ValueCalibration {
public:
    static constexpr int kRefresh = 512; // coded samples between refreshes of the ratios

    ValueCalibration() { reset(); }
    // Start of a plane of a new frame: no ratios yet.
    void reset();
    // Whether apply() changes anything yet (before the first refresh it does not).
    bool active() const { return active_; }

    // out[s] for residual symbols s of a sample with base prediction P, whose
    // value is (P + s) & 255, from f[s] (each < 2^16, total <= 2^16); returns
    // out's total (<= 2^16, every out[s] >= 1). Only when active().
    uint32_t apply(const uint32_t *f, int P, uint32_t *out) const;

    // Records that the sample with base prediction P and frequencies f
    // (those given to apply) had value x.
    void update(const uint32_t *f, int P, int x);

private:
    void refresh();

    uint32_t seen_[256];      // coded samples of each value
    // The model's expected count of each value (the sum of its frequencies;
    // every total is near 2^16): pending_ since the last refresh, value v in v
    // and v + 256 (kRefresh * 2^16 fits 32 bits), then folded into expected_.
    uint32_t pending_[512];
    uint64_t expected_[256];
    uint32_t ratio_[512];     // seen / expected of value v in v and v + 256, 2^-11 units
    uint32_t samples_ = 0;
    bool active_ = false;
};

} // namespace lmc
