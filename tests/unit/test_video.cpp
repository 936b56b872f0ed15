// lmc_video / lmc_gen frame coding on real frames (samples/vtest, a
// pedestrian scene from a static camera): every encode is decoded and
// compared; the batched encoder and the wavefront give the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "errors.h"
#include "packet.h"
#include "test_support.h"
#include "value_calibration.h"
#include "video_codec.h"

using namespace lmc;
using namespace lmc_test;

namespace {

struct Frame {
    int pix_fmt, w, h;
    std::vector<std::vector<uint8_t>> planes;
    std::vector<int> widths;
};

// A real crop of the sample clip (96x64 unless asked) in the requested format.
Frame real_frame(int pix_fmt, int index = 0, int W = 96, int H = 64, int x0 = 160, int y0 = 120)
{
    static Y4m clip = read_y4m(sample_path("vtest_384x288.y4m"));
    EXPECT_FALSE(clip.frames.empty());
    const auto &src = clip.frames.at(index);
    Frame f{pix_fmt, W, H, {}, {}};
    auto Y = crop(src[0], clip.width, x0, y0, W, H);
    auto U = crop(src[1], clip.width / 2, x0 / 2, y0 / 2, W / 2, H / 2);
    auto V = crop(src[2], clip.width / 2, x0 / 2, y0 / 2, W / 2, H / 2);
    auto up = [&](const std::vector<uint8_t> &c, int sx, int sy) {
        std::vector<uint8_t> o((size_t)(W / sx) * (H / sy));
        for (int y = 0; y < H / sy; y++)
            for (int x = 0; x < W / sx; x++)
                o[(size_t)y * (W / sx) + x] = c[(size_t)(y * sy / 2) * (W / 2) + x * sx / 2];
        return o;
    };
    switch (pix_fmt) {
    case LMC_PIX_GRAY8: f.planes = {Y}; f.widths = {W}; break;
    case LMC_PIX_YUV420P: f.planes = {Y, U, V}; f.widths = {W, W / 2, W / 2}; break;
    case LMC_PIX_YUV422P: f.planes = {Y, up(U, 2, 1), up(V, 2, 1)}; f.widths = {W, W / 2, W / 2}; break;
    case LMC_PIX_YUV444P: f.planes = {Y, up(U, 1, 1), up(V, 1, 1)}; f.widths = {W, W, W}; break;
    case LMC_PIX_GBRP: {
        // BT.601 full-range conversion of the real frame to RGB: the kind of
        // data RGB input (coded as gbrp) has.
        auto u = up(U, 1, 1), v = up(V, 1, 1);
        std::vector<uint8_t> G(W * H), B(W * H), R(W * H);
        for (int i = 0; i < W * H; i++) {
            int c = Y[i], d = u[i] - 128, e = v[i] - 128;
            R[i] = (uint8_t)std::clamp(c + (359 * e >> 8), 0, 255);
            G[i] = (uint8_t)std::clamp(c - ((88 * d + 183 * e) >> 8), 0, 255);
            B[i] = (uint8_t)std::clamp(c + (454 * d >> 8), 0, 255);
        }
        f.planes = {G, B, R};
        f.widths = {W, W, W};
        break;
    }
    case LMC_PIX_YUVA420P:
    case LMC_PIX_YUVA444P:
    case LMC_PIX_GBRAP:
        // The colour planes of the format without alpha, and a matte keyed
        // from the scene's luma: opaque, clear and soft edges between.
        f = real_frame(pix_fmt == LMC_PIX_YUVA420P ? LMC_PIX_YUV420P
                       : pix_fmt == LMC_PIX_YUVA444P ? LMC_PIX_YUV444P : LMC_PIX_GBRP,
                       index, W, H, x0, y0);
        f.pix_fmt = pix_fmt;
        std::vector<uint8_t> A(Y.size());
        for (size_t i = 0; i < A.size(); i++)
            A[i] = (uint8_t)std::clamp((Y[i] - 90) * 6, 0, 255);
        f.planes.push_back(A);
        f.widths.push_back(W);
        break;
    }
    return f;
}

StreamHeader header_for(const Frame &f, int kind = LMC_KIND_VIDEO, int max_error = 0)
{
    StreamHeader h;
    h.kind = kind;
    h.width = f.w;
    h.height = f.h;
    h.pix_fmt = f.pix_fmt;
    h.max_error = max_error;
    h.tools = encoder_tools(kind); // as lmc_encoder_open writes it
    return h;
}

struct Io {
    std::vector<const uint8_t *> in;
    std::vector<uint8_t *> out;
    std::vector<int> strides;
    std::vector<std::vector<uint8_t>> decoded;
    explicit Io(Frame &f)
    {
        for (size_t p = 0; p < f.planes.size(); p++) {
            in.push_back(f.planes[p].data());
            strides.push_back(f.widths[p]);
            decoded.emplace_back(f.planes[p].size(), 0);
        }
        for (auto &d : decoded)
            out.push_back(d.data());
    }
};

// Decodes packet p into io; LMC_OK, or the status of the error it raised.
int decode_status(VideoCodec &dec, const std::vector<uint8_t> &p, Io &io)
{
    try {
        dec.decode(p.data(), p.size(), io.out.data(), io.strides.data());
        return LMC_OK;
    } catch (const Error &e) {
        return e.status();
    }
}

std::shared_ptr<ModelRunner> video_runner()
{
    static auto r = runner("video-s.lmcm");
    return r;
}

class VideoRoundTrip : public ::testing::TestWithParam<int> {};

} // namespace

