// lmc_gen's learned coding (docs/format.md section 10): intra and inter frames
// of the C++ codec against the exact integer reference of the training code
// (gen_golden.py), thread counts, rate control, streams that start between
// keyframes, and damaged packets and models.
#include <cstring>
#include <fstream>
#include <map>

#include "conv_net.h"
#include "crc32.h"
#include "errors.h"
#include "sha256.h"
#include "test_support.h"

using namespace lmc_test;

namespace {

constexpr int X0 = 120, Y0 = 96, W = 160, H = 96;

struct Frame {
    std::vector<uint8_t> p[3];
    int strides[3] = {W, W / 2, W / 2};
    Frame()
    {
        p[0].resize(W * H);
        p[1].resize(W * H / 4);
        p[2].resize(W * H / 4);
    }
    std::string hash() const
    {
        std::vector<uint8_t> all;
        for (auto &v : p)
            all.insert(all.end(), v.begin(), v.end());
        return lmc::to_hex(lmc::sha256(all.data(), all.size()));
    }
};

Frame source_frame(int index = 0)
{
    Y4m clip = read_y4m(sample_path("vtest_384x288.y4m"));
    Frame f;
    auto &src = clip.frames.at(index);
    f.p[0] = crop(src[0], clip.width, X0, Y0, W, H);
    f.p[1] = crop(src[1], clip.width / 2, X0 / 2, Y0 / 2, W / 2, H / 2);
    f.p[2] = crop(src[2], clip.width / 2, X0 / 2, Y0 / 2, W / 2, H / 2);
    return f;
}

lmc_config gen_config(int quality, int threads = 1)
{
    lmc_config c = video_config(LMC_PIX_YUV420P, W, H);
    c.kind = LMC_KIND_GEN;
    c.max_error = 0;
    c.quality = quality;
    c.threads = threads;
    c.device = "cpu";
    return c;
}

lmc_tools::StreamFile encode(const lmc_config &cfg, const std::vector<Frame> &frames)
{
    lmc_codec *enc = nullptr;
    char err[512];
    EXPECT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_OK) << err;
    lmc_tools::StreamFile s;
    if (!enc)
        return s;
    const uint8_t *h;
    size_t hs;
    lmc_encoder_header(enc, &h, &hs);
    s.header.assign(h, h + hs);
    for (const Frame &f : frames) {
        const uint8_t *pkt;
        size_t size;
        int key = 0;
        const uint8_t *planes[3] = {f.p[0].data(), f.p[1].data(), f.p[2].data()};
        EXPECT_EQ(lmc_encode_video(enc, planes, f.strides, &pkt, &size, &key), LMC_OK) << lmc_codec_error(enc);
        EXPECT_EQ(key, cfg.keyint <= 1 || s.packets.size() % cfg.keyint == 0) << "frame " << s.packets.size();
        s.packets.emplace_back(pkt, pkt + size);
    }
    lmc_codec_close(&enc);
    return s;
}

// Decodes every packet; returns the status of the first failure (or LMC_OK) and the frames.
int decode(const lmc_tools::StreamFile &s, std::vector<Frame> *out, int threads = 1, std::string *error = nullptr)
{
    lmc_config opts;
    lmc_config_init(&opts);
    opts.threads = threads;
    opts.device = "cpu";
    lmc_codec *dec = nullptr;
    char err[512];
    int ret = lmc_decoder_open(&dec, s.header.data(), s.header.size(), &opts, nullptr, err, sizeof err);
    if (ret < 0) {
        if (error)
            *error = err;
        return ret;
    }
    for (auto &p : s.packets) {
        Frame f;
        uint8_t *planes[3] = {f.p[0].data(), f.p[1].data(), f.p[2].data()};
        ret = lmc_decode_video(dec, p.data(), p.size(), planes, f.strides);
        if (ret < 0) {
            if (error)
                *error = lmc_codec_error(dec);
            break;
        }
        out->push_back(f);
    }
    lmc_codec_close(&dec);
    return ret;
}

