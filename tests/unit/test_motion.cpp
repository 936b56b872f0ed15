// Inter-frame context (format.md section 8): the C++ motion search, motion
// coding and feature set 3 inputs against the Python reference that trains
// the models (tests/data/golden_video_inter_features.txt, written by
// models/training/make_golden.py from the vtest sample).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "adaptive_mix.h"
#include "background.h"
#include "motion.h"
#include "range_coder.h"
#include "skip_blocks.h"
#include "test_support.h"
#include "video_context.h"

using namespace lmc;
using namespace lmc_test;

namespace {

struct Golden {
    std::vector<int> motion; // intra mvx mvy per block (per 8x8 unit with splits)
    std::vector<int> split;  // per 16x16 block, in the split golden
    struct Row { int plane, x, y, sym; std::vector<int> f; };
    std::vector<Row> rows;
};

Golden read_golden(const char *name)
{
    std::ifstream in(data_path(name));
    EXPECT_TRUE(in.good());
    Golden g;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        if (line.rfind("motion:", 0) == 0 || line.rfind("split:", 0) == 0) {
            std::vector<int> &to = line[0] == 'm' ? g.motion : g.split;
            std::istringstream s(line.substr(line.find(':') + 1));
            for (int v; s >> v;)
                to.push_back(v);
            continue;
        }
        // plane x y | inputs (24, or 32 for feature set 4) | symbol
        const size_t bar1 = line.find('|'), bar2 = line.rfind('|');
        Golden::Row r;
        std::istringstream(line.substr(0, bar1)) >> r.plane >> r.x >> r.y;
        std::istringstream inputs(line.substr(bar1 + 1, bar2 - bar1 - 1));
        for (int v; inputs >> v;)
            r.f.push_back(v);
        std::istringstream(line.substr(bar2 + 1)) >> r.sym;
        g.rows.push_back(r);
    }
    return g;
}

