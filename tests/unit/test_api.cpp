// The C API as FFmpeg uses it: errors come back as codes with messages
// (never exceptions), models are found by the hash in the stream header, and
// golden streams written by earlier builds still decode to the same bits.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "crc32.h"
#include "lmc/lmc.h"
#include "references.h"
#include "sha256.h"
#include "stream_header.h"
#include "test_support.h"

using namespace lmc_test;

namespace {

using Stream = lmc_tools::StreamFile;

// Decodes a stream through the C API; returns the SHA-256 of all output.
std::string decode_hash(const Stream &s, const char *model_dir = nullptr, int *status = nullptr,
                        std::string *message = nullptr)
{
    lmc_config opts, info;
    lmc_config_init(&opts);
    opts.model_dir = model_dir;
    lmc_codec *dec = nullptr;
    char err[512];
    int ret = lmc_decoder_open(&dec, s.header.data(), s.header.size(), &opts, &info, err, sizeof err);
    EXPECT_EQ(ret, LMC_OK) << err;
    if (ret < 0)
        return "";
    std::vector<uint8_t> all;
    for (auto &p : s.packets) {
        if (info.kind == LMC_KIND_AUDIO) {
            int n = lmc_audio_packet_samples(dec, p.data(), p.size());
            std::vector<int16_t> out(std::max(n, 1) * info.channels);
            ret = n < 0 ? n : lmc_decode_audio(dec, p.data(), p.size(), out.data(), n);
            all.insert(all.end(), (uint8_t *)out.data(), (uint8_t *)(out.data() + out.size()));
        } else {
            int cw = info.pix_fmt == LMC_PIX_YUV420P ? info.width / 2 : info.width;
            int ch = info.pix_fmt == LMC_PIX_YUV420P ? info.height / 2 : info.height;
            std::vector<uint8_t> planes[3] = {std::vector<uint8_t>((size_t)info.width * info.height),
                                              std::vector<uint8_t>((size_t)cw * ch),
                                              std::vector<uint8_t>((size_t)cw * ch)};
            uint8_t *out[3] = {planes[0].data(), planes[1].data(), planes[2].data()};
            int strides[3] = {info.width, cw, cw};
            ret = lmc_decode_video(dec, p.data(), p.size(), out, strides);
            int np = info.pix_fmt == LMC_PIX_GRAY8 ? 1 : 3;
            for (int i = 0; i < np; i++)
                all.insert(all.end(), planes[i].begin(), planes[i].end());
        }
        if (ret < 0)
            break;
    }
    if (status)
        *status = ret;
    if (message)
        *message = lmc_codec_error(dec);
    lmc_codec_close(&dec);
    return lmc::to_hex(lmc::sha256(all.data(), all.size()));
}

} // namespace

TEST(Api, RoundTripThroughCApi)
{
    Stream s = encode_video(LMC_KIND_VIDEO, LMC_PIX_YUV420P, 2);
    ASSERT_EQ(s.packets.size(), 2u);
    int status;
    decode_hash(s, nullptr, &status);
    EXPECT_EQ(status, LMC_OK);
}

