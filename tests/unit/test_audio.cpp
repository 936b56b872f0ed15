// lmc_audio block coding: real speech and music from samples/ plus the
// signals real files contain (silence, full-scale squares, clipping, noise),
// all decoded and compared.
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <cstring>
#include <random>

#include "audio_codec.h"
#include "errors.h"
#include "test_support.h"

using namespace lmc;
using namespace lmc_test;

namespace {

// Interleaved s16 samples of a PCM WAV file, and its channel count.
std::vector<int16_t> read_wav(const std::string &path, int *channels)
{
    std::vector<uint8_t> b = read_bytes(path);
    EXPECT_GT(b.size(), 44u) << path;
    *channels = b.size() > 24 ? b[22] : 1;
    size_t pos = 12;
    while (pos + 8 <= b.size()) {
        uint32_t len;
        memcpy(&len, &b[pos + 4], 4);
        if (memcmp(&b[pos], "data", 4) == 0) {
            len = std::min<uint32_t>(len, (uint32_t)(b.size() - pos - 8));
            std::vector<int16_t> s(len / 2);
            memcpy(s.data(), &b[pos + 8], s.size() * 2);
            return s;
        }
        pos += 8 + len + (len & 1);
    }
    return {};
}

std::shared_ptr<ModelRunner> audio_runner()
{
    static auto r = runner("audio-a.lmcm"); // the encoders' default
    return r;
}

StreamHeader audio_header(int channels, int block = 4096)
{
    StreamHeader h;
    h.kind = LMC_KIND_AUDIO;
    h.sample_rate = 16000;
    h.channels = channels;
    h.sample_fmt = LMC_SAMPLE_S16;
    h.block_size = block;
    h.tools = encoder_tools(LMC_KIND_AUDIO);
    return h;
}

// Codes the signal block by block; returns the total packet size.
size_t round_trip(const std::vector<int16_t> &pcm, int channels, int block = 4096)
{
    AudioCodec enc(audio_header(channels, block), audio_runner());
    AudioCodec dec(audio_header(channels, block), audio_runner());
    size_t total = 0, frames = pcm.size() / channels;
    std::vector<uint8_t> pkt;
    std::vector<int16_t> out((size_t)block * channels);
    for (size_t start = 0; start < frames; start += block) {
        int n = (int)std::min<size_t>(block, frames - start);
        enc.encode(&pcm[start * channels], n, pkt);
        EXPECT_EQ(dec.packet_samples(pkt.data(), pkt.size()), n);
        dec.decode(pkt.data(), pkt.size(), out.data(), block);
        EXPECT_EQ(0, memcmp(out.data(), &pcm[start * channels], (size_t)n * channels * 2)) << "block at " << start;
        total += pkt.size();
    }
    return total;
}

} // namespace

TEST(Audio, RealSpeechAndMusic)
{
    for (const char *name : {"speech_16k.wav", "music_stereo.wav"}) {
        int ch;
        std::vector<int16_t> pcm = read_wav(sample_path(name), &ch);
        ASSERT_GT(pcm.size(), 1000u) << name;
        size_t coded = round_trip(pcm, ch);
        EXPECT_LT(coded, pcm.size() * 2 * 3 / 4) << name << ": real audio must compress";
    }
}

TEST(Audio, HostileSignals)
{
    std::mt19937 rng(5);
    const int n = 5000;
    std::vector<std::vector<int16_t>> signals(6, std::vector<int16_t>(n * 2));
    for (int i = 0; i < n * 2; i++) {
        signals[0][i] = 0;                                             // digital silence
        signals[1][i] = (i / 2 / 50) % 2 ? 32767 : -32768;             // full-scale square
        signals[2][i] = (int16_t)std::clamp(40000.0 * std::sin(i * 0.01), -32768.0, 32767.0); // clipping
        signals[3][i] = (int16_t)(rng() & 0xFFFF);                     // full-scale white noise
        signals[4][i] = 1234;                                          // DC
        signals[5][i] = (int16_t)((rng() & 0xFF) << 8);                // zero low byte
    }
    for (auto &s : signals) {
        round_trip(s, 2);
        round_trip(std::vector<int16_t>(s.begin(), s.begin() + n), 1);
    }
    // White noise must not blow up beyond the raw size by much (the verbatim
    // mode); DC is a constant block; a zero low byte costs nothing (wasted bits).
    EXPECT_LT(round_trip(signals[3], 2), (size_t)n * 4 * 101 / 100);
    EXPECT_LT(round_trip(signals[4], 2), 64u);
    EXPECT_LT(round_trip(signals[0], 1), 64u);
    EXPECT_LT(round_trip(signals[5], 2), (size_t)n * 2 * 101 / 100);
}

