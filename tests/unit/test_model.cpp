// Model file, model runner and frequency tables: the exactness contract.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "errors.h"
#include "freq_table.h"
#include "model_file.h"
#include "model_runner.h"
#include "network_adaptation.h"
#include "range_coder.h"
#include "sha256.h"
#include "test_support.h"
#include "worker_pool.h"

using namespace lmc;
using namespace lmc_test;

TEST(FreqTable, LutEndpoints)
{
    EXPECT_EQ(logit_lut(0), 32768u);
    EXPECT_EQ(logit_lut(16), 16384u);
    EXPECT_EQ(logit_lut(8), 23170u); // 2^15 / sqrt(2)
    EXPECT_EQ(logit_lut(255), 1u);
    for (int k = 1; k < 256; k++)
        EXPECT_LE(logit_lut(k), logit_lut(k - 1));
}

// Frozen: the frequency tables every stream ever written depends on, from
// logits_to_freqs (SIMD where the CPU has it) and the plain reference alike.
static void check_table_hash(uint32_t (*to_freqs)(const int32_t *, int, uint32_t *))
{
    std::mt19937 rng(1234);
    std::vector<uint8_t> all;
    for (int trial = 0; trial < 64; trial++) {
        int n = trial % 2 ? 256 : 64;
        std::vector<int32_t> logits(n);
        for (int i = 0; i < n; i++) {
            switch (trial % 4) {
            case 0: logits[i] = (int32_t)(rng() % 2000) - 1000; break;
            case 1: logits[i] = i == trial ? 32767 : -32767; break; // all mass on one symbol
            case 2: logits[i] = 0; break;                            // uniform
            default: logits[i] = (int32_t)(rng() % 64); break;
            }
        }
        std::vector<uint32_t> g(n);
        uint32_t total = to_freqs(logits.data(), n, g.data());
        uint32_t sum = 0;
        for (uint32_t v : g) {
            ASSERT_GE(v, 1u);
            sum += v;
        }
        ASSERT_EQ(sum, total);
        ASSERT_LE(total, kMaxTotal);
        for (uint32_t v : g)
            for (int b = 0; b < 4; b++)
                all.push_back((uint8_t)(v >> (8 * b)));
    }
    EXPECT_EQ(to_hex(sha256(all.data(), all.size())), "6e801d804d256c0b192a3cfb3d2ca30c6aff2aab10129ff48c70f29550500329");
}

TEST(FreqTable, GoldenHashOfTables) { check_table_hash(logits_to_freqs); }
static uint32_t plain_freqs(const int32_t *logits, int n, uint32_t *g)
{
    return logits_to_freqs_using(TableStep::plain, logits, n, g);
}
TEST(FreqTable, GoldenHashOfTablesReference) { check_table_hash(plain_freqs); }

// The path of a GPU decoder: the table indices made where the logits are, the
// frequencies from them.
static uint32_t freqs_through_indices(const int32_t *logits, int n, uint32_t *g)
{
    std::vector<uint8_t> k(n);
    logits_to_indices(logits, n, k.data());
    return indices_to_freqs(k.data(), n, g);
}
TEST(FreqTable, GoldenHashOfTablesThroughIndices) { check_table_hash(freqs_through_indices); }

// Every n the codecs use and odd ones (the SIMD step's tail), random logits.
TEST(FreqTable, SimdEqualsReference)
{
    std::mt19937 rng(77);
    for (int n : {2, 7, 8, 9, 33, 64, 100, 255, 256})
        for (int trial = 0; trial < 200; trial++) {
            std::vector<int32_t> logits(n);
            const int spread = trial % 3 == 0 ? 65535 : trial % 3 == 1 ? 4000 : 300;
            for (int &v : logits)
                v = (int32_t)(rng() % spread) - spread / 2;
            std::vector<uint32_t> a(n), b(n), c(n);
            ASSERT_EQ(logits_to_freqs(logits.data(), n, a.data()), plain_freqs(logits.data(), n, b.data()));
            ASSERT_EQ(a, b) << "n " << n << " trial " << trial;
            for (TableStep step : {TableStep::avx2, TableStep::avx512}) { // every version the CPU runs
                if (!table_step_supported(step))
                    continue;
                std::fill(c.begin(), c.end(), 0);
                ASSERT_EQ(logits_to_freqs_using(step, logits.data(), n, c.data()), plain_freqs(logits.data(), n, b.data()));
                ASSERT_EQ(c, b) << "n " << n << " trial " << trial << " version " << (int)step;
            }
            ASSERT_EQ(freqs_through_indices(logits.data(), n, c.data()), logits_to_freqs(logits.data(), n, a.data()));
            ASSERT_EQ(a, c) << "n " << n << " trial " << trial;
        }
}