// A decoder fails when it opens, once, naming the file it needs (and its
// sha256sum for a shipped model) and where it looked.
TEST(Api, MissingModelFailsAtOpenNamingTheFile)
{
    Stream s = encode_video(LMC_KIND_VIDEO, LMC_PIX_GRAY8, 1);
    lmc_config opts;
    lmc_config_init(&opts);
    opts.model_dir = "/nonexistent-model-dir";
    lmc_codec *dec = nullptr;
    char err[1024] = "";
    EXPECT_EQ(lmc_decoder_open(&dec, s.header.data(), s.header.size(), &opts, nullptr, err, sizeof err),
              LMC_ERR_MODEL_NOT_FOUND);
    EXPECT_EQ(dec, nullptr);
    std::string msg = err;
    EXPECT_NE(msg.find("video-s.lmcm"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/nonexistent-model-dir"), std::string::npos) << msg;
    auto file = read_bytes(model_path("video-s.lmcm"));
    EXPECT_NE(msg.find(lmc::to_hex(lmc::sha256(file.data(), file.size()))), std::string::npos) << msg;

    // A model this liblmc never shipped is named by its last 32 bytes.
    auto other = s.header;
    other[8] ^= 1;
    uint32_t crc = lmc::crc32(other.data(), other.size() - 4);
    memcpy(&other[other.size() - 4], &crc, 4);
    EXPECT_EQ(lmc_decoder_open(&dec, other.data(), other.size(), nullptr, nullptr, err, sizeof err),
              LMC_ERR_MODEL_NOT_FOUND);
    EXPECT_NE(std::string(err).find(lmc::to_hex(*(const lmc::Sha256 *)&other[8])), std::string::npos) << err;
}

TEST(Api, BadModelFilesAreClearErrors)
{
    lmc_config cfg = video_config(LMC_PIX_GRAY8, 16, 16);
    lmc_codec *enc = nullptr;
    char err[512] = "";
    cfg.model = "/nonexistent/model.lmcm";
    EXPECT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_ERR_MODEL_NOT_FOUND);
    EXPECT_NE(std::string(err).find("/nonexistent/model.lmcm"), std::string::npos) << err;
    EXPECT_EQ(enc, nullptr);
    std::string audio = model_path("audio-s.lmcm");
    cfg.model = audio.c_str(); // right file format, wrong kind
    EXPECT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_ERR_MODEL_INVALID) << err;
    std::string truncated = std::string(::testing::TempDir()) + "/truncated.lmcm";
    std::vector<uint8_t> b = read_bytes(model_path("video-s.lmcm"));
    std::ofstream(truncated, std::ios::binary).write((const char *)b.data(), b.size() / 2);
    cfg.model = truncated.c_str();
    EXPECT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_ERR_MODEL_INVALID) << err;
}

TEST(Api, AbsurdDimensionsAndBadHeaders)
{
    lmc_codec *c = nullptr;
    char err[512] = "";
    for (auto [w, h] : {std::pair{0, 10}, {20000, 16}, {16384, 16384}, {-5, 5}}) {
        lmc_config cfg = video_config(LMC_PIX_GRAY8, w, h);
        EXPECT_EQ(lmc_encoder_open(&c, &cfg, err, sizeof err), LMC_ERR_UNSUPPORTED) << w << "x" << h;
    }
    lmc_config odd = video_config(LMC_PIX_YUV420P, 15, 16);
    EXPECT_EQ(lmc_encoder_open(&c, &odd, err, sizeof err), LMC_ERR_UNSUPPORTED);
    lmc_config bad_fmt = video_config(99, 16, 16);
    EXPECT_EQ(lmc_encoder_open(&c, &bad_fmt, err, sizeof err), LMC_ERR_UNSUPPORTED);

    Stream s = encode_video(LMC_KIND_VIDEO, LMC_PIX_GRAY8, 1);
    EXPECT_EQ(lmc_decoder_open(&c, nullptr, 0, nullptr, nullptr, err, sizeof err), LMC_ERR_INVALID_DATA);
    for (size_t len = 0; len < s.header.size(); len += 7)
        EXPECT_EQ(lmc_decoder_open(&c, s.header.data(), len, nullptr, nullptr, err, sizeof err),
                  LMC_ERR_INVALID_DATA) << len;
    auto huge = s.header;
    uint32_t side = 20000;
    memcpy(&huge[40], &side, 4);
    memcpy(&huge[44], &side, 4);
    uint32_t crc = lmc::crc32(huge.data(), huge.size() - 4);
    memcpy(&huge[huge.size() - 4], &crc, 4);
    EXPECT_EQ(lmc_decoder_open(&c, huge.data(), huge.size(), nullptr, nullptr, err, sizeof err),
              LMC_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err).find("20000x20000"), std::string::npos) << err;
    EXPECT_EQ(c, nullptr);
}