// k -> (bits, frame hash) from tests/data/golden_gen_intra.txt.
std::map<int, std::pair<double, std::string>> golden()
{
    std::ifstream f(data_path("golden_gen_intra.txt"));
    std::map<int, std::pair<double, std::string>> g;
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        int k;
        double bits;
        char frame[65];
        if (sscanf(line.c_str(), "k: %d | bits: %lf | frame: %64s", &k, &bits, frame) == 3)
            g[k] = {bits, frame};
    }
    return g;
}

// Per frame of golden_gen_inter.txt: the decoded frame's hash.
std::vector<std::string> golden_inter()
{
    std::ifstream f(data_path("golden_gen_inter.txt"));
    std::vector<std::string> g;
    std::string line;
    while (std::getline(f, line)) {
        int t;
        double bits;
        char frame[65];
        if (line[0] != '#' && sscanf(line.c_str(), "frame: %d | bits: %lf | frame: %64s", &t, &bits, frame) == 3)
            g.push_back(frame);
    }
    return g;
}

lmc_config inter_config(int quality, int keyint, int threads = 1)
{
    lmc_config c = gen_config(quality, threads);
    c.keyint = keyint;
    return c;
}

} // namespace

// The decoded frame equals the training code's integer reference, bit for
// bit, at the finest, the default and the coarsest quantiser; the packet
// holds what the model's tables say the symbols cost.
TEST(GenIntra, DecodesToTheIntegerReference)
{
    auto g = golden();
    ASSERT_EQ(g.size(), 3u);
    Frame src = source_frame();
    for (auto &[k, want] : g) {
        auto s = encode(gen_config(k), {src});
        std::vector<Frame> out;
        ASSERT_EQ(decode(s, &out), LMC_OK);
        EXPECT_EQ(out.at(0).hash(), want.second) << "k " << k;
        const double payload_bits = 8.0 * (s.packets[0].size() - 6);
        EXPECT_NEAR(payload_bits, want.first, 64 + want.first * 1e-3) << "k " << k;
    }
}

TEST(GenIntra, ThreadCountsGiveTheSameBytesAndFrames)
{
    std::vector<Frame> src = {source_frame(0), source_frame(1)};
    auto one = encode(gen_config(8, 1), src), two = encode(gen_config(8, 2), src);
    EXPECT_EQ(one.packets, two.packets);
    std::vector<Frame> a, b;
    ASSERT_EQ(decode(one, &a, 1), LMC_OK);
    ASSERT_EQ(decode(one, &b, 2), LMC_OK);
    ASSERT_EQ(a.size(), 2u);
    for (int i = 0; i < 2; i++)
        EXPECT_EQ(a[i].hash(), b[i].hash());
}

// Coarser quantisers spend fewer bits; a target bitrate picks per frame.
TEST(GenIntra, QualityAndBitrate)
{
    std::vector<Frame> src = {source_frame(0), source_frame(1), source_frame(2), source_frame(3)};
    size_t prev = SIZE_MAX;
    for (int k : {0, 8, 16, 24, 32}) {
        auto s = encode(gen_config(k), {src[0]});
        EXPECT_LT(s.packets[0].size(), prev) << "k " << k;
        prev = s.packets[0].size();
    }
    lmc_config cfg = gen_config(-1);
    const size_t target_bytes = encode(gen_config(14), {src[0]}).packets[0].size();
    cfg.bit_rate = (int64_t)(8 * target_bytes * 25);
    cfg.fps_num = 25;
    cfg.fps_den = 1;
    auto s = encode(cfg, src);
    size_t total = 0;
    for (auto &p : s.packets)
        total += p.size();
    EXPECT_NEAR((double)total / src.size(), (double)target_bytes, 0.25 * target_bytes);
    std::vector<Frame> out;
    EXPECT_EQ(decode(s, &out), LMC_OK);
    EXPECT_EQ(out.size(), src.size());
}