TEST(ModelFile, ShippedModelsLoad)
{
    for (const char *name : {"video-s.lmcm", "video-l.lmcm", "video-xl.lmcm", "video-h16.lmcm", "video-s1.lmcm",
                              "video-s-0.13.lmcm", "video-l-0.13.lmcm", "audio-s.lmcm", "audio-a.lmcm"}) {
        auto m = load_model_file(model_path(name));
        std::vector<uint8_t> bytes = read_bytes(model_path(name));
        EXPECT_EQ(to_hex(m->hash), to_hex(sha256(bytes.data(), bytes.size() - 32)));
        EXPECT_EQ(m->layers.back().out, m->outputs);
    }
}

static int load_status(const std::vector<uint8_t> &bytes)
{
    try {
        parse_model(bytes, "test");
        return LMC_OK;
    } catch (const Error &e) {
        return e.status();
    }
}

TEST(ModelFile, DamageIsRejected)
{
    std::vector<uint8_t> good = read_bytes(model_path("video-s.lmcm"));
    ASSERT_EQ(load_status(good), LMC_OK);
    std::vector<uint8_t> flipped = good;
    flipped[good.size() / 2] ^= 1;
    EXPECT_EQ(load_status(flipped), LMC_ERR_MODEL_INVALID);
    for (size_t cut : {0ul, 10ul, 100ul, good.size() - 33, good.size() - 1})
        EXPECT_EQ(load_status(std::vector<uint8_t>(good.begin(), good.begin() + cut)), LMC_ERR_MODEL_INVALID);
    EXPECT_EQ(load_status(std::vector<uint8_t>(1000, 0x42)), LMC_ERR_MODEL_INVALID);
}

TEST(ModelFile, ExactnessBoundIsEnforced)
{
    // A model whose layer could exceed 2^24 in a partial sum must not load,
    // even with a valid hash.
    std::vector<uint8_t> b(4 + 24 + 32);
    memcpy(b.data(), "LMCM", 4);
    uint32_t hdr[6] = {1, 1, 1, 1024, 2, 1};
    memcpy(b.data() + 4, hdr, sizeof hdr);
    uint32_t layer[4] = {1024, 2, 0, 0};
    b.insert(b.end(), (uint8_t *)layer, (uint8_t *)layer + 16);
    b.insert(b.end(), 2048, (uint8_t)127);
    int32_t bias[2] = {1 << 20, 0}; // 127 * 127 * 1024 + 2^20 > 2^24
    b.insert(b.end(), (uint8_t *)bias, (uint8_t *)bias + 8);
    Sha256 h = sha256(b.data(), b.size());
    b.insert(b.end(), h.begin(), h.end());
    try {
        parse_model(b, "big");
        FAIL() << "loaded";
    } catch (const Error &e) {
        EXPECT_EQ(e.status(), LMC_ERR_MODEL_INVALID);
        EXPECT_NE(std::string(e.what()).find("2^24"), std::string::npos) << e.what();
    }
}

// Random inputs plus the extremes of the input range.
static std::vector<float> test_inputs(int batch, int inputs, unsigned seed)
{
    std::mt19937 rng(seed);
    std::vector<float> in((size_t)batch * inputs);
    for (size_t i = 0; i < in.size(); i++) {
        int row = (int)(i / inputs);
        in[i] = row == 0 ? 127.f : row == 1 ? -127.f : row == 2 ? 0.f : (float)((int)(rng() % 255) - 127);
    }
    return in;
}

TEST(ModelRunner, TorchEqualsIntegerLoopAndBatchSizeDoesNotMatter)
{
    for (const char *name : {"video-s.lmcm", "video-l.lmcm", "video-xl.lmcm", "video-h16.lmcm", "video-s1.lmcm",
                              "video-s-0.13.lmcm", "video-l-0.13.lmcm", "audio-s.lmcm", "audio-a.lmcm"}) {
        auto r = runner(name);
        const int F = r->model().inputs, N = r->model().outputs, B = 3000;
        std::vector<float> in = test_inputs(B, F, 7);
        std::vector<int32_t> batched((size_t)B * N), integer((size_t)B * N), single(N);
        r->run_torch(in.data(), B, batched.data());
        r->run_integer(in.data(), B, integer.data());
        ASSERT_EQ(batched, integer) << name;
        std::vector<uint8_t> k((size_t)B * N), want((size_t)B * N);
        r->run_indices(in.data(), B, k.data()); // a GPU makes these on the device
        for (int i = 0; i < B; i++)
            logits_to_indices(&integer[(size_t)i * N], N, &want[(size_t)i * N]);
        ASSERT_EQ(k, want) << name;
        for (int i = 0; i < B; i += 97) {
            r->run_torch(&in[(size_t)i * F], 1, single.data());
            ASSERT_TRUE(std::equal(single.begin(), single.end(), &batched[(size_t)i * N])) << name << " row " << i;
        }
    }
}