// The stream header's tool set (format.md 4): lmc_video streams name the
// Catmull-Rom luma reads, fine skip blocks and frame indices in a version 2
// header, lmc_gen ones frame indices only.
// A tool this liblmc does not know, or one in a stream kind that has none, is
// refused with a clear error instead of decoding other samples.
TEST(Api, StreamToolsAreNamedAndChecked)
{
    Stream video = encode_video(LMC_KIND_VIDEO, LMC_PIX_GRAY8, 2);
    Stream gen = encode_video(LMC_KIND_GEN, LMC_PIX_GRAY8, 1);
    EXPECT_EQ(video.header[4], 2);
    EXPECT_EQ(video.header[6] | video.header[7] << 8, (int)(lmc::kToolSharpLuma | lmc::kToolFineSkip |
                                                             lmc::kToolFrameIndex | lmc::kToolOlderReferences));
    EXPECT_EQ(gen.header[4], 2);
    EXPECT_EQ(gen.header[6] | gen.header[7] << 8, (int)lmc::kToolFrameIndex);
    EXPECT_NE(decode_hash(gen), "");
    auto with_tools = [](std::vector<uint8_t> h, int version, int tools) {
        h[4] = (uint8_t)version;
        h[6] = (uint8_t)tools;
        h[7] = (uint8_t)(tools >> 8);
        uint32_t crc = lmc::crc32(h.data(), h.size() - 4);
        memcpy(&h[h.size() - 4], &crc, 4);
        return h;
    };
    lmc_codec *c = nullptr;
    char err[512] = "";
    std::vector<uint8_t> unknown = with_tools(video.header, 2, 0x8001);
    EXPECT_EQ(lmc_decoder_open(&c, unknown.data(), unknown.size(), nullptr, nullptr, err, sizeof err),
              LMC_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(err).find("coding tools"), std::string::npos) << err;
    std::vector<uint8_t> gen_tool = with_tools(gen.header, 2, 1);
    EXPECT_EQ(lmc_decoder_open(&c, gen_tool.data(), gen_tool.size(), nullptr, nullptr, err, sizeof err),
              LMC_ERR_INVALID_DATA);
    std::vector<uint8_t> newer = with_tools(video.header, 4, 1);
    EXPECT_EQ(lmc_decoder_open(&c, newer.data(), newer.size(), nullptr, nullptr, err, sizeof err),
              LMC_ERR_UNSUPPORTED);
    EXPECT_EQ(c, nullptr);
    // Version 1 has no tools whatever its reserved field holds: the stream
    // decodes with bilinear reads, so this one's moving frame comes out
    // different (or fails), never crashes.
    Stream bilinear = video;
    bilinear.header = with_tools(video.header, 1, 1);
    EXPECT_NE(decode_hash(bilinear), decode_hash(video));
}

// Older references (format.md 7.9, liblmc 0.14): a loop's repeats align from
// the frames they repeat, 16 frames back at most; with refs 1 the stream is
// the 0.13 format (no tool bit, previous frame only). Both decode to the
// source, and a packet naming a frame its GOP does not have is refused.
TEST(Api, OlderReferencesFindALoop)
{
    const int frames = 12, loop = 4, W = 64, H = 48;
    Stream older = encode_video(LMC_KIND_VIDEO, LMC_PIX_YUV420P, frames, W, H, 200, 100, 30, 1, 0, 0, loop);
    Stream previous = encode_video(LMC_KIND_VIDEO, LMC_PIX_YUV420P, frames, W, H, 200, 100, 30, 1, 0, 1, loop);
    EXPECT_EQ((older.header[6] | older.header[7] << 8) & lmc::kToolOlderReferences, lmc::kToolOlderReferences);
    EXPECT_EQ((previous.header[6] | previous.header[7] << 8) & lmc::kToolOlderReferences, 0);
    std::vector<uint8_t> source;
    for (int i = 0; i < frames; i++)
        for (auto &p : lmc_test::clip_crop(LMC_PIX_YUV420P, i, W, H, 200, 100, loop))
            source.insert(source.end(), p.begin(), p.end());
    const std::string want = lmc::to_hex(lmc::sha256(source.data(), source.size()));
    EXPECT_EQ(decode_hash(older), want);
    EXPECT_EQ(decode_hash(previous), want);
    size_t older_bytes = 0, previous_bytes = 0;
    for (int i = loop; i < frames; i++) { // the repeats: packets 5 and on name the frame 4 back
        EXPECT_EQ(older.packets[i][6], loop) << "packet " << i;
        older_bytes += older.packets[i].size();
        previous_bytes += previous.packets[i].size();
    }
    EXPECT_LT(older_bytes * 4, previous_bytes) << older_bytes << " against " << previous_bytes;
    // Packet 4 names the frame 5 back: its GOP has 4 frames before it.
    Stream bad = older;
    bad.packets[4][6] = 5;
    uint32_t crc = lmc::crc32(bad.packets[4].data() + 4, bad.packets[4].size() - 4);
    memcpy(bad.packets[4].data(), &crc, 4);
    int status = 0;
    std::string message;
    decode_hash(bad, nullptr, &status, &message);
    EXPECT_EQ(status, LMC_ERR_INVALID_DATA);
    EXPECT_NE(message.find("frame 5 back"), std::string::npos) << message;
    // Huge frames keep fewer references (at most 256 MB of them): 1080p 4:2:0 keeps 16.
    EXPECT_EQ(lmc::reference_capacity(1920 * 1080 * 3 / 2), 16);
    EXPECT_EQ(lmc::reference_capacity(100u << 20), 2);
    EXPECT_EQ(lmc::reference_capacity(1000u << 20), 1);
}

