// The versioned stream header stored as FFmpeg extradata (docs/format.md
// section 4). It pins the model by hash and carries the stream parameters.
#pragma once

#include <cstdint>
#include <vector>

#include "lmc/lmc.h"
#include "sha256.h"

namespace lmc {

// Coding tools a stream uses beyond those its packet flags name (format.md
// section 4, header version 2). A decoder that does not know a bit set here
// refuses the stream rather than decoding other samples.
enum StreamTool : uint32_t {
    kToolSharpLuma = 1, // quarter-sample reads of full-resolution planes use 4 taps (7.5)
    kToolFineSkip = 2,  // skip blocks that are no copy flag their 4x4 quarters (7.2)
    kToolFrameIndex = 4, // every packet names its place in its GOP (section 5)
    kToolDeepSamples = 8, // samples of 9-16 bits; the header holds the depth (7.8)
    kToolTiles = 16,      // frames cut into tiles with their own substreams (6.1); header version 3
    kToolAdaptiveAudio = 32, // audio: adaptive prediction and Rice parameter, channel modes (8.1)
    kToolLearned = 64,       // lmc_gen: frames coded by a learned model (section 10), max_error 0
    kToolLearnedInter = 128, // with kToolLearned: frames between keyframes are inter frames (10.3)
    kToolOlderReferences = 256, // lmc_video: inter frames name one of the GOP's last 16 frames (7.9)
    kToolSubtractGreen = 512,   // lmc_video, 8-bit gbrp/gbrap: B and R are coded as differences to G (7.10)
};
constexpr uint32_t kKnownTools = kToolSharpLuma | kToolFineSkip | kToolFrameIndex | kToolDeepSamples | kToolTiles |
                                 kToolAdaptiveAudio | kToolLearned | kToolLearnedInter | kToolOlderReferences |
                                 kToolSubtractGreen;

// The tools this liblmc's encoders use for a stream kind (enum lmc_kind).
inline uint32_t encoder_tools(int kind)
{
    switch (kind) {
    case LMC_KIND_VIDEO: return kToolSharpLuma | kToolFineSkip | kToolFrameIndex;
    case LMC_KIND_GEN: return kToolFrameIndex; // with max_error 0: kToolLearned instead
    case LMC_KIND_AUDIO: return kToolAdaptiveAudio;
    default: return 0;
    }
}

struct StreamHeader {
    bool learned() const { return kind == LMC_KIND_GEN && (tools & kToolLearned); }
    int kind = 0; // enum lmc_kind
    uint32_t tools = 0; // StreamTool bits; written as version 2 when non-zero
    Sha256 model_hash{};
    // video / gen
    int width = 0, height = 0, pix_fmt = 0, max_error = 0;
    int bit_depth = 8; // 9..16 with kToolDeepSamples
    int tile_cols = 1, tile_rows = 1; // with kToolTiles
    // audio
    int sample_rate = 0, channels = 0, sample_fmt = 0, block_size = 0;
};

// The version write_stream_header() writes: 1 while no tool is set, 3 with
// tiles (whose grid follows the depth), else 2.
inline int stream_header_version(const StreamHeader &h) { return h.tools & kToolTiles ? 3 : h.tools ? 2 : 1; }
std::vector<uint8_t> write_stream_header(const StreamHeader &h);
// Throws LMC_ERR_INVALID_DATA / LMC_ERR_UNSUPPORTED with a message.
StreamHeader parse_stream_header(const uint8_t *data, size_t size);
// Checks parameters (shared by encoder config and parsed headers).
void validate_stream_params(const StreamHeader &h);

} // namespace lmc