// The SIMD kernels against the plain integer loop, as dav1d's checkasm does:
// every version this CPU runs, every shipped model, batch sizes around the
// kernel's group of 4, the extreme inputs, and inputs outside what a version
// takes (it must hand that sample back to the reference).
TEST(IntMlpKernel, EveryVersionEqualsTheIntegerLoop)
{
    using K = lmc::IntMlpKernel;
    if (K::best() == K::kNone)
        GTEST_SKIP() << "this CPU has no AVX2: no kernel to check";
    for (const char *name : {"video-s.lmcm", "video-l.lmcm", "video-xl.lmcm", "video-h16.lmcm", "video-s1.lmcm",
                              "video-s-0.13.lmcm", "video-l-0.13.lmcm", "audio-s.lmcm", "audio-a.lmcm"}) {
        auto r = runner(name);
        const lmc::Model &m = r->model();
        std::vector<std::vector<int32_t>> bias;
        for (const auto &l : m.layers)
            bias.push_back(l.bias);
        const int F = m.inputs, N = m.outputs;
        for (K::Isa isa : {K::kAvx2, K::kAvx512Vnni}) {
            if (isa > K::best())
                continue;
            K k(m, bias, isa);
            for (int B : {1, 3, 4, 5, 8, 9, 1001}) {
                std::vector<float> in = test_inputs(B, F, 100 + B);
                if (B > 5)
                    in[(size_t)5 * F + 1] = 40000.f; // outside int16
                if (B > 6)
                    in[(size_t)6 * F + 2] = 200.f; // outside int8: AVX2 codes it, VNNI refuses
                std::vector<int32_t> want((size_t)B * N), got((size_t)B * N, -1);
                std::vector<uint8_t> ok(B);
                r->run_integer(in.data(), B, want.data());
                k.run(in.data(), B, got.data(), ok.data());
                for (int i = 0; i < B; i++) {
                    const bool refused = (B > 5 && i == 5) || (B > 6 && i == 6 && isa == K::kAvx512Vnni);
                    ASSERT_EQ(ok[i], !refused) << name << " " << K::name(isa) << " row " << i;
                    if (ok[i])
                        ASSERT_TRUE(std::equal(&got[(size_t)i * N], &got[(size_t)(i + 1) * N], &want[(size_t)i * N]))
                            << name << " " << K::name(isa) << " batch " << B << " row " << i;
                }
            }
        }
        // Through run(), which finishes the refused sample on the reference.
        const int B = 777;
        std::vector<float> in = test_inputs(B, F, 3);
        in[(size_t)100 * F] = -40000.f;
        std::vector<int32_t> a((size_t)B * N), b((size_t)B * N);
        r->run(in.data(), B, a.data());
        r->run_integer(in.data(), B, b.data());
        EXPECT_EQ(a, b) << name;
    }
}

// Frame adaptation (format.md 7.4): offset hidden biases give the same
// logits on the LibTorch and integer paths, change the logits, and an empty
// set restores the model's own.
TEST(ModelRunner, BiasOffsetsAgreeOnBothPaths)
{
    auto r = runner("video-s.lmcm");
    const int F = r->model().inputs, N = r->model().outputs, B = 3000;
    ASSERT_EQ(r->hidden_units(), 128);
    std::vector<float> in = test_inputs(B, F, 5);
    std::vector<int32_t> plain((size_t)B * N), torch_path((size_t)B * N), integer((size_t)B * N);
    r->run_torch(in.data(), B, plain.data());
    std::vector<int8_t> d(r->hidden_units());
    for (size_t i = 0; i < d.size(); i++)
        d[i] = (int8_t)((int)(i * 37 % 41) - 20);
    r->set_bias_offsets(d);
    r->run_torch(in.data(), B, torch_path.data());
    r->run_integer(in.data(), B, integer.data());
    EXPECT_EQ(torch_path, integer);
    std::vector<int32_t> kernel((size_t)B * N); // the SIMD kernel where the CPU has one
    r->run(in.data(), B, kernel.data());
    EXPECT_EQ(kernel, integer);
    EXPECT_NE(torch_path, plain);
    r->set_bias_offsets({});
    r->run_integer(in.data(), B, integer.data());
    EXPECT_EQ(integer, plain);
    EXPECT_THROW(r->set_bias_offsets(std::vector<int8_t>(5)), lmc::Error);
}