// Golden streams: written once (LMC_WRITE_GOLDEN=1) and then frozen. A
// change that breaks them breaks every file users have.
static void check_golden(const char *name, const Stream &fresh)
{
    std::string path = data_path((std::string("golden_") + name + ".lmcs").c_str());
    std::string hash_path = path + ".sha256";
    if (getenv("LMC_WRITE_GOLDEN")) {
        lmc_tools::write_stream_file(path, fresh);
        std::ofstream(hash_path) << decode_hash(fresh) << "\n";
    }
    Stream golden;
    EXPECT_TRUE(lmc_tools::read_stream_file(path, &golden)) << path;
    std::string want;
    std::ifstream(hash_path) >> want;
    ASSERT_FALSE(golden.packets.empty()) << "missing golden stream " << path;
    EXPECT_EQ(decode_hash(golden), want) << name;
    EXPECT_EQ(fresh.header, golden.header) << name << ": the encoder's header changed";
    EXPECT_EQ(fresh.packets, golden.packets) << name << ": the encoder's output changed";
}

TEST(Api, GoldenVideoStreams)
{
    check_golden("video_yuv420p", encode_video(LMC_KIND_VIDEO, LMC_PIX_YUV420P, 3));
    check_golden("video_gray", encode_video(LMC_KIND_VIDEO, LMC_PIX_GRAY8, 2));
    check_golden("gen_yuv420p", encode_video(LMC_KIND_GEN, LMC_PIX_YUV420P, 2));
    // lmc_gen's learned coding (liblmc 0.13, model gen-ip; I P P): integer
    // networks on both sides, so its bytes are frozen too.
    check_golden("learned_yuv420p", encode_video(LMC_KIND_GEN, LMC_PIX_YUV420P, 3, 64, 48, 200, 100, 8, 1, 0));
}

// Packets with adapted networks (format.md 7.4, liblmc 0.4): a frozen stream
// of a 192x144 crop keeps decoding to the same frames. Only its decoding is
// frozen: the fit is float arithmetic, so encoders on other machines may
// choose other offsets (and write other, equally valid, bytes).
TEST(Api, GoldenAdaptedVideoStream)
{
    std::string path = data_path("golden_adapted_video_yuv420p.lmcs");
    if (getenv("LMC_WRITE_GOLDEN")) {
        Stream fresh = encode_video(LMC_KIND_VIDEO, LMC_PIX_YUV420P, 3, 192, 144, 96, 72);
        lmc_tools::write_stream_file(path, fresh);
        std::ofstream(path + ".sha256") << decode_hash(fresh) << "\n";
    }
    Stream golden;
    ASSERT_TRUE(lmc_tools::read_stream_file(path, &golden)) << path;
    ASSERT_EQ(golden.packets.size(), 3u);
    EXPECT_EQ(golden.packets[0][4] & 8, 8) << "the keyframe carries offsets";
    std::string want;
    std::ifstream(path + ".sha256") >> want;
    EXPECT_EQ(decode_hash(golden), want);
}

// Older streams still decode to the same frames: LMC 0.1 (intra-only model
// video-s1, feature set 1), LMC 0.2 (feature set 3, inter frames without
// skip blocks), LMC 0.3 / 0.4 (whole-sample vectors), LMC 0.5 (no value
// calibration), LMC 0.6 (bilinear quarter-sample reads of luma) and LMC
// 0.7 (packets without their frame index); lmc_gen's learned coding of
// liblmc 0.11 and 0.12 (every frame intra, model gen-i); the feature set 3
// networks of 0.13 and 0.14.
TEST(Api, OlderGoldenVideoStreamsStillDecode)
{
    for (std::string name : {"v1_video_yuv420p", "v1_video_gray", "v1_gen_yuv420p", "v2_video_yuv420p",
                             "v2_video_gray", "v3_video_yuv420p", "v3_video_gray", "v5_video_yuv420p",
                             "v5_video_gray", "v6_video_yuv420p", "v6_video_gray", "v7_video_yuv420p",
                             "v7_video_gray", "v7_gen_yuv420p", "v12_learned_yuv420p", "v13_video_yuv420p",
                             "v13_video_gray", "v13_gen_yuv420p", "v14_video_yuv420p", "v14_video_gray",
                             "v14_gen_yuv420p"}) {
        std::string path = data_path(("golden_" + name + ".lmcs").c_str());
        Stream golden;
        ASSERT_TRUE(lmc_tools::read_stream_file(path, &golden)) << path;
        std::string want;
        std::ifstream(path + ".sha256") >> want;
        EXPECT_EQ(decode_hash(golden), want) << name;
    }
}