TEST_P(VideoRoundTrip, LosslessBatchedEqualsWavefrontAndDecodes)
{
    Frame f = real_frame(GetParam());
    Io io(f);
    VideoCodec enc(header_for(f), video_runner()), dec(header_for(f), video_runner());
    std::vector<uint8_t> batched, stepwise;
    enc.encode(io.in.data(), io.strides.data(), true, batched);
    enc.encode_stepwise(io.in.data(), io.strides.data(), true, stepwise);
    EXPECT_EQ(batched, stepwise);
    dec.decode(batched.data(), batched.size(), io.out.data(), io.strides.data());
    EXPECT_EQ(io.decoded, f.planes);
    size_t raw = 0;
    for (auto &p : f.planes)
        raw += p.size();
    EXPECT_LT(batched.size(), raw) << "a real frame must compress";
}

TEST_P(VideoRoundTrip, GenStaysWithinMaxError)
{
    Frame f = real_frame(GetParam());
    Io io(f);
    size_t lossless_size;
    {
        VideoCodec enc(header_for(f), video_runner());
        std::vector<uint8_t> pkt;
        enc.encode(io.in.data(), io.strides.data(), true, pkt);
        lossless_size = pkt.size();
    }
    for (int d : {1, 4}) {
        VideoCodec enc(header_for(f, LMC_KIND_GEN, d), video_runner());
        VideoCodec dec(header_for(f, LMC_KIND_GEN, d), video_runner());
        std::vector<uint8_t> pkt;
        enc.encode(io.in.data(), io.strides.data(), true, pkt);
        dec.decode(pkt.data(), pkt.size(), io.out.data(), io.strides.data());
        int worst = 0;
        for (size_t p = 0; p < f.planes.size(); p++)
            for (size_t i = 0; i < f.planes[p].size(); i++)
                worst = std::max(worst, std::abs(f.planes[p][i] - io.decoded[p][i]));
        EXPECT_LE(worst, d);
        EXPECT_GE(worst, 1) << "a lossy mode that is lossless wastes bits";
        EXPECT_LT(pkt.size(), lossless_size);
    }
}

INSTANTIATE_TEST_SUITE_P(PixelFormats, VideoRoundTrip,
                         ::testing::Values(LMC_PIX_GRAY8, LMC_PIX_YUV420P, LMC_PIX_YUV422P,
                                           LMC_PIX_YUV444P, LMC_PIX_GBRP, LMC_PIX_YUVA420P,
                                           LMC_PIX_YUVA444P, LMC_PIX_GBRAP));

// Subtract-green (format.md 7.10, liblmc 0.14): 8-bit RGB coded as G, B - G
// and R - G decodes to the source, keyframes and inter frames, with and
// without alpha, and costs less than the planes as they are. The header
// check refuses the tool outside 8-bit gbrp and gbrap.
TEST(Video, SubtractGreenIsLosslessAndSmaller)
{
    for (int pix_fmt : {LMC_PIX_GBRP, LMC_PIX_GBRAP}) {
        size_t bytes[2] = {};
        for (bool transform : {false, true}) {
            Frame f0 = real_frame(pix_fmt, 0), f1 = real_frame(pix_fmt, 1);
            StreamHeader h = header_for(f0);
            if (transform)
                h.tools |= kToolSubtractGreen;
            VideoCodec enc(h, video_runner()), dec(h, video_runner());
            for (Frame *f : {&f0, &f1}) {
                Io io(*f);
                std::vector<uint8_t> pkt;
                enc.encode(io.in.data(), io.strides.data(), f == &f0, pkt);
                bytes[transform] += pkt.size();
                ASSERT_EQ(decode_status(dec, pkt, io), LMC_OK);
                EXPECT_EQ(io.decoded, f->planes) << "pix_fmt " << pix_fmt << (transform ? " subtract-green" : "");
            }
        }
        EXPECT_LT(bytes[1], bytes[0]) << "pix_fmt " << pix_fmt;
    }
    StreamHeader h = header_for(real_frame(LMC_PIX_YUV444P));
    h.tools |= kToolSubtractGreen;
    EXPECT_THROW(validate_stream_params(h), Error);
}

