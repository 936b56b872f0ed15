#include "audio_predictor.h"

#include <algorithm>

namespace lmc {

namespace {

constexpr int kDecay = 7;                 // R, b *= 1 - 2^-kDecay per sample
constexpr int kWeightShift = 16;  // weights in Q16
constexpr int64_t kMaxWeight = (int64_t)16 << kWeightShift;
constexpr int kSweeps = 2;

} // namespace

AudioPredictor::AudioPredictor(bool cross)
    : n_(kOrder + (cross ? kCrossInputs : 0)), in_(n_, 0), R_((size_t)n_ * n_, 0), b_(n_, 0), w_(n_, 0)
{
}

int64_t AudioPredictor::predict() const
{
    // |w| <= 2^20 and |in| <= 2^23 (s16 samples, or s32 ones with at least 8
    // wasted bits, format.md 8.1): each product <= 2^43, the sum of 18 < 2^48.
    int64_t s = 0;
    for (int i = 0; i < n_; i++)
        s += w_[i] * in_[i];
    return (s + ((int64_t)1 << (kWeightShift - 1))) >> kWeightShift;
}

void AudioPredictor::update(int64_t x)
{
    const int n = n_;
    // Inputs are samples below 2^23 in magnitude: products below 2^46, R and b
    // (which settle at 2^7 times a product) below 2^53.
    for (int i = 0; i < n; i++) {
        int64_t *row = &R_[(size_t)i * n];
        for (int j = 0; j <= i; j++)
            row[j] += in_[i] * in_[j] - (row[j] >> kDecay);
        b_[i] += in_[i] * x - (b_[i] >> kDecay);
    }
    // Gauss-Seidel on R w = b, in 128 bits (b << 16 and R w reach 2^78);
    // the diagonal gets 1 so that an all-zero input never divides by zero.
    for (int sweep = 0; sweep < kSweeps; sweep++)
        for (int i = 0; i < n; i++) {
            __int128 s = (__int128)b_[i] * ((__int128)1 << kWeightShift); // b_ may be negative: no <<
            for (int j = 0; j < n; j++)
                if (j != i)
                    s -= (__int128)(j < i ? R_[(size_t)i * n + j] : R_[(size_t)j * n + i]) * w_[j];
            const int64_t d = R_[(size_t)i * n + i] + 1;
            const __int128 q = s / d; // truncates toward zero
            w_[i] = (int64_t)std::clamp<__int128>(q, -kMaxWeight, kMaxWeight);
        }
    // Shift the history: the newest sample first; channel 0's current sample
    // (set_cross) becomes its previous one.
    for (int i = kOrder - 1; i > 0; i--)
        in_[i] = in_[i - 1];
    in_[0] = x;
    if (n > kOrder)
        in_[kOrder + 1] = in_[kOrder];
}

namespace {

constexpr int kLmsGuard = 16; // fraction bits of the per-sample gain

} // namespace

int64_t LmsStage::predict() const
{
    // Inputs below 2^25 (a sample's residual, less earlier stages' clamped
    // predictions), weights clamped to 2^20, 64 taps: the sum stays below 2^51.
    int64_t s = 0;
    for (int j = 0; j < taps_; j++)
        s += w_[j] * r_[j];
    constexpr int64_t kMax = (int64_t)1 << 17;
    return std::clamp<int64_t>((s + ((int64_t)1 << (kWeightShift - 1))) >> kWeightShift, -kMax, kMax);
}

void LmsStage::update(int64_t r, int64_t predicted)
{
    // w += mu * err * r_j / energy in Q16: g = err * 2^(16 - step + guard) / energy,
    // then (g * r_j) >> guard. |err| < 2^26 and energy >= r_j^2, so
    // |g * r_j| <= |err| * 2^(32 - step) * |r_j| / (r_j^2 + 1) < 2^58 for step >= 0,
    // and energy (64 squares below 2^50) stays below 2^56.
    const int64_t err = r - predicted;
    const int64_t g = (err * ((int64_t)1 << (kWeightShift - step_ + kLmsGuard))) / (energy_ + 1);
    for (int j = 0; j < taps_; j++)
        w_[j] = std::clamp<int64_t>(w_[j] + ((g * r_[j]) >> kLmsGuard), -kMaxWeight, kMaxWeight);
    energy_ -= r_[taps_ - 1] * r_[taps_ - 1];
    for (int j = taps_ - 1; j > 0; j--)
        r_[j] = r_[j - 1];
    r_[0] = r;
    energy_ += r * r;
}

// Two stages: 64 taps, then 16, both at mu = 2^-3. Chosen on the val split
// and a sixth of the train split (not the test split), against one stage of
// 32 taps: 16 kHz speech -9.3% against FLAC -8 (-8.2), 8 kHz -11.7 (-10.2),
// music -2.5 (-2.8); 256 taps first, or a third stage, did no better.
LmsCascade::LmsCascade()
{
    stages_.emplace_back(64, 3);
    stages_.emplace_back(16, 3);
    p_.assign(stages_.size(), 0);
}

int64_t LmsCascade::predict()
{
    int64_t s = 0;
    for (size_t k = 0; k < stages_.size(); k++)
        s += p_[k] = stages_[k].predict();
    return s;
}

void LmsCascade::update(int64_t r)
{
    // Stage k sees what stages 0..k-1 left of r.
    for (size_t k = 0; k < stages_.size(); k++) {
        stages_[k].update(r, p_[k]);
        r -= p_[k];
    }
}

} // namespace lmc
