// Our versioned model file (*.lmcm, docs/format.md section 3): version 1
// holds an integer MLP with int8 weights, int32 biases and per-layer
// power-of-two shifts (lmc_video, lmc_audio), version 2 lmc_gen's learned
// intra codec (conv_net.h, section 10) or the lmc_restore filter's network
// (section 11); all closed by the SHA-256 of
// everything before it, which is the model's name in streams.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "conv_net.h"
#include "sha256.h"

namespace lmc {

enum ModelKind : uint32_t { kModelVideo = 1, kModelAudio = 2, kModelGen = 3, kModelRestore = 4 };
enum FeatureSet : uint32_t { kFeaturesVideoV1 = 1, kFeaturesAudioV1 = 2, kFeaturesVideoV3 = 3, kFeaturesVideoV4 = 4 };

// Video models of these feature sets code keyframes and inter frames (format.md 7, 7.11).
inline bool codes_inter_frames(uint32_t feature_set)
{
    return feature_set == kFeaturesVideoV3 || feature_set == kFeaturesVideoV4;
}
// Version-2 files (kinds gen and restore) number their feature sets on their own.
constexpr uint32_t kFeaturesGenIntraV1 = 1, kFeaturesGenInterV1 = 2, kFeaturesRestoreV1 = 1;

struct ModelLayer {
    int in = 0, out = 0, shift = 0;
    bool hidden = false;        // hidden: clamp to [0,127]; output: logits
    std::vector<int8_t> weight; // [out][in]
    std::vector<int32_t> bias;  // [out]
};

struct Model {
    uint32_t kind = 0, feature_set = 0;
    int inputs = 0, outputs = 0;
    std::string name, path;
    std::vector<ModelLayer> layers;              // version 1
    std::shared_ptr<const GenModel> gen;    // version 2, kind gen
    std::shared_ptr<const RestoreModel> restore; // version 2, kind restore
    Sha256 hash{};      // identity: SHA-256 of the file less its last 32 bytes (= those bytes)
    Sha256 file_hash{}; // SHA-256 of the whole file, as sha256sum prints it
};

// "a video", "an audio", "a gen (learned lossy)", "a restoration" (for messages).
const char *model_kind_name(uint32_t kind);

// Parses and validates a model image (hash, structure, exactness bound).
std::shared_ptr<const Model> parse_model(const std::vector<uint8_t> &bytes, const std::string &path);
std::shared_ptr<const Model> load_model_file(const std::string &path);

// The hash a model file claims (its last 32 bytes), without validating it.
bool peek_model_hash(const std::string &path, Sha256 *hash);

} // namespace lmc