TEST(Video, CorruptAndTruncatedPacketsAreInvalidData)
{
    Frame f = real_frame(LMC_PIX_YUV420P);
    Io io(f);
    VideoCodec enc(header_for(f), video_runner()), dec(header_for(f), video_runner());
    std::vector<uint8_t> pkt;
    enc.encode(io.in.data(), io.strides.data(), true, pkt);
    auto status = [&](const std::vector<uint8_t> &p) { return decode_status(dec, p, io); };
    for (size_t at : {0ul, 4ul, 5ul, pkt.size() / 2, pkt.size() - 1}) {
        auto bad = pkt;
        bad[at] ^= 0x20;
        EXPECT_EQ(status(bad), LMC_ERR_INVALID_DATA) << "flip at " << at;
    }
    for (size_t len : {0ul, 3ul, 5ul, pkt.size() / 2, pkt.size() - 1})
        EXPECT_EQ(status(std::vector<uint8_t>(pkt.begin(), pkt.begin() + len)), LMC_ERR_INVALID_DATA);
    EXPECT_EQ(status(pkt), LMC_OK);
    EXPECT_EQ(io.decoded, f.planes) << "a good packet after bad ones still decodes";
}

// Packets with a valid checksum but flags that do not belong: a flag this
// build does not know, the value calibration (7.7) in an lmc_gen stream, and
// a lossless packet whose calibration flag was cleared (it then decodes to
// other samples or fails, but never crashes or hangs).
TEST(Video, FlagsThatDoNotBelongAreInvalidData)
{
    Frame f = real_frame(LMC_PIX_YUV420P);
    Io io(f);
    auto status = [&](VideoCodec &dec, const std::vector<uint8_t> &p) { return decode_status(dec, p, io); };
    auto with_flags = [](std::vector<uint8_t> p, uint8_t flags) {
        p[kPacketFlagsAt] = flags;
        end_packet(p);
        return p;
    };
    VideoCodec enc(header_for(f), video_runner()), dec(header_for(f), video_runner());
    std::vector<uint8_t> pkt;
    enc.encode(io.in.data(), io.strides.data(), true, pkt);
    ASSERT_EQ(pkt[kPacketFlagsAt] & kPacketCalibrated, kPacketCalibrated);
    EXPECT_EQ(status(dec, with_flags(pkt, pkt[kPacketFlagsAt] | 128)), LMC_ERR_INVALID_DATA);
    int cleared = status(dec, with_flags(pkt, pkt[kPacketFlagsAt] & ~kPacketCalibrated));
    EXPECT_TRUE(cleared == LMC_OK || cleared == LMC_ERR_INVALID_DATA);
    if (cleared == LMC_OK)
        EXPECT_NE(io.decoded, f.planes) << "the flag must matter";
    EXPECT_EQ(status(dec, pkt), LMC_OK);
    EXPECT_EQ(io.decoded, f.planes);

    VideoCodec gen(header_for(f, LMC_KIND_GEN, 2), video_runner()), gen_dec(header_for(f, LMC_KIND_GEN, 2), video_runner());
    std::vector<uint8_t> lossy;
    gen.encode(io.in.data(), io.strides.data(), true, lossy);
    EXPECT_EQ(lossy[kPacketFlagsAt] & kPacketCalibrated, 0) << "lmc_gen never calibrates";
    EXPECT_EQ(status(gen_dec, with_flags(lossy, lossy[kPacketFlagsAt] | kPacketCalibrated)), LMC_ERR_INVALID_DATA);
    EXPECT_EQ(status(gen_dec, lossy), LMC_OK);
}