// A truncated packet, a packet whose payload was altered (and its CRC
// recomputed), an unknown quantiser: an error or a frame, never a crash.
TEST(GenIntra, DamagedPacketsFailCleanly)
{
    auto s = encode(gen_config(12), {source_frame()});
    const auto good = s.packets[0];
    std::vector<Frame> out;
    std::string error;
    s.packets[0].resize(good.size() - 3);
    EXPECT_EQ(decode(s, &out, 1, &error), LMC_ERR_INVALID_DATA);
    auto refresh_crc = [](std::vector<uint8_t> &p) {
        uint32_t c = lmc::crc32(p.data() + 4, p.size() - 4);
        for (int i = 0; i < 4; i++)
            p[i] = (uint8_t)(c >> (8 * i));
    };
    s.packets[0] = good;
    s.packets[0].resize(good.size() - 3);
    refresh_crc(s.packets[0]);
    EXPECT_EQ(decode(s, &out, 1, &error), LMC_ERR_INVALID_DATA) << "cut packet with a valid CRC";
    s.packets[0] = good;
    s.packets[0][5] = 33; // quantiser byte
    refresh_crc(s.packets[0]);
    EXPECT_EQ(decode(s, &out, 1, &error), LMC_ERR_INVALID_DATA);
    for (size_t at = 6; at < good.size(); at += good.size() / 40) { // 40 places through the packet
        s.packets[0] = good;
        s.packets[0][at] ^= 0x5a;
        refresh_crc(s.packets[0]);
        out.clear();
        int ret = decode(s, &out, 1, &error);
        EXPECT_TRUE(ret == LMC_OK || ret == LMC_ERR_INVALID_DATA) << ret;
    }
}

// A learned stream needs yuv420p and a gen model; a damaged gen model is refused when parsed.
TEST(GenIntra, RefusesWhatItCannotCode)
{
    lmc_config cfg = gen_config(12);
    cfg.pix_fmt = LMC_PIX_GRAY8;
    lmc_codec *enc = nullptr;
    char err[512];
    EXPECT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_ERR_UNSUPPORTED) << err;
    cfg = gen_config(40);
    EXPECT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_ERR_INVALID_ARG) << err;
    cfg = gen_config(12);
    std::string video = model_path("video-s.lmcm");
    cfg.model = video.c_str();
    EXPECT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_ERR_MODEL_INVALID) << err;
    auto bytes = read_bytes(model_path("gen-i.lmcm"));
    ASSERT_GT(bytes.size(), 1000u);
    auto model = lmc::parse_model(bytes, "gen-i.lmcm");
    ASSERT_TRUE(model->gen);
    EXPECT_EQ(model->gen->intra.y_tables.size(), (size_t)lmc::GenCoderModel::kScales);
    bytes[200] ^= 1; // a weight: the hash no longer matches
    EXPECT_THROW(lmc::parse_model(bytes, "damaged"), lmc::Error);
}

// I P P (format.md 10.3): the encoder's motion search, both sides' prediction
// and the inter networks equal the training code's integer reference frame
// by frame; so the encoder's reference is the decoder's, and the loop closes.
TEST(GenInter, DecodesToTheIntegerReference)
{
    auto want = golden_inter();
    ASSERT_EQ(want.size(), 3u);
    auto s = encode(inter_config(12, 3), {source_frame(0), source_frame(1), source_frame(2)});
    ASSERT_EQ(s.packets.size(), 3u);
    for (int t = 1; t < 3; t++)
        EXPECT_LT(s.packets[t].size(), s.packets[0].size()) << "frame " << t << ": an inter frame codes what changed";
    std::vector<Frame> out;
    ASSERT_EQ(decode(s, &out), LMC_OK);
    for (int t = 0; t < 3; t++)
        EXPECT_EQ(out.at(t).hash(), want[t]) << "frame " << t;
}