// Up to LMC_MAX_CHANNELS channels, each after the first predicted with the
// first one's samples; channels of different modes in one block.
TEST(Audio, ManyChannels)
{
    const int n = 3000;
    for (int channels : {3, 6, LMC_MAX_CHANNELS}) {
        std::vector<int16_t> pcm((size_t)n * channels);
        for (int i = 0; i < n; i++)
            for (int c = 0; c < channels; c++)
                pcm[(size_t)i * channels + c] =
                    c == 2 ? 0 : (int16_t)((4000 / (c + 1)) * std::sin(i * 0.03 * (1 + c % 3)) + (i * 7 + c) % 5);
        size_t coded = round_trip(pcm, channels);
        EXPECT_LT(coded, pcm.size() * 2 / 2) << channels << " channels";
    }
}

// s32 (liblmc 0.10): 24-bit content is predicted (its 8 wasted bits shifted
// out), full 32-bit content goes verbatim; both exact, a channel of each in one block.
TEST(Audio, Samples32)
{
    StreamHeader h = audio_header(2, 8192);
    h.sample_fmt = LMC_SAMPLE_S32;
    h.sample_rate = 48000;
    AudioCodec enc(h, audio_runner()), dec(h, audio_runner());
    std::mt19937 rng(3);
    const int n = 8000;
    std::vector<int32_t> pcm((size_t)2 * n), out(pcm.size());
    for (int i = 0; i < n; i++) {
        const int32_t tone = (int32_t)(3000000 * std::sin(i * 0.01)) + (int32_t)(rng() % 2001) - 1000; // 24 bits
        pcm[2 * i] = tone * 256;
        pcm[2 * i + 1] = i % 2 ? INT32_MIN + (int32_t)(rng() & 0xffff) : (int32_t)rng(); // 32 bits
    }
    std::vector<uint8_t> pkt;
    enc.encode(pcm.data(), n, pkt);
    dec.decode(pkt.data(), pkt.size(), out.data(), 8192);
    EXPECT_EQ(pcm, out);
    // The 24-bit channel costs about what its noise does (about 10.5 bits a
    // sample), the 32-bit one its raw size.
    EXPECT_LT(pkt.size(), (size_t)n * (4 + 2));
    // Constant and silent s32 channels.
    std::fill(pcm.begin(), pcm.end(), -123456789);
    enc.encode(pcm.data(), n, pkt);
    dec.decode(pkt.data(), pkt.size(), out.data(), 8192);
    EXPECT_EQ(pcm, out);
    EXPECT_LT(pkt.size(), 64u);
}

TEST(Audio, OddLengths)
{
    std::vector<int16_t> pcm(2 * 4097);
    for (size_t i = 0; i < pcm.size(); i++)
        pcm[i] = (int16_t)(3000 * std::sin(i * 0.05) + (i % 7));
    for (int len : {1, 2, 3, 31, 4095, 4096, 4097}) {
        round_trip(std::vector<int16_t>(pcm.begin(), pcm.begin() + len), 1);
        round_trip(std::vector<int16_t>(pcm.begin(), pcm.begin() + 2 * len), 2);
    }
    round_trip(pcm, 1, 1); // one-sample blocks
}

TEST(Audio, CorruptPacketsAreInvalidData)
{
    int ch;
    std::vector<int16_t> pcm = read_wav(sample_path("speech_16k.wav"), &ch);
    ASSERT_GE(pcm.size(), 4096u);
    AudioCodec enc(audio_header(1), audio_runner()), dec(audio_header(1), audio_runner());
    std::vector<uint8_t> pkt;
    enc.encode(pcm.data(), 4096, pkt);
    std::vector<int16_t> out(4096);
    for (size_t at : {0ul, 5ul, 9ul, pkt.size() / 2, pkt.size() - 1}) {
        auto bad = pkt;
        bad[at] ^= 0x08;
        try {
            dec.decode(bad.data(), bad.size(), out.data(), 4096);
            ADD_FAILURE() << "corrupt packet decoded, flip at " << at;
        } catch (const Error &e) {
            EXPECT_EQ(e.status(), LMC_ERR_INVALID_DATA);
        }
    }
    try {
        dec.decode(pkt.data(), pkt.size() - 3, out.data(), 4096);
        ADD_FAILURE() << "truncated packet decoded";
    } catch (const Error &e) {
        EXPECT_EQ(e.status(), LMC_ERR_INVALID_DATA);
    }
}