// Tiles (format.md 6.1): a 192x128 crop cut 3 x 2, a keyframe and two
// inter frames. The batched encoder and the wavefront write the same bits;
// one- and two-thread decoders (each thread walking whole tiles) read them
// back exactly; lmc_gen's tiles keep its error bound.
StreamHeader tiled(StreamHeader h, int cols, int rows)
{
    h.tools |= kToolTiles;
    h.tile_cols = cols;
    h.tile_rows = rows;
    return h;
}

TEST_P(VideoRoundTrip, TiledFramesDecodeOnAnyThreadCount)
{
    std::vector<Frame> f;
    for (int i = 0; i < 3; i++)
        f.push_back(real_frame(GetParam(), i * 3, 192, 128, 100, 80));
    const StreamHeader h = tiled(header_for(f[0]), 3, 2);
    VideoCodec enc(h, video_runner()), stepwise(h, video_runner()), untiled(header_for(f[0]), video_runner());
    VideoCodec dec(h, video_runner()), dec2(h, runner("video-s.lmcm", 2));
    size_t tiled_bytes = 0, untiled_bytes = 0;
    for (int i = 0; i < 3; i++) {
        Io io(f[i]);
        std::vector<uint8_t> pkt, other, plain;
        enc.encode(io.in.data(), io.strides.data(), i == 0, pkt);
        stepwise.encode_stepwise(io.in.data(), io.strides.data(), i == 0, other);
        untiled.encode(io.in.data(), io.strides.data(), i == 0, plain);
        EXPECT_EQ(pkt, other) << "frame " << i;
        EXPECT_NE(pkt, plain) << "frame " << i;
        tiled_bytes += pkt.size(), untiled_bytes += plain.size();
        dec.decode(pkt.data(), pkt.size(), io.out.data(), io.strides.data());
        EXPECT_EQ(io.decoded, f[i].planes) << "frame " << i;
        for (auto &d : io.decoded)
            std::fill(d.begin(), d.end(), 0);
        dec2.decode(pkt.data(), pkt.size(), io.out.data(), io.strides.data());
        EXPECT_EQ(io.decoded, f[i].planes) << "frame " << i << ", two threads";
    }
    EXPECT_LT(tiled_bytes, untiled_bytes * 1.06) << "six tiles of 64x64 may cost a little, not more";

    const StreamHeader g = tiled(header_for(f[0], LMC_KIND_GEN, 2), 3, 2);
    VideoCodec gen(g, video_runner()), gen_dec(g, runner("video-s.lmcm", 2));
    for (int i = 0; i < 2; i++) {
        Io io(f[i]);
        std::vector<uint8_t> pkt;
        gen.encode(io.in.data(), io.strides.data(), i == 0, pkt);
        gen_dec.decode(pkt.data(), pkt.size(), io.out.data(), io.strides.data());
        for (size_t p = 0; p < f[i].planes.size(); p++)
            for (size_t k = 0; k < f[i].planes[p].size(); k++)
                ASSERT_LE(std::abs(f[i].planes[p][k] - io.decoded[p][k]), 2) << "frame " << i << " plane " << p;
    }
}

// Substream sizes that lie (with a valid checksum), a tile's bytes moved to
// another tile, a packet cut short: invalid data, never a crash or a hang.
TEST(Video, TiledPacketsWithBadSubstreamsAreInvalidData)
{
    Frame f = real_frame(LMC_PIX_YUV420P, 0, 192, 128, 100, 80);
    Io io(f);
    const StreamHeader h = tiled(header_for(f), 2, 2);
    VideoCodec enc(h, video_runner()), dec(h, runner("video-s.lmcm", 2));
    std::vector<uint8_t> pkt;
    enc.encode(io.in.data(), io.strides.data(), true, pkt);
    auto resealed = [](std::vector<uint8_t> p) {
        end_packet(p);
        return p;
    };
    const size_t sizes = kPacketHeaderSize + 1; // after the frame index
    for (int delta : {1, -1, 0x40}) {
        auto bad = pkt;
        bad[sizes] = (uint8_t)(bad[sizes] + delta);
        EXPECT_EQ(decode_status(dec, resealed(bad), io), LMC_ERR_INVALID_DATA) << delta;
    }
    auto huge = pkt;
    huge.insert(huge.begin() + sizes, {0xff, 0xff, 0xff, 0xff, 0x7f});
    EXPECT_EQ(decode_status(dec, resealed(huge), io), LMC_ERR_INVALID_DATA);
    for (size_t len : {sizes + 1, pkt.size() / 2, pkt.size() - 1})
        EXPECT_EQ(decode_status(dec, resealed(std::vector<uint8_t>(pkt.begin(), pkt.begin() + len)), io),
                  LMC_ERR_INVALID_DATA) << len;
    EXPECT_EQ(decode_status(dec, pkt, io), LMC_OK);
    EXPECT_EQ(io.decoded, f.planes);
}