TEST(GenInter, ThreadCountsGiveTheSameBytesAndFrames)
{
    std::vector<Frame> src = {source_frame(0), source_frame(1), source_frame(2)};
    auto one = encode(inter_config(20, 8, 1), src), two = encode(inter_config(20, 8, 2), src);
    EXPECT_EQ(one.packets, two.packets);
    std::vector<Frame> a, b;
    ASSERT_EQ(decode(one, &a, 1), LMC_OK);
    ASSERT_EQ(decode(one, &b, 2), LMC_OK);
    ASSERT_EQ(a.size(), 3u);
    for (int i = 0; i < 3; i++)
        EXPECT_EQ(a[i].hash(), b[i].hash());
}

// A stream that starts at an inter frame (a cut, a seek) fails cleanly until
// its next keyframe, and from there decodes the frames a whole decode gives;
// a damaged inter frame leaves no reference behind, so the next one fails
// too instead of building on a wrong frame.
TEST(GenInter, StartsAtKeyframes)
{
    std::vector<Frame> src = {source_frame(0), source_frame(1), source_frame(2), source_frame(3)};
    auto s = encode(inter_config(12, 2), src); // I P I P
    std::vector<Frame> whole;
    ASSERT_EQ(decode(s, &whole), LMC_OK);
    lmc_codec *dec = nullptr;
    char err[512];
    ASSERT_EQ(lmc_decoder_open(&dec, s.header.data(), s.header.size(), nullptr, nullptr, err, sizeof err), LMC_OK);
    Frame f;
    uint8_t *planes[3] = {f.p[0].data(), f.p[1].data(), f.p[2].data()};
    EXPECT_EQ(lmc_decode_video(dec, s.packets[1].data(), s.packets[1].size(), planes, f.strides), LMC_ERR_INVALID_DATA);
    EXPECT_NE(std::string(lmc_codec_error(dec)).find("next keyframe"), std::string::npos) << lmc_codec_error(dec);
    for (int t = 2; t < 4; t++) {
        ASSERT_EQ(lmc_decode_video(dec, s.packets[t].data(), s.packets[t].size(), planes, f.strides), LMC_OK);
        EXPECT_EQ(f.hash(), whole[t].hash()) << "frame " << t;
    }
    std::vector<uint8_t> cut(s.packets[1].begin(), s.packets[1].end() - 4); // a damaged inter frame
    ASSERT_EQ(lmc_decode_video(dec, s.packets[0].data(), s.packets[0].size(), planes, f.strides), LMC_OK);
    EXPECT_EQ(lmc_decode_video(dec, cut.data(), cut.size(), planes, f.strides), LMC_ERR_INVALID_DATA);
    EXPECT_EQ(lmc_decode_video(dec, s.packets[1].data(), s.packets[1].size(), planes, f.strides), LMC_ERR_INVALID_DATA);
    lmc_codec_close(&dec);
}

// Damaged inter packets (bytes altered, CRC recomputed): an error or a frame, never a crash.
TEST(GenInter, DamagedPacketsFailCleanly)
{
    auto s = encode(inter_config(12, 2), {source_frame(0), source_frame(1)});
    const auto good = s.packets[1];
    for (size_t at = 5; at < good.size(); at += good.size() / 30) {
        s.packets[1] = good;
        s.packets[1][at] ^= 0x5a;
        uint32_t c = lmc::crc32(s.packets[1].data() + 4, s.packets[1].size() - 4);
        for (int i = 0; i < 4; i++)
            s.packets[1][i] = (uint8_t)(c >> (8 * i));
        std::vector<Frame> out;
        int ret = decode(s, &out);
        EXPECT_TRUE(ret == LMC_OK || ret == LMC_ERR_INVALID_DATA) << ret << " at " << at;
    }
}
