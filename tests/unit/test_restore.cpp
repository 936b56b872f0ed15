// The lmc_restore filter's restoration (docs/format.md section 11) through
// the C API: its output equals the training code's exact integer reference
// (restore_golden.py), frame after frame (the recurrent input included);
// thread counts and in-place use agree; bad arguments and models fail cleanly.
#include <cstring>
#include <fstream>

#include "errors.h"
#include "model_file.h"
#include "sha256.h"
#include "test_support.h"

using namespace lmc_test;

namespace {

constexpr int X0 = 120, Y0 = 96, W = 158, H = 94, CW = (W + 1) / 2, CH = (H + 1) / 2;

struct Frame {
    std::vector<uint8_t> p[3];
    int strides[3] = {W, CW, CW};
    Frame()
    {
        p[0].resize(W * H);
        p[1].resize(CW * CH);
        p[2].resize(CW * CH);
    }
    std::string hash() const
    {
        std::vector<uint8_t> all;
        for (auto &v : p)
            all.insert(all.end(), v.begin(), v.end());
        return lmc::to_hex(lmc::sha256(all.data(), all.size()));
    }
};

std::vector<Frame> source_frames(int n)
{
    Y4m clip = read_y4m(sample_path("vtest_384x288.y4m"));
    std::vector<Frame> out(n);
    for (int t = 0; t < n; t++) {
        auto &src = clip.frames.at(t);
        out[t].p[0] = crop(src[0], clip.width, X0, Y0, W, H);
        out[t].p[1] = crop(src[1], clip.width / 2, X0 / 2, Y0 / 2, CW, CH);
        out[t].p[2] = crop(src[2], clip.width / 2, X0 / 2, Y0 / 2, CW, CH);
    }
    return out;
}

std::vector<std::string> golden()
{
    std::ifstream f(data_path("golden_restore.txt"));
    std::vector<std::string> g;
    std::string line;
    while (std::getline(f, line)) {
        int t;
        char sha[65];
        if (line[0] != '#' && sscanf(line.c_str(), "frame: %d | output: %64s", &t, sha) == 2)
            g.push_back(sha);
    }
    return g;
}

lmc_restorer *open_restorer(int threads, int w = W, int h = H, int pix_fmt = LMC_PIX_YUV420P,
                            const char *model = nullptr, int expect = LMC_OK)
{
    lmc_config opts;
    lmc_config_init(&opts);
    opts.threads = threads;
    opts.device = "cpu";
    opts.model = model;
    opts.model_dir = LMC_SOURCE_MODEL_DIR;
    lmc_restorer *r = nullptr;
    char err[512] = "";
    EXPECT_EQ(lmc_restorer_open(&r, w, h, pix_fmt, &opts, err, sizeof err), expect) << err;
    if (expect != LMC_OK)
        EXPECT_GT(strlen(err), 10u);
    return r;
}

std::vector<std::string> restore_all(lmc_restorer *r, const std::vector<Frame> &in, bool in_place = false)
{
    std::vector<std::string> hashes;
    for (const Frame &f : in) {
        Frame out = in_place ? f : Frame();
        const uint8_t *src[3] = {f.p[0].data(), f.p[1].data(), f.p[2].data()};
        uint8_t *dst[3] = {out.p[0].data(), out.p[1].data(), out.p[2].data()};
        if (in_place)
            for (int i = 0; i < 3; i++)
                src[i] = dst[i];
        EXPECT_EQ(lmc_restorer_frame(r, src, f.strides, dst, out.strides), LMC_OK) << lmc_restorer_error(r);
        hashes.push_back(out.hash());
    }
    return hashes;
}

} // namespace

TEST(Restore, MatchesTheIntegerReference)
{
    auto want = golden();
    ASSERT_EQ(want.size(), 3u);
    auto frames = source_frames(3);
    lmc_restorer *r = open_restorer(1);
    ASSERT_TRUE(r);
    EXPECT_EQ(restore_all(r, frames), want);
    // After a reset the previous output is forgotten: frame 0 again gives line 0.
    lmc_restorer_reset(r);
    EXPECT_EQ(restore_all(r, {frames[0]}), std::vector<std::string>{want[0]});
    lmc_restorer_close(&r);
    EXPECT_EQ(r, nullptr);
}

TEST(Restore, ThreadsAndInPlaceGiveTheSameFrames)
{
    auto want = golden();
    auto frames = source_frames(3);
    lmc_restorer *r = open_restorer(2);
    ASSERT_TRUE(r);
    EXPECT_EQ(restore_all(r, frames, true), want);
    lmc_restorer_close(&r);
}

// The filter changes the frame (a model that did nothing would pass the tests above
// with golden hashes of the input).
TEST(Restore, ChangesTheFrame)
{
    auto frames = source_frames(1);
    EXPECT_NE(golden().at(0), frames[0].hash());
}

TEST(Restore, RefusesWhatItCannotTake)
{
    open_restorer(1, W, H, LMC_PIX_YUV444P, nullptr, LMC_ERR_UNSUPPORTED);
    open_restorer(1, 1, H, LMC_PIX_YUV420P, nullptr, LMC_ERR_UNSUPPORTED);
    open_restorer(1, 20000, 20000, LMC_PIX_YUV420P, nullptr, LMC_ERR_UNSUPPORTED);
    std::string gen = model_path("gen-i.lmcm"), missing = model_path("no-such.lmcm");
    open_restorer(1, W, H, LMC_PIX_YUV420P, gen.c_str(), LMC_ERR_MODEL_INVALID);
    open_restorer(1, W, H, LMC_PIX_YUV420P, missing.c_str(), LMC_ERR_MODEL_NOT_FOUND);
    EXPECT_EQ(lmc_restorer_open(nullptr, W, H, LMC_PIX_YUV420P, nullptr, nullptr, 0), LMC_ERR_INVALID_ARG);
    lmc_restorer *r = open_restorer(1);
    ASSERT_TRUE(r);
    EXPECT_EQ(lmc_restorer_frame(r, nullptr, nullptr, nullptr, nullptr), LMC_ERR_INVALID_ARG);
    EXPECT_STRNE(lmc_restorer_error(r), "no error");
    lmc_restorer_close(&r);

    auto bytes = read_bytes(data_path("restore_tiny.lmcm"));
    auto model = lmc::parse_model(bytes, "restore_tiny.lmcm");
    ASSERT_TRUE(model->restore);
    EXPECT_EQ(model->kind, (uint32_t)lmc::kModelRestore);
    bytes[120] ^= 1; // a weight: the hash no longer matches
    EXPECT_THROW(lmc::parse_model(bytes, "damaged"), lmc::Error);
}