TEST(Video, OddSizesAndTinyFrames)
{
    for (auto [w, h] : {std::pair{1, 1}, {3, 1}, {1, 5}, {17, 9}}) {
        Frame f{LMC_PIX_GBRP, w, h, {}, {w, w, w}};
        for (int p = 0; p < 3; p++) {
            std::vector<uint8_t> plane((size_t)w * h);
            for (size_t i = 0; i < plane.size(); i++)
                plane[i] = (uint8_t)(i * 37 + p * 101);
            f.planes.push_back(plane);
        }
        Io io(f);
        VideoCodec enc(header_for(f), video_runner()), dec(header_for(f), video_runner());
        std::vector<uint8_t> pkt;
        enc.encode(io.in.data(), io.strides.data(), true, pkt);
        dec.decode(pkt.data(), pkt.size(), io.out.data(), io.strides.data());
        EXPECT_EQ(io.decoded, f.planes) << w << "x" << h;
    }
}

// A frame that repeats the previous one except for a few samples in one
// 8x8 luma block: only that block goes through the model (skip blocks,
// format.md 7.2), in the batched encoder, the wavefront and the decoder;
// with fine skip blocks only its two 4x4 quarters that changed.
TEST_P(VideoRoundTrip, CopiedBlocksAreSkipped)
{
    Frame a = real_frame(GetParam(), 0), b = a;
    for (int y = 10; y < 13; y++)
        for (int x = 20; x < 23; x++)
            b.planes[0][(size_t)y * b.widths[0] + x] ^= 0x10;
    Io ia(a), ib(b);
    const StreamHeader h = header_for(a);
    VideoCodec enc(h, video_runner()), stepwise(h, video_runner()), dec(h, video_runner());
    std::vector<uint8_t> key, inter, other;
    enc.encode(ia.in.data(), ia.strides.data(), true, key);
    stepwise.encode_stepwise(ia.in.data(), ia.strides.data(), true, other);
    enc.encode(ib.in.data(), ib.strides.data(), false, inter);
    stepwise.encode_stepwise(ib.in.data(), ib.strides.data(), false, other);
    EXPECT_EQ(inter, other);
    EXPECT_EQ(enc.coded_samples(), 32u);
    EXPECT_EQ(stepwise.coded_samples(), 32u);
    dec.decode(key.data(), key.size(), ia.out.data(), ia.strides.data());
    dec.decode(inter.data(), inter.size(), ib.out.data(), ib.strides.data());
    EXPECT_EQ(dec.coded_samples(), 32u);
    EXPECT_EQ(ib.decoded, b.planes);
    EXPECT_LT(inter.size(), 60u);
}