// Plane p of frame moved like the Python reference (make_golden.moved_reference):
// ref(x, y) = src(x + dx/s, y - 4/s).
std::vector<uint8_t> moved(const std::vector<uint8_t> &src, int w, int h, int s, int dx = 6)
{
    std::vector<uint8_t> out((size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            out[(size_t)y * w + x] = src[(size_t)std::clamp(y - 4 / s, 0, h - 1) * w + std::clamp(x + dx / s, 0, w - 1)];
    return out;
}

// The reference of the quarter-sample golden: the rounded mean of the frame
// moved by (6, -4) and by (7, -4), half a sample that whole vectors miss.
std::vector<uint8_t> half_moved(const std::vector<uint8_t> &src, int w, int h, int s)
{
    std::vector<uint8_t> a = moved(src, w, h, s, 6), b = moved(src, w, h, s, 7);
    for (size_t i = 0; i < a.size(); i++)
        a[i] = (uint8_t)((a[i] + b[i] + 1) >> 1);
    return a;
}

// Every golden row's inputs and symbol, as video_context computes them.
void check_inputs(const Golden &g, const PlaneState *planes, const MotionField *mf, int ninputs)
{
    float f[kVideoInputsWide];
    for (const auto &r : g.rows) {
        ASSERT_EQ(r.f.size(), (size_t)ninputs);
        int P = video_context(planes, r.plane, whole_plane(planes[r.plane].w, planes[r.plane].h), r.x, r.y, ninputs, mf, f);
        const PlaneState &s = planes[r.plane];
        ASSERT_EQ((uint8_t)(s.px[(size_t)r.y * s.w + r.x] - P), r.sym) << r.plane << " " << r.x << " " << r.y;
        for (int i = 0; i < ninputs; i++)
            ASSERT_EQ((int)f[i], r.f[i]) << "input " << i << " of plane " << r.plane << " (" << r.x << ", " << r.y << ")";
    }
}

// vtest frame 1 as an inter frame against a moved frame 0: motion search,
// aligned planes and every input against the Python reference.
void check_against_golden(const char *name, bool subpel, bool split, bool sharp = false,
                          int ninputs = kVideoInputsInter)
{
    Golden g = read_golden(name);
    ASSERT_FALSE(g.rows.empty());
    ASSERT_EQ(g.rows[0].f.size(), (size_t)ninputs);
    Y4m clip = read_y4m(sample_path("vtest_384x288.y4m"));
    ASSERT_GE(clip.frames.size(), 2u);
    const int W = clip.width, H = clip.height;
    PlaneState planes[3];
    std::vector<uint8_t> ref[3];
    for (int p = 0; p < 3; p++) {
        PlaneState &s = planes[p];
        s.sx = s.sy = p ? 1 : 0;
        s.w = W >> s.sx;
        s.h = H >> s.sy;
        s.plane_class = p ? 64 : 0;
        s.px = clip.frames[1][p];
        s.res.assign(s.px.size(), 0);
        s.aligned.assign(s.px.size(), 0);
        ref[p] = subpel ? half_moved(clip.frames[0][p], s.w, s.h, p ? 2 : 1) : moved(clip.frames[0][p], s.w, s.h, p ? 2 : 1);
    }
    std::vector<int16_t> med_res(planes[0].px.size());
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            med_res[(size_t)y * W + x] = (int16_t)(planes[0].px[(size_t)y * W + x] - predict_sample(planes[0], x, y));
    MotionField mf;
    mf.subpel = subpel;
    mf.split = split;
    mf.sharp = sharp;
    estimate_motion(planes[0].px.data(), ref[0].data(), med_res.data(), W, H, mf);
    // The golden lists blocks, or with splits 8x8 units (each with its coded block's values).
    const size_t entries = split ? mf.unit_block.size() : mf.intra.size();
    ASSERT_EQ(g.motion.size(), 3 * entries);
    int moving = 0, fractional = 0;
    const int unit = subpel ? 4 : 1; // the golden's vectors: quarter samples with subpel
    for (size_t e = 0; e < entries; e++) {
        const size_t b = split ? (size_t)mf.unit_block[e] : e;
        EXPECT_EQ(mf.intra[b], g.motion[3 * e]) << "entry " << e;
        EXPECT_EQ(unit * mf.mvx[b] + mf.fx[b], g.motion[3 * e + 1]) << "entry " << e;
        EXPECT_EQ(unit * mf.mvy[b] + mf.fy[b], g.motion[3 * e + 2]) << "entry " << e;
        moving += mf.mvx[b] != 0 || mf.mvy[b] != 0;
        fractional += mf.fx[b] != 0 || mf.fy[b] != 0;
    }
    EXPECT_GT(moving, (int)entries / 2);
    if (subpel)
        EXPECT_GT(fractional, (int)entries / 4);
    else
        EXPECT_EQ(fractional, 0);
    std::vector<int> split_blocks(mf.split_block.begin(), mf.split_block.end());
    if (split) {
        EXPECT_EQ(split_blocks, g.split);
        EXPECT_GT(std::count(split_blocks.begin(), split_blocks.end(), 1), 8);
    } else {
        EXPECT_EQ(std::count(split_blocks.begin(), split_blocks.end(), 1), 0);
    }
    for (int p = 0; p < 3; p++) {
        PlaneState &s = planes[p];
        align_plane(ref[p].data(), nullptr, s.w, s.h, s.sx, s.sy, mf, s.aligned.data());
        for (int y = 0; y < s.h; y++)
            for (int x = 0; x < s.w; x++)
                s.res[(size_t)y * s.w + x] = (int16_t)(s.px[(size_t)y * s.w + x] - base_prediction(s, whole_plane(s.w, s.h), &mf, x, y));
    }
    check_inputs(g, planes, &mf, ninputs);
}

} // namespace

TEST(InterContext, MatchesPythonReference)
{
    check_against_golden("golden_video_inter_features.txt", false, false);
}

// Feature set 4 (format.md 7.11) in an inter frame: the eight inputs beyond
// set 3 sit on top of the same motion and base prediction.
TEST(InterContext, WideMatchesPythonReference)
{
    check_against_golden("golden_video_wide_features.txt", false, false, false, kVideoInputsWide);
}

// Feature set 4 in a keyframe of equal-size planes (vtest frame 1, its chroma
// repeated to 4:4:4), where the colour planes read the gradients of the planes
// coded before them.
TEST(InterContext, WideKeyframeMatchesPythonReference)
{
    Golden g = read_golden("golden_video_wide_key_features.txt");
    ASSERT_FALSE(g.rows.empty());
    Y4m clip = read_y4m(sample_path("vtest_384x288.y4m"));
    const int W = clip.width, H = clip.height;
    PlaneState planes[3];
    for (int p = 0; p < 3; p++) {
        PlaneState &s = planes[p];
        s.w = W;
        s.h = H;
        s.plane_class = p ? 64 : 0;
        s.px.resize((size_t)W * H);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                s.px[(size_t)y * W + x] = p ? clip.frames[1][p][(size_t)(y >> 1) * (W / 2) + (x >> 1)] : clip.frames[1][0][(size_t)y * W + x];
        s.res.resize(s.px.size());
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                s.res[(size_t)y * W + x] = (int16_t)(s.px[(size_t)y * W + x] - predict_sample(s, x, y));
    }
    int gradients = 0;
    for (const auto &r : g.rows)
        gradients += r.plane > 0 && r.f.size() == (size_t)kVideoInputsWide && (r.f[28] != 0 || r.f[29] != 0);
    EXPECT_GT(gradients, 50); // the golden does exercise inputs 28 to 31
    check_inputs(g, planes, nullptr, kVideoInputsWide);
}

// Quarter-sample motion (format.md 7.5): refinement, bilinear alignment of
// luma and 4:2:0 chroma, and the inputs built on it.
TEST(InterContext, SubpelMatchesPythonReference)
{
    check_against_golden("golden_video_subpel_features.txt", true, false);
}

// Split blocks (format.md 7.6): the split decision, per-quarter vectors and
// intra choices, and the inputs of samples in split blocks.
TEST(InterContext, SplitMatchesPythonReference)
{
    check_against_golden("golden_video_split_features.txt", true, true);
}

// Stream tool kToolSharpLuma (format.md 4, 7.5): luma read with the 4x4
// Catmull-Rom taps in the search and the alignment, chroma still bilinear.
TEST(InterContext, SharpLumaMatchesPythonReference)
{
    check_against_golden("golden_video_sharp_features.txt", true, true, true);
}

TEST(InterContext, MotionRoundTrip)
{
    for (int mode = 0; mode < 3; mode++) { // whole samples; quarter samples; and split blocks
        const bool subpel = mode >= 1, split = mode == 2;
        MotionField mf;
        mf.resize(100, 70); // 7 x 5 blocks, 13 x 9 units: split blocks at the edges lose quarters
        mf.subpel = subpel;
        mf.split = split;
        for (size_t b = 0; split && b < mf.split_block.size(); b++)
            mf.split_block[b] = b % 3 != 1;
        mf.layout();
        if (split)
            EXPECT_GT(mf.intra.size(), 2 * mf.split_block.size());
        for (size_t b = 0; b < mf.intra.size(); b++) {
            mf.intra[b] = b % 7 == 3;
            mf.mvx[b] = mf.intra[b] ? 0 : (int8_t)((int)(b * 5 % 33) - 16);
            mf.mvy[b] = mf.intra[b] ? 0 : (int8_t)((int)(b * 11 % 33) - 16);
            mf.fx[b] = subpel && !mf.intra[b] ? (uint8_t)(b % 4) : 0;
            mf.fy[b] = subpel && !mf.intra[b] ? (uint8_t)(b / 3 % 4) : 0;
        }
        std::vector<uint8_t> bytes;
        RangeEncoder enc(bytes);
        encode_motion(enc, mf);
        enc.finish();
        MotionField got;
        got.resize(100, 70);
        got.subpel = subpel;
        got.split = split;
        RangeDecoder dec(bytes.data(), bytes.size());
        decode_motion(dec, got);
        EXPECT_FALSE(dec.overrun());
        EXPECT_EQ(got.split_block, mf.split_block) << mode;
        EXPECT_EQ(got.unit_block, mf.unit_block) << mode;
        EXPECT_EQ(got.intra, mf.intra) << mode;
        EXPECT_EQ(got.mvx, mf.mvx) << mode;
        EXPECT_EQ(got.mvy, mf.mvy) << mode;
        EXPECT_EQ(got.fx, mf.fx) << mode;
        EXPECT_EQ(got.fy, mf.fy) << mode;
    }
}

// Skip flags of a 4:2:0 frame with odd chroma sizes survive the range coder.
namespace {

// The planes of a w x h 4:2:0 frame (w even), for the skip map tests.
void yuv420_planes(PlaneState planes[3], int w, int h)
{
    for (int p = 0; p < 3; p++) {
        planes[p].sx = planes[p].sy = p ? 1 : 0;
        planes[p].w = p ? w / 2 : w;
        planes[p].h = p ? h / 2 : h;
    }
}

// Codes the map's flags and decodes them into got (sized alike).
void skip_round_trip(const SkipMap &map, SkipMap &got)
{
    std::vector<uint8_t> bytes;
    RangeEncoder enc(bytes);
    encode_skip_blocks(enc, map);
    enc.finish();
    RangeDecoder dec(bytes.data(), bytes.size());
    decode_skip_blocks(dec, got);
    EXPECT_FALSE(dec.overrun());
}

} // namespace

TEST(InterContext, SkipFlagsRoundTrip)
{
    PlaneState planes[3];
    yuv420_planes(planes, 100, 70);
    SkipMap map, got;
    map.resize(planes, 3);
    got.resize(planes, 3);
    EXPECT_EQ(map.plane[1].bw, 4);
    EXPECT_EQ(map.plane[1].nx, 13);
    EXPECT_TRUE(map.plane[0].nx == 13 && map.plane[0].ny == 9);
    for (int p = 0; p < 3; p++)
        for (size_t b = 0; b < map.plane[p].skip.size(); b++)
            map.plane[p].skip[b] = (b * (p + 3)) % 5 < 3;
    skip_round_trip(map, got);
    for (int p = 0; p < 3; p++)
        EXPECT_EQ(got.plane[p].skip, map.plane[p].skip) << p;
    EXPECT_TRUE(map.skipped(0, 99, 69) == (bool)map.plane[0].skip.back());
}

// Fine skip blocks (stream tool kToolFineSkip, format.md 7.2): per plane the
// choice of flagging quarters, each 8x8 block's flag and, in planes that flag
// quarters, the quarters of its changed blocks survive the range coder; the
// last quarter of a changed block whose other quarters are copies is implied.
// Partial blocks at odd right and bottom edges too.
TEST(InterContext, FineSkipFlagsRoundTrip)
{
    PlaneState planes[3];
    yuv420_planes(planes, 102, 70);
    SkipMap map, got;
    map.fine = got.fine = true;
    map.resize(planes, 3);
    got.resize(planes, 3);
    EXPECT_EQ(map.plane[0].bw, 4);
    EXPECT_EQ(map.plane[1].bw, 2);
    EXPECT_TRUE(map.plane[0].nx == 26 && map.plane[0].ny == 18);
    int implied = 0;
    for (int p = 0; p < 3; p++) {
        SkipMap::Plane &q = map.plane[p];
        q.quarters = p != 1;
        for (int by = 0; 2 * by < q.ny; by++)
            for (int bx = 0; 2 * bx < q.nx; bx++) {
                const int kind = (bx * 7 + by * 3 + p) % 6; // 0: copy, 1: three copies, else mixed
                int copies = 0, n = 0;
                for (int y = 2 * by; y < std::min(2 * by + 2, q.ny); y++)
                    for (int x = 2 * bx; x < std::min(2 * bx + 2, q.nx); x++, n++) {
                        uint8_t v = kind == 0 || (kind == 1 && n < 3) || (kind > 2 && (x + y * 3 + p) % 3 == 0);
                        if (!q.quarters)
                            v = kind == 0; // a plane without quarters flags whole blocks only
                        q.skip[(size_t)y * q.nx + x] = v;
                        copies += v;
                    }
                implied += q.quarters && n == 4 && copies == 3 && kind == 1;
            }
    }
    EXPECT_GT(implied, 10);
    skip_round_trip(map, got);
    for (int p = 0; p < 3; p++) {
        EXPECT_EQ(got.plane[p].quarters, map.plane[p].quarters) << p;
        EXPECT_EQ(got.plane[p].skip, map.plane[p].skip) << p;
    }
    EXPECT_TRUE(map.skipped(0, 101, 69) == (bool)map.plane[0].skip.back());
}

// Background choices of the non-intra blocks survive the range coder; intra
// blocks carry none.
TEST(InterContext, BackgroundChoiceRoundTrip)
{
    for (bool split : {false, true}) {
        MotionField mf, got;
        mf.resize(100, 70);
        got.resize(100, 70);
        for (size_t b = 0; split && b < mf.split_block.size(); b++)
            mf.split_block[b] = got.split_block[b] = b % 4 == 0;
        mf.layout();
        got.layout();
        for (size_t b = 0; b < mf.intra.size(); b++) {
            mf.intra[b] = got.intra[b] = b % 5 == 2;
            mf.background[b] = !mf.intra[b] && b % 3 != 0;
        }
        std::vector<uint8_t> bytes;
        RangeEncoder enc(bytes);
        encode_background_choice(enc, mf);
        enc.finish();
        RangeDecoder dec(bytes.data(), bytes.size());
        decode_background_choice(dec, got); // got.background starts 0, as decode_motion leaves it
        EXPECT_FALSE(dec.overrun());
        EXPECT_EQ(got.background, mf.background) << split;
    }
}

// The adaptive stage keeps every frequency >= 1 and the total within the
// range coder's limit, starts as the network's distribution, and learns a
// symbol the network under-rates.
TEST(AdaptiveMixer, BoundsAndLearning)
{
    AdaptiveMixer mixer;
    uint32_t g[256], f[256];
    uint32_t gtotal = 0;
    for (int s = 0; s < 256; s++)
        gtotal += g[s] = s == 0 ? 60000 : (s < 21 ? 250 : 1);
    const float inputs[kVideoInputsInter] = {};
    int ctx = AdaptiveMixer::context(inputs, false);
    uint32_t total = mixer.mix(ctx, g, gtotal, f);
    EXPECT_LE(total, kMaxTotal);
    for (int s = 0; s < 256; s++)
        EXPECT_GE(f[s], 1u);
    EXPECT_NEAR((double)f[0] / total, (double)g[0] / gtotal, 0.01);
    for (int i = 0; i < 3000; i++) {
        mixer.update(ctx, 200, g, gtotal);
        total = mixer.mix(ctx, g, gtotal, f);
        ASSERT_LE(total, kMaxTotal);
        ASSERT_GE(*std::min_element(f, f + 256), 1u);
    }
    EXPECT_GT((double)f[200] / total, 0.5) << "a symbol seen 3000 times in a row";
    mixer.reset();
    mixer.mix(ctx, g, gtotal, f);
    EXPECT_LT(f[200], 4u) << "reset forgets";
}

// Feature set 4's keyframe contexts (format.md 7.11): a keyframe sample's
// context follows its own and the co-located planes' misses, in range; inter
// frames keep feature set 3's contexts.
TEST(AdaptiveMixer, KeyframeContexts)
{
    float f[kVideoInputsWide] = {};
    EXPECT_EQ(AdaptiveMixer::context(f, true), (1 * 3 + 1) * 3); // no miss: both signs "zero"
    f[10] = 64.f;  // a colour plane
    f[11] = -9.f;  // plane 0 missed by -9
    f[12] = 4.f;   // plane 1 by +4
    f[13] = 40.f;
    const int key = AdaptiveMixer::context(f, true);
    EXPECT_EQ(key, (((1 * 16 + 13) * 8 + 7) * 9 + 0 * 3 + 2) * 3);
    EXPECT_EQ(AdaptiveMixer::context(f, false), (((1 * 16 + 0) * 8 + 7) * 9 + 1 * 3 + 1) * 3);
    f[0] = 127.f; // luma: (|W - P| + |N - P|) >> 2, capped at 15
    f[3] = -127.f;
    f[10] = 0.f;
    EXPECT_EQ(AdaptiveMixer::context(f, true), (((0 * 16 + 15) * 8 + 7) * 9 + 2 * 3 + 0) * 3);
    f[14] = 64.f; // an inter frame: set 3's context
    EXPECT_EQ(AdaptiveMixer::context(f, true), AdaptiveMixer::context(f, false));
    for (float v : {-127.f, 0.f, 127.f}) {
        std::fill(f, f + kVideoInputsWide, v);
        f[14] = 0.f;
        const int c = AdaptiveMixer::context(f, true);
        EXPECT_GE(c, 0);
        EXPECT_LT(c, AdaptiveMixer::kContexts);
    }
}
