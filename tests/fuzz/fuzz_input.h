// The fuzz targets' input format, shared with the seed writer (fuzz_seeds.cpp).
// Structure-aware, as FFmpeg's target_dec_fuzzer is: the fuzzer mutates the
// packets, and the harness recomputes their CRC-32s (unless told not to), so
// mutations reach the decoders instead of stopping at the checksum.
//
//   u8  stream: index into kFuzzStreams (which header the harness writes)
//   u8  options: bit 0: keep the packets' CRCs as they are (test the check)
//                bit 1: the next byte replaces the header's tool bits
//                bit 2: reset the decoder halfway (a seek)
//  [u8  tools]
//   then packets, each u16 size (little-endian) + that many bytes
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "crc32.h"
#include "lmc/lmc.h"

namespace lmc_fuzz {

struct FuzzStream {
    int kind, pix_fmt, width, height, max_error; // video and gen
    int sample_rate, channels, block_size;       // audio
    int bit_depth = 8;                           // video: 9..16 in deep streams
    int tile_cols = 1, tile_rows = 1;            // video: tiled streams (format.md 6.1)
    int sample_fmt = LMC_SAMPLE_S16;             // audio
};

// Small frames keep a run at hundreds of inputs per second; every pixel
// format, both video kinds, odd sizes and mono, stereo and 5.1 audio, s16 and
// s32, are here.
inline const FuzzStream kFuzzStreams[] = {
    {LMC_KIND_VIDEO, LMC_PIX_GRAY8, 16, 16, 0, 0, 0, 0},
    {LMC_KIND_VIDEO, LMC_PIX_YUV420P, 32, 16, 0, 0, 0, 0},
    {LMC_KIND_VIDEO, LMC_PIX_YUV422P, 16, 8, 0, 0, 0, 0},
    {LMC_KIND_VIDEO, LMC_PIX_YUV444P, 8, 8, 0, 0, 0, 0},
    {LMC_KIND_VIDEO, LMC_PIX_GBRP, 17, 9, 0, 0, 0, 0},
    {LMC_KIND_GEN, LMC_PIX_YUV420P, 16, 16, 2, 0, 0, 0},
    {LMC_KIND_GEN, LMC_PIX_GRAY8, 24, 8, 1, 0, 0, 0},
    {LMC_KIND_VIDEO, LMC_PIX_GBRAP, 9, 7, 0, 0, 0, 0},
    {LMC_KIND_VIDEO, LMC_PIX_YUVA420P, 16, 8, 0, 0, 0, 0},
    {LMC_KIND_VIDEO, LMC_PIX_YUV420P, 16, 16, 0, 0, 0, 0, 10},
    {LMC_KIND_VIDEO, LMC_PIX_GRAY8, 8, 8, 0, 0, 0, 0, 16},
    {LMC_KIND_VIDEO, LMC_PIX_GRAY8, 128, 16, 0, 0, 0, 0, 8, 2, 1}, // two tiles, the smallest grid
    {LMC_KIND_GEN, LMC_PIX_YUV420P, 34, 18, 0, 0, 0, 0},           // the learned coding (max_error 0)
    {LMC_KIND_AUDIO, 0, 0, 0, 0, 16000, 1, 256},
    {LMC_KIND_AUDIO, 0, 0, 0, 0, 44100, 2, 128},
    {LMC_KIND_AUDIO, 0, 0, 0, 0, 48000, 6, 64},
    {LMC_KIND_AUDIO, 0, 0, 0, 0, 48000, 2, 64, 8, 1, 1, LMC_SAMPLE_S32},
};
constexpr int kFuzzStreamCount = sizeof(kFuzzStreams) / sizeof(kFuzzStreams[0]);
constexpr int kFuzzVideoStreams = 13; // the video and gen entries come first

enum : uint8_t { kKeepCrc = 1, kSetTools = 2, kSeek = 4 };

struct FuzzInput {
    int stream = 0;
    uint8_t options = 0, tools = 0;
    std::vector<std::vector<uint8_t>> packets;
};

inline FuzzInput parse_fuzz_input(const uint8_t *data, size_t size, bool audio)
{
    FuzzInput in;
    size_t pos = 0;
    auto byte = [&]() -> uint8_t { return pos < size ? data[pos++] : 0; };
    const uint8_t pick = byte();
    in.stream = audio ? kFuzzVideoStreams + pick % (kFuzzStreamCount - kFuzzVideoStreams) : pick % kFuzzVideoStreams;
    in.options = byte();
    if (in.options & kSetTools)
        in.tools = byte();
    while (pos + 2 <= size && in.packets.size() < 64) {
        size_t n = data[pos] | (size_t)data[pos + 1] << 8;
        pos += 2;
        n = std::min(n, size - pos);
        std::vector<uint8_t> p(data + pos, data + pos + n);
        pos += n;
        if (!(in.options & kKeepCrc) && p.size() >= 5) {
            uint32_t c = lmc::crc32(p.data() + 4, p.size() - 4);
            for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(c >> (8 * i));
        }
        in.packets.push_back(std::move(p));
    }
    return in;
}

inline void append_packet(std::vector<uint8_t> &out, const uint8_t *p, size_t n)
{
    out.push_back((uint8_t)n);
    out.push_back((uint8_t)(n >> 8));
    out.insert(out.end(), p, p + n);
}

} // namespace lmc_fuzz