// Fine skip blocks (format.md 7.2, stream tool kToolFineSkip): a frame that
// changes one 4x4 quarter in each of many 8x8 luma blocks and leaves their
// other quarters as they were, as lossy-origin video does with its source's
// transform blocks. The encoder flags the unchanged quarters, so only the
// changed ones go through the model; both encoders agree and the decoder
// reproduces the frame. A stream without the tool codes whole blocks.
TEST_P(VideoRoundTrip, CopiedQuartersAreSkipped)
{
    Frame a = real_frame(GetParam(), 0), b = a;
    int changed = 0;
    for (int by = 0; by < 8; by++)
        for (int bx = 0; bx < 12; bx += 2, changed++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                    b.planes[0][(size_t)(8 * by + 4 + y) * b.widths[0] + 8 * bx + x] ^= (uint8_t)(1 + (x * 5 + y * 3) % 7);
    Io ia(a), ib(b);
    StreamHeader h = header_for(a), coarse = h;
    coarse.tools &= ~kToolFineSkip;
    VideoCodec enc(h, video_runner()), stepwise(h, video_runner()), dec(h, video_runner());
    VideoCodec old_enc(coarse, video_runner()), old_dec(coarse, video_runner());
    std::vector<uint8_t> key, inter, other, old_key, old_inter;
    enc.encode(ia.in.data(), ia.strides.data(), true, key);
    stepwise.encode_stepwise(ia.in.data(), ia.strides.data(), true, other);
    old_enc.encode(ia.in.data(), ia.strides.data(), true, old_key);
    enc.encode(ib.in.data(), ib.strides.data(), false, inter);
    stepwise.encode_stepwise(ib.in.data(), ib.strides.data(), false, other);
    old_enc.encode(ib.in.data(), ib.strides.data(), false, old_inter);
    EXPECT_EQ(inter, other);
    EXPECT_EQ(enc.coded_samples(), 16u * changed);
    EXPECT_EQ(old_enc.coded_samples(), 64u * changed);
    EXPECT_LT(inter.size(), old_inter.size());
    dec.decode(key.data(), key.size(), ia.out.data(), ia.strides.data());
    dec.decode(inter.data(), inter.size(), ib.out.data(), ib.strides.data());
    EXPECT_EQ(dec.coded_samples(), 16u * changed);
    EXPECT_EQ(ib.decoded, b.planes);
    Io oa(a), ob(b); // the stream without the tool decodes too
    old_dec.decode(old_key.data(), old_key.size(), oa.out.data(), oa.strides.data());
    old_dec.decode(old_inter.data(), old_inter.size(), ob.out.data(), ob.strides.data());
    EXPECT_EQ(old_dec.coded_samples(), 64u * changed);
    EXPECT_EQ(oa.decoded, a.planes);
    EXPECT_EQ(ob.decoded, b.planes);
}

// A still scene with fresh sensor-like noise in every frame: the running
// average beats the previous frame as reference (format.md 7.3), and the
// encoders and the decoder agree on it.
TEST_P(VideoRoundTrip, NoisyStillSceneUsesTheBackground)
{
    const Frame still = real_frame(GetParam(), 0);
    std::vector<Frame> frames(5, still);
    for (int t = 0; t < 5; t++)
        for (auto &plane : frames[t].planes)
            for (size_t i = 0; i < plane.size(); i++) {
                uint32_t h = (uint32_t)(i + 1) * 2654435761u + (uint32_t)(t + 1) * 0x9E3779B9u;
                h = (h ^ (h >> 15)) * 0x85EBCA6Bu;
                int noise = (int)((h ^ (h >> 13)) >> 29) - 4;
                plane[i] = (uint8_t)std::clamp(plane[i] + noise, 0, 255);
            }
    const StreamHeader h = header_for(still);
    VideoCodec enc(h, video_runner()), stepwise(h, video_runner()), dec(h, video_runner());
    for (int t = 0; t < 5; t++) {
        Io io(frames[t]);
        std::vector<uint8_t> pkt, other;
        enc.encode(io.in.data(), io.strides.data(), t == 0, pkt);
        stepwise.encode_stepwise(io.in.data(), io.strides.data(), t == 0, other);
        EXPECT_EQ(pkt, other) << "frame " << t;
        dec.decode(pkt.data(), pkt.size(), io.out.data(), io.strides.data());
        EXPECT_EQ(io.decoded, frames[t].planes) << "frame " << t;
        EXPECT_EQ(dec.background_blocks(), enc.background_blocks()) << "frame " << t;
        if (t >= 3)
            EXPECT_GT(enc.background_blocks(), 0u) << "frame " << t;
    }
}

// Frame adaptation (format.md 7.4): on a real 192x144 scene the encoder fits
// the hidden biases, sends them with the keyframe, and the stream gets
// smaller; both encoders agree, and the decoder reproduces every frame.
TEST(Adaptation, AdaptedNetworkRoundTripsAndPays)
{
    std::vector<Frame> frames;
    for (int i = 0; i < 3; i++)
        frames.push_back(real_frame(LMC_PIX_YUV420P, i, 192, 144, 96, 72));
    const StreamHeader h = header_for(frames[0]);
    VideoCodec enc(h, video_runner()), stepwise(h, video_runner()), plain(h, video_runner()), dec(h, video_runner());
    enc.set_adaptation(2);
    stepwise.set_adaptation(2);
    size_t adapted_bytes = 0, plain_bytes = 0;
    for (int t = 0; t < 3; t++) {
        Io io(frames[t]);
        std::vector<uint8_t> pkt, other, without;
        enc.encode(io.in.data(), io.strides.data(), t == 0, pkt);
        if (t == 0) {
            EXPECT_TRUE(enc.adapted()) << "the keyframe's fit did not pay";
            EXPECT_EQ(pkt[4] & 8, 8) << "packet flag bit 3";
        }
        stepwise.encode_stepwise(io.in.data(), io.strides.data(), t == 0, other);
        EXPECT_EQ(pkt, other) << "frame " << t;
        plain.encode(io.in.data(), io.strides.data(), t == 0, without);
        EXPECT_FALSE(plain.adapted());
        EXPECT_EQ(without[4] & 8, 0);
        dec.decode(pkt.data(), pkt.size(), io.out.data(), io.strides.data());
        EXPECT_EQ(io.decoded, frames[t].planes) << "frame " << t;
        EXPECT_EQ(dec.adapted(), enc.adapted()) << "frame " << t;
        adapted_bytes += pkt.size();
        plain_bytes += without.size();
    }
    EXPECT_LT(adapted_bytes, plain_bytes);
}

// Every shipped feature-set-3 model codes through the whole codec, the
// adaptation included (video-h16 has a third hidden layer: 144 bias offsets):
// both encoders agree and the decoder reproduces every frame.
TEST(ShippedModels, EveryVideoModelRoundTrips)
{
    std::vector<Frame> frames;
    for (int i = 0; i < 3; i++)
        frames.push_back(real_frame(LMC_PIX_YUV420P, i, 192, 144, 96, 72));
    const StreamHeader h = header_for(frames[0]);
    for (const char *name : {"video-s.lmcm", "video-l.lmcm", "video-h16.lmcm"}) {
        auto r = runner(name);
        VideoCodec enc(h, r), stepwise(h, r), dec(h, r);
        enc.set_adaptation(2);
        stepwise.set_adaptation(2);
        for (int t = 0; t < 3; t++) {
            Io io(frames[t]);
            std::vector<uint8_t> pkt, other;
            enc.encode(io.in.data(), io.strides.data(), t == 0, pkt);
            stepwise.encode_stepwise(io.in.data(), io.strides.data(), t == 0, other);
            EXPECT_EQ(pkt, other) << name << " frame " << t;
            dec.decode(pkt.data(), pkt.size(), io.out.data(), io.strides.data());
            EXPECT_EQ(io.decoded, frames[t].planes) << name << " frame " << t;
        }
    }
}

// Consecutive real frames: frames after a keyframe are coded against the
// previous frame, both encoders agree, and a decoder without that frame (a
// stream entered mid-GOP, or after a damaged packet) refuses until the next
// keyframe instead of decoding garbage.
TEST_P(VideoRoundTrip, InterFramesNeedTheirReference)
{
    std::vector<Frame> frames;
    std::vector<Io> io;
    for (int i = 0; i < 3; i++)
        frames.push_back(real_frame(GetParam(), i));
    for (auto &f : frames)
        io.emplace_back(f);
    const StreamHeader h = header_for(frames[0]);
    VideoCodec enc(h, video_runner()), stepwise(h, video_runner());
    std::vector<std::vector<uint8_t>> pkt(3);
    for (int i = 0; i < 3; i++) {
        std::vector<uint8_t> other;
        EXPECT_EQ(enc.encode(io[i].in.data(), io[i].strides.data(), i == 0, pkt[i]), i == 0);
        stepwise.encode_stepwise(io[i].in.data(), io[i].strides.data(), i == 0, other);
        EXPECT_EQ(pkt[i], other) << "frame " << i;
    }
    EXPECT_LT(pkt[1].size(), pkt[0].size()) << "a static camera: the previous frame must help";

    auto status = [&](VideoCodec &dec, const std::vector<uint8_t> &p, int i) { return decode_status(dec, p, io[i]); };
    VideoCodec dec(h, video_runner());
    EXPECT_EQ(status(dec, pkt[1], 1), LMC_ERR_INVALID_DATA) << "inter frame first";
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(status(dec, pkt[i], i), LMC_OK) << i;
        EXPECT_EQ(io[i].decoded, frames[i].planes) << "frame " << i;
    }
    EXPECT_EQ(status(dec, pkt[0], 0), LMC_OK);
    auto bad = pkt[1];
    bad[bad.size() / 2] ^= 4;
    EXPECT_EQ(status(dec, bad, 1), LMC_ERR_INVALID_DATA);
    EXPECT_EQ(status(dec, pkt[2], 2), LMC_ERR_INVALID_DATA) << "after a damaged frame";
    EXPECT_EQ(status(dec, pkt[0], 0), LMC_OK) << "a keyframe restarts";
    EXPECT_EQ(status(dec, pkt[1], 1), LMC_OK);
    dec.reset_reference();
    EXPECT_EQ(status(dec, pkt[2], 2), LMC_ERR_INVALID_DATA) << "after a flush";
}