TEST(ModelRunner, OneAndTwoThreadsAgree)
{
    auto r1 = runner("video-s.lmcm", 1);
    const int F = r1->model().inputs, N = r1->model().outputs, B = 20000;
    std::vector<float> in = test_inputs(B, F, 11);
    std::vector<int32_t> a((size_t)B * N), b((size_t)B * N);
    r1->run_torch(in.data(), B, a.data());
    auto r2 = runner("video-s.lmcm", 2);
    r2->run_torch(in.data(), B, b.data());
    EXPECT_EQ(a, b);
}

// Golden vectors from the Python integer reference (models/training/lmcm.py):
// features -> logits -> frequency table, for the shipped models.
static void check_golden(const char *model, const char *file)
{
    std::ifstream f(data_path(file));
    ASSERT_TRUE(f) << "missing " << file;
    auto r = runner(model);
    const int F = r->model().inputs, N = r->model().outputs;
    std::string line;
    int checked = 0;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream s(line);
        std::string tok;
        std::vector<float> in;
        std::vector<int32_t> want;
        s >> tok; // "features:"
        while (s >> tok && tok != "|")
            in.push_back(std::stof(tok));
        s >> tok; // "logits:"
        while (s >> tok && tok != "|")
            want.push_back(std::stoi(tok));
        uint32_t gsum;
        std::string gsha;
        s >> tok >> gsum >> tok >> tok >> gsha;
        ASSERT_EQ((int)in.size(), F);
        ASSERT_EQ((int)want.size(), N);
        std::vector<int32_t> got(N);
        r->run_torch(in.data(), 1, got.data());
        EXPECT_EQ(got, want) << line;
        std::vector<int32_t> kernel(N); // run(): the SIMD kernel where the CPU has one
        r->run(in.data(), 1, kernel.data());
        EXPECT_EQ(kernel, want) << line;
        std::vector<uint32_t> g(N);
        EXPECT_EQ(logits_to_freqs(got.data(), N, g.data()), gsum);
        std::vector<uint8_t> bytes;
        for (uint32_t v : g)
            for (int b = 0; b < 4; b++)
                bytes.push_back((uint8_t)(v >> (8 * b)));
        EXPECT_EQ(to_hex(sha256(bytes.data(), bytes.size())), gsha);
        checked++;
    }
    EXPECT_GE(checked, 8);
}

TEST(ModelRunner, GoldenVideoLogits) { check_golden("video-s.lmcm", "golden_video_logits.txt"); }
TEST(ModelRunner, GoldenVideoLargeLogits) { check_golden("video-l.lmcm", "golden_video_l_logits.txt"); }
TEST(ModelRunner, GoldenVideoXLLogits) { check_golden("video-xl.lmcm", "golden_video_xl_logits.txt"); }
TEST(ModelRunner, GoldenVideoH16Logits) { check_golden("video-h16.lmcm", "golden_video_h16_logits.txt"); }
TEST(ModelRunner, GoldenVideoIntraV1Logits) { check_golden("video-s1.lmcm", "golden_video_s1_logits.txt"); }
TEST(ModelRunner, GoldenAudioLogits) { check_golden("audio-s.lmcm", "golden_audio_logits.txt"); }
TEST(ModelRunner, GoldenAudioALogits) { check_golden("audio-a.lmcm", "golden_audio_a_logits.txt"); }

// The encoder's frame fit (network_adaptation.cpp, format.md 7.4): on
// symbols the network mispredicts by a constant shift, the fitted offsets
// lower the exact code length, and the fit gives the same offsets on one
// thread and on a pool of two (the sample is cut into fixed parts).
TEST(Adaptation, FitLowersBitsOnAnyThreadCount)
{
    auto r = runner("video-s.lmcm");
    const int F = r->model().inputs, N = r->model().outputs;
    AdaptationSample s;
    s.n = 4096;
    s.inputs = test_inputs(s.n, F, 17);
    std::vector<int32_t> logits((size_t)s.n * N);
    r->run(s.inputs.data(), s.n, logits.data());
    for (int i = 0; i < s.n; i++) { // the network's likeliest symbol, moved by 3
        const int32_t *z = &logits[(size_t)i * N];
        s.symbols.push_back((uint8_t)(std::max_element(z, z + N) - z + 3));
    }
    const std::vector<int8_t> none;
    const std::vector<int8_t> alone = fit_bias_offsets(*r, s, none, 8, nullptr);
    WorkerPool pool(2);
    EXPECT_EQ(fit_bias_offsets(*r, s, none, 8, &pool), alone);
    ASSERT_EQ((int)alone.size(), r->hidden_units());
    const double before = sample_bits(*r, s, none), after = sample_bits(*r, s, alone);
    EXPECT_LT(after, 0.99 * before) << before << " bits before the fit"; // 2.6% when written
}
