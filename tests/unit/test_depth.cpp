// Samples of 9 to 16 bits (docs/format.md 7.8): the network codes the top 8
// bits, the low bits follow with their own adaptive contexts. Real frames of
// the sample clip made deep by interpolating between neighbours (so the low
// bits carry signal, as in a camera's 10-bit output, plus a little noise):
// keyframes and inter frames decode bit-exactly, the batched encoder equals
// the wavefront, and the low bits cost less than sending them raw.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "errors.h"
#include "stream_header.h"
#include "test_support.h"
#include "video_codec.h"

using namespace lmc;
using namespace lmc_test;

namespace {

struct DeepFrame {
    std::vector<std::vector<uint16_t>> planes;
    std::vector<int> widths, heights;
};

// Frame `index` of the clip as `pix_fmt` at `depth` bits, w x h from (x0, y0).
DeepFrame deep_frame(int pix_fmt, int depth, int index, int W = 64, int H = 48)
{
    static Y4m clip = read_y4m(sample_path("vtest_384x288.y4m"));
    const auto &src = clip.frames.at(index);
    const int k = depth - 8;
    std::mt19937 rng(index * 31 + depth);
    DeepFrame f;
    auto plane = [&](const std::vector<uint8_t> &p, int stride, int x0, int y0, int w, int h) {
        std::vector<uint16_t> o((size_t)w * h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                const int a = p[(size_t)(y0 + y) * stride + x0 + x], b = p[(size_t)(y0 + y) * stride + x0 + x + 1];
                const int noise = (int)(rng() % 3) - 1;
                o[(size_t)y * w + x] = (uint16_t)std::clamp((((3 * a + b) << k) >> 2) + noise, 0, (1 << depth) - 1);
            }
        f.planes.push_back(o);
        f.widths.push_back(w);
        f.heights.push_back(h);
    };
    const bool sub = pix_fmt == LMC_PIX_YUV420P;
    plane(src[0], clip.width, 160, 120, W, H);
    if (pix_fmt == LMC_PIX_GRAY8)
        return f;
    const int cw = sub ? W / 2 : W, ch = sub ? H / 2 : H;
    plane(src[1], clip.width / 2, 60, 50, cw, ch);
    plane(src[2], clip.width / 2, 60, 50, cw, ch);
    if (pix_fmt == LMC_PIX_GBRAP)
        plane(src[0], clip.width, 100, 100, W, H);
    return f;
}

StreamHeader deep_header(int pix_fmt, int depth, int W = 64, int H = 48)
{
    StreamHeader h;
    h.kind = LMC_KIND_VIDEO;
    h.width = W;
    h.height = H;
    h.pix_fmt = pix_fmt;
    h.bit_depth = depth;
    h.tools = encoder_tools(LMC_KIND_VIDEO) | kToolDeepSamples;
    return h;
}

std::shared_ptr<ModelRunner> video_runner()
{
    static auto r = runner("video-s.lmcm");
    return r;
}

} // namespace

// The last case is tiled (format.md 6.1: 2 x 1 tiles, the low bits in a
// substream of their own) and decoded on two threads.
TEST(Depth, DeepFramesRoundTrip)
{
    struct Case {
        int pix_fmt, depth, tile_cols;
    };
    for (auto [pix_fmt, depth, tile_cols] : {Case{LMC_PIX_YUV420P, 10, 1}, {LMC_PIX_GBRP, 12, 1}, {LMC_PIX_GRAY8, 16, 1},
                                             {LMC_PIX_GBRAP, 10, 1}, {LMC_PIX_GRAY8, 9, 1}, {LMC_PIX_YUV420P, 10, 2}}) {
        const int W = 64 * tile_cols;
        StreamHeader h = deep_header(pix_fmt, depth, W);
        if (tile_cols > 1) {
            h.tools |= kToolTiles;
            h.tile_cols = tile_cols;
        }
        VideoCodec enc(h, video_runner()), stepwise(h, video_runner()), dec(h, runner("video-s.lmcm", 2));
        size_t raw_low_bits = 0, coded = 0;
        for (int i = 0; i < 3; i++) {
            DeepFrame f = deep_frame(pix_fmt, depth, i, W);
            std::vector<const uint8_t *> in;
            std::vector<uint8_t *> out;
            std::vector<int> strides;
            std::vector<std::vector<uint16_t>> decoded;
            for (size_t p = 0; p < f.planes.size(); p++) {
                in.push_back((const uint8_t *)f.planes[p].data());
                strides.push_back(2 * f.widths[p]);
                decoded.emplace_back(f.planes[p].size(), 0);
                raw_low_bits += f.planes[p].size() * (depth - 8);
            }
            for (auto &d : decoded)
                out.push_back((uint8_t *)d.data());
            std::vector<uint8_t> batched, other;
            enc.encode(in.data(), strides.data(), i == 0, batched);
            stepwise.encode_stepwise(in.data(), strides.data(), i == 0, other);
            EXPECT_EQ(batched, other) << depth << " bits, frame " << i;
            dec.decode(batched.data(), batched.size(), out.data(), strides.data());
            EXPECT_EQ(decoded, f.planes) << depth << " bits, frame " << i;
            coded += batched.size();
        }
        // The whole stream against the low bits alone sent raw: the model
        // and the low-bit contexts together must beat that for every depth.
        EXPECT_LT(coded * 8, raw_low_bits + raw_low_bits / (depth - 8) * 8) << depth << " bits";
    }
}

TEST(Depth, SamplesBeyondTheDepthAreRefused)
{
    const StreamHeader h = deep_header(LMC_PIX_GRAY8, 10, 8, 8);
    VideoCodec enc(h, video_runner());
    std::vector<uint16_t> plane(64, 512);
    plane[9] = 1024; // 11 bits
    const uint8_t *in[1] = {(const uint8_t *)plane.data()};
    int strides[1] = {16};
    std::vector<uint8_t> pkt;
    try {
        enc.encode(in, strides, true, pkt);
        FAIL() << "an 11-bit value was coded as 10 bits";
    } catch (const Error &e) {
        EXPECT_EQ(e.status(), LMC_ERR_INVALID_ARG);
    }
}

// Header: the depth travels in version 2 with tool bit 3; lmc_gen and
// depths outside 8..16 are refused.
TEST(Depth, HeaderCarriesTheDepth)
{
    StreamHeader h = deep_header(LMC_PIX_YUV444P, 12);
    std::vector<uint8_t> bytes = write_stream_header(h);
    StreamHeader back = parse_stream_header(bytes.data(), bytes.size());
    EXPECT_EQ(back.bit_depth, 12);
    EXPECT_EQ(back.tools, h.tools);
    for (int depth : {7, 17}) {
        StreamHeader bad = deep_header(LMC_PIX_GRAY8, depth);
        EXPECT_THROW(validate_stream_params(bad), Error) << depth;
    }
    StreamHeader gen = deep_header(LMC_PIX_GRAY8, 10);
    gen.kind = LMC_KIND_GEN;
    gen.max_error = 2;
    EXPECT_THROW(validate_stream_params(gen), Error);
}