// Value calibration (format.md 7.7): a real scene passed through a gamma
// table, as a camera's 8-bit pipeline does, has a combed histogram (values
// the table skips or doubles); the calibration learns it within the frame.
// Calibrated and plain streams both decode, both encoders agree, and the
// calibrated one is smaller.
TEST(Calibration, CombedFramesRoundTripAndPay)
{
    uint8_t gamma[256];
    for (int v = 0; v < 256; v++)
        gamma[v] = (uint8_t)std::lround(255 * std::pow(v / 255.0, 0.5));
    std::vector<Frame> frames;
    for (int i = 0; i < 2; i++) {
        frames.push_back(real_frame(LMC_PIX_YUV420P, i, 192, 144, 96, 72));
        for (auto &plane : frames.back().planes)
            for (uint8_t &v : plane)
                v = gamma[v];
    }
    const StreamHeader h = header_for(frames[0]);
    VideoCodec enc(h, video_runner()), stepwise(h, video_runner()), plain(h, video_runner());
    VideoCodec dec(h, video_runner()), plain_dec(h, video_runner());
    plain.set_value_calibration(false);
    size_t calibrated_bytes = 0, plain_bytes = 0;
    for (int t = 0; t < 2; t++) {
        Io io(frames[t]);
        std::vector<uint8_t> pkt, other, without;
        enc.encode(io.in.data(), io.strides.data(), t == 0, pkt);
        EXPECT_EQ(pkt[4] & 64, 64) << "packet flag bit 6";
        stepwise.encode_stepwise(io.in.data(), io.strides.data(), t == 0, other);
        EXPECT_EQ(pkt, other) << "frame " << t;
        plain.encode(io.in.data(), io.strides.data(), t == 0, without);
        EXPECT_EQ(without[4] & 64, 0);
        dec.decode(pkt.data(), pkt.size(), io.out.data(), io.strides.data());
        EXPECT_EQ(io.decoded, frames[t].planes) << "frame " << t;
        EXPECT_TRUE(dec.calibrated());
        plain_dec.decode(without.data(), without.size(), io.out.data(), io.strides.data());
        EXPECT_EQ(io.decoded, frames[t].planes) << "frame " << t << " without calibration";
        EXPECT_FALSE(plain_dec.calibrated());
        calibrated_bytes += pkt.size();
        plain_bytes += without.size();
    }
    // Measured: 20,273 against 20,631 bytes (-1.7%; a frame this small
    // leaves the calibration few samples to learn from).
    EXPECT_LT(calibrated_bytes * 100, plain_bytes * 99) << calibrated_bytes << " vs " << plain_bytes;
}