// Audio streams of liblmc 0.9 and before (LPC sent per block, format.md 8).
TEST(Api, OlderGoldenAudioStreamStillDecodes)
{
    const std::string path = data_path("golden_v9_audio_stereo.lmcs");
    Stream golden;
    ASSERT_TRUE(lmc_tools::read_stream_file(path, &golden)) << path;
    std::string want;
    std::ifstream(path + ".sha256") >> want;
    EXPECT_EQ(decode_hash(golden), want);
}

TEST(Api, GoldenAudioStream)
{
    std::vector<uint8_t> wav = read_bytes(sample_path("music_stereo.wav"));
    ASSERT_GT(wav.size(), 44u + 4 * 6000);
    lmc_config cfg;
    lmc_config_init(&cfg);
    cfg.kind = LMC_KIND_AUDIO;
    cfg.sample_rate = 44100;
    cfg.channels = 2;
    cfg.sample_fmt = LMC_SAMPLE_S16;
    lmc_codec *enc = nullptr;
    char err[512];
    ASSERT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_OK) << err;
    Stream s;
    const uint8_t *h;
    size_t hs;
    lmc_encoder_header(enc, &h, &hs);
    s.header.assign(h, h + hs);
    // Skip the WAV header generously (44+ bytes); the content only needs to be fixed.
    const int16_t *pcm = (const int16_t *)(wav.data() + 1024);
    for (int n : {4096, 1000}) {
        const uint8_t *pkt;
        size_t size;
        ASSERT_EQ(lmc_encode_audio(enc, pcm, n, &pkt, &size), LMC_OK) << lmc_codec_error(enc);
        s.packets.emplace_back(pkt, pkt + size);
        pcm += 2 * n;
    }
    lmc_codec_close(&enc);
    check_golden("audio_stereo", s);
}

// The bits map (liblmc 0.11, for the lmc_map filter): what each sample cost,
// summing to about the packet's size; refused before a frame or without the option.
TEST(Api, BitsMapSumsToThePacket)
{
    Y4m clip = read_y4m(sample_path("vtest_384x288.y4m"));
    const int W = 128, H = 96;
    lmc_config cfg = video_config(LMC_PIX_YUV420P, W, H);
    cfg.bits_map = 1;
    cfg.tile_cols = cfg.tile_rows = 1;
    lmc_codec *enc = nullptr;
    char err[512];
    ASSERT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_OK) << err;
    std::vector<float> map(W * H);
    EXPECT_EQ(lmc_encoder_bits_map(enc, 0, map.data(), W), LMC_ERR_INVALID_ARG);
    auto &src = clip.frames.at(0);
    std::vector<std::vector<uint8_t>> planes = {crop(src[0], clip.width, 100, 80, W, H),
                                                crop(src[1], clip.width / 2, 50, 40, W / 2, H / 2),
                                                crop(src[2], clip.width / 2, 50, 40, W / 2, H / 2)};
    const uint8_t *in[3] = {planes[0].data(), planes[1].data(), planes[2].data()};
    int strides[3] = {W, W / 2, W / 2};
    const uint8_t *pkt;
    size_t size;
    ASSERT_EQ(lmc_encode_video(enc, in, strides, &pkt, &size, nullptr), LMC_OK);
    double bits = 0;
    for (int p = 0; p < 3; p++) {
        const int w = p ? W / 2 : W, h = p ? H / 2 : H;
        std::vector<float> m((size_t)w * h, -1);
        ASSERT_EQ(lmc_encoder_bits_map(enc, p, m.data(), w), LMC_OK);
        for (float v : m) {
            EXPECT_GE(v, 0.0f);
            bits += v;
        }
    }
    EXPECT_NEAR(bits / 8, (double)size, 0.02 * size + 64);
    EXPECT_EQ(lmc_encoder_bits_map(enc, 3, map.data(), W), LMC_ERR_INVALID_ARG);
    lmc_codec_close(&enc);
}