// The arithmetic of 7.7 on its own: no change before the first refresh,
// valid tables at the ratio clamps, and frozen numbers after it.
TEST(Calibration, TablesAreValidAndFrozen)
{
    // A peaked distribution over residuals around 0, total near 2^16.
    uint32_t f[256], out[256];
    uint32_t ftotal = 0;
    for (int s = 0; s < 256; s++) {
        int e = s < 128 ? s : s - 256;
        f[s] = 1 + (uint32_t)(20000 >> std::min(31, 2 * std::abs(e)));
        ftotal += f[s];
    }
    ASSERT_LE(ftotal, 65536u);
    ValueCalibration cal;
    EXPECT_FALSE(cal.active());
    // Only even values occur, at base predictions that wrap around 255.
    for (int i = 0; i < ValueCalibration::kRefresh; i++) {
        EXPECT_FALSE(cal.active());
        int P = (i * 37) & 255;
        cal.update(f, P, (P + (i % 3 == 0 ? 0 : 2 * (i % 2) - 2)) & 254);
    }
    ASSERT_TRUE(cal.active());
    uint64_t digest = 0;
    for (int P : {0, 1, 128, 254, 255}) {
        uint32_t total = cal.apply(f, P, out);
        uint32_t sum = 0;
        for (int s = 0; s < 256; s++) {
            EXPECT_GE(out[s], 1u);
            sum += out[s];
            digest = digest * 31 + out[s];
        }
        EXPECT_EQ(total, sum);
        EXPECT_LE(total, 65536u);
        // Odd values were never seen: the symbol standing for an odd value
        // now gets less than its share, an even one more.
        int odd = (P & 1) ? 0 : 1, even = 1 - odd;
        EXPECT_LT((uint64_t)out[odd] * ftotal, (uint64_t)f[odd] * total) << P;
        EXPECT_GT((uint64_t)out[even] * ftotal, (uint64_t)f[even] * total) << P;
    }
    EXPECT_EQ(digest, 845587602974526894u) << "the numbers of format.md 7.7 changed";
}
