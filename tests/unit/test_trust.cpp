// Hostile and damaged input through the C API, as a player meets it: every
// reproducer of a past crash, hang or silent misdecode (tests/data/hostile,
// found by fuzzing liblmc 0.7) now fails with a clear status, decoders keep
// going after a failure as ffmpeg does, and the work a packet causes is
// bounded by its size.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crc32.h"
#include "errors.h"
#include "lmc/lmc.h"
#include "packet.h"
#include "stream_header.h"
#include "test_support.h"
#include "video_codec.h"

extern char **environ;

using namespace lmc_test;
using Stream = lmc_tools::StreamFile;

namespace {

struct Outcome {
    int open = LMC_OK;
    std::string open_error;
    std::vector<int> packets; // status of each packet, in order
    std::vector<std::string> errors;
};

// Opens a decoder for s and decodes every packet, going on after failures
// (as ffmpeg does) so that a failure that leaves broken state shows.
Outcome decode_all(const Stream &s, const char *model_dir = nullptr)
{
    Outcome o;
    lmc_config opts, info;
    lmc_config_init(&opts);
    opts.model_dir = model_dir;
    lmc_codec *dec = nullptr;
    char err[1024] = "";
    o.open = lmc_decoder_open(&dec, s.header.data(), s.header.size(), &opts, &info, err, sizeof err);
    o.open_error = err;
    if (o.open < 0)
        return o;
    for (const auto &p : s.packets) {
        int ret;
        if (info.kind == LMC_KIND_AUDIO) {
            int n = lmc_audio_packet_samples(dec, p.data(), p.size());
            std::vector<int16_t> out((size_t)std::max(n, 1) * info.channels);
            ret = n < 0 ? n : lmc_decode_audio(dec, p.data(), p.size(), out.data(), n);
        } else {
            ret = lmc_video_packet_info(dec, p.data(), p.size(), nullptr);
            if (ret == LMC_OK) {
                const size_t luma = (size_t)info.width * info.height;
                std::vector<uint8_t> planes[4];
                uint8_t *out[4];
                int strides[4];
                for (int i = 0; i < 4; i++) {
                    planes[i].resize(luma);
                    out[i] = planes[i].data();
                    strides[i] = info.width;
                }
                ret = lmc_decode_video(dec, p.data(), p.size(), out, strides);
            }
        }
        o.packets.push_back(ret);
        o.errors.push_back(ret < 0 ? lmc_codec_error(dec) : "");
    }
    lmc_codec_close(&dec);
    return o;
}

Stream hostile(const char *name)
{
    Stream s;
    EXPECT_TRUE(lmc_tools::read_stream_file(data_path((std::string("hostile/") + name).c_str()), &s)) << name;
    return s;
}

// A 64x48 gray crop of the sample clip, a keyframe every keyint frames.
Stream encode_clip(int kind, int frames, int keyint)
{
    return encode_video(kind, LMC_PIX_GRAY8, frames, 64, 48, 200, 100, keyint, 0);
}

} // namespace

// C1: a header naming a model of the other kind (an audio model's hash in a
// video stream and the other way round) crashed on the second packet. The
// decoder now fails when it opens, naming the file.
TEST(Trust, WrongKindModelFailsAtOpen)
{
    for (const char *name : {"hash_audio_model_for_video.lmcg", "a_hash_video_model.lmcg"}) {
        Outcome o = decode_all(hostile(name));
        EXPECT_EQ(o.open, LMC_ERR_MODEL_INVALID) << name << ": " << o.open_error;
        EXPECT_NE(o.open_error.find(".lmcm"), std::string::npos) << o.open_error;
    }
}

// C1, the other path: the codec's constructor fails (here out of memory, in
// a child process with a capped address space) and the next packet must
// fail the same way, not use half a codec. The child is this test binary.
TEST(Trust, FailedCodecConstructionFailsEveryPacket)
{
    if (getenv("LMC_TRUST_CHILD")) { // the child: a 8192x8192 gbrp frame in ~512 MiB more than we use
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        std::ifstream st("/proc/self/statm");
        size_t pages = 0;
        st >> pages;
        const rlim_t cap = (rlim_t)pages * sysconf(_SC_PAGESIZE) + (512ull << 20);
        struct rlimit lim = {cap, cap};
        ASSERT_EQ(setrlimit(RLIMIT_AS, &lim), 0);
        lmc::StreamHeader h;
        h.kind = LMC_KIND_VIDEO;
        h.width = h.height = 8192;
        h.pix_fmt = LMC_PIX_GBRP;
        h.tools = lmc::encoder_tools(LMC_KIND_VIDEO);
        auto model = read_bytes(model_path("video-s.lmcm"));
        memcpy(h.model_hash.data(), &model[model.size() - 32], 32);
        Stream s;
        s.header = lmc::write_stream_header(h);
        std::vector<uint8_t> pkt;
        lmc::begin_packet(pkt, lmc::kPacketKeyframe);
        std::mt19937 rng(1);
        pkt.resize(160 << 10);
        for (size_t i = 6; i < pkt.size(); i++)
            pkt[i] = (uint8_t)rng();
        pkt[5] = 0; // the frame index of a keyframe
        lmc::end_packet(pkt);
        s.packets = {pkt, pkt, pkt};
        Outcome o = decode_all(s);
        ASSERT_EQ(o.open, LMC_OK) << o.open_error;
        for (size_t i = 0; i < o.packets.size(); i++) {
            EXPECT_LT(o.packets[i], 0) << "packet " << i;
            std::cout << "packet " << i << ": " << lmc_status_string(o.packets[i]) << ": " << o.errors[i] << "\n";
        }
        EXPECT_EQ(o.packets[0], LMC_ERR_NOMEM) << "the cap must bite in the constructor";
        return;
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    ASSERT_GT(n, 0);
    self[n] = 0;
    std::string filter = "--gtest_filter=Trust.FailedCodecConstructionFailsEveryPacket";
    char *argv[] = {self, filter.data(), nullptr};
    std::vector<std::string> env_strings = {"LMC_TRUST_CHILD=1"};
    for (char **e = environ; *e; e++)
        env_strings.push_back(*e);
    std::vector<char *> env;
    for (auto &e : env_strings)
        env.push_back(e.data());
    env.push_back(nullptr);
    pid_t pid;
    ASSERT_EQ(posix_spawn(&pid, self, nullptr, nullptr, argv, env.data()), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's assertions failed";
}

// H1: headers that claim frames far larger than their packets hang the
// decoder (16384x4096: over 13 minutes; 2048x2048: 29 s). A keyframe too
// small for its frame now fails before anything is allocated for it.
TEST(Trust, HeadersFarBeyondTheDataFailAtOnce)
{
    for (const char *name : {"hang_hdr_16384x4096_420.lmcg", "hang_hdr_2048x2048_gray_1pkt.lmcg"}) {
        Outcome o = decode_all(hostile(name));
        ASSERT_EQ(o.open, LMC_OK) << o.open_error;
        ASSERT_FALSE(o.packets.empty());
        for (size_t i = 0; i < o.packets.size(); i++)
            EXPECT_EQ(o.packets[i], LMC_ERR_INVALID_DATA) << name << " packet " << i;
        EXPECT_NE(o.errors[0].find("cannot hold"), std::string::npos) << o.errors[0];
    }
}

// S1: an lmc_audio packet in an lmc_video stream decoded as a frame. Every
// packet must now be consumed exactly by its frame.
TEST(Trust, PacketOfAnotherCodecIsInvalidData)
{
    Outcome o = decode_all(hostile("silent_audio_packet_as_video_frame.lmcg"));
    ASSERT_EQ(o.open, LMC_OK) << o.open_error;
    ASSERT_EQ(o.packets.size(), 1u);
    EXPECT_EQ(o.packets[0], LMC_ERR_INVALID_DATA) << "decoded an audio packet as a frame";
}

// S1: inter frames whose keyframe was dropped decoded against the previous
// GOP's frame without an error. Packets now carry their place in the GOP
// (docs/format.md 5), so a missing, repeated or reordered packet is found.
TEST(Trust, MissingOrReorderedPacketsAreFound)
{
    for (int kind : {LMC_KIND_VIDEO, LMC_KIND_GEN}) {
        Stream s = encode_clip(kind, 6, 3); // K I I K I I
        Outcome whole = decode_all(s);
        ASSERT_EQ(whole.open, LMC_OK);
        for (int st : whole.packets)
            EXPECT_EQ(st, LMC_OK);

        Stream dropped = s; // the second keyframe lost
        dropped.packets.erase(dropped.packets.begin() + 3);
        Outcome o = decode_all(dropped);
        EXPECT_EQ(o.packets[3], LMC_ERR_INVALID_DATA) << "inter frame after a lost keyframe";
        EXPECT_NE(o.errors[3].find("missing"), std::string::npos) << o.errors[3];

        Stream repeated = s; // an inter frame twice
        repeated.packets.insert(repeated.packets.begin() + 2, s.packets[1]);
        o = decode_all(repeated);
        EXPECT_EQ(o.packets[2], LMC_ERR_INVALID_DATA);
        EXPECT_EQ(o.packets[4], LMC_OK) << "the next keyframe restarts";

        Stream swapped = s;
        std::swap(swapped.packets[1], swapped.packets[2]);
        o = decode_all(swapped);
        EXPECT_EQ(o.packets[1], LMC_ERR_INVALID_DATA);
    }
}

// The liblmc 0.7 reproducer of the lost keyframe has no frame indices; it
// still decodes or fails, never crashes (kept as a record of what 0.7
// streams cannot say).
TEST(Trust, OldStreamWithLostKeyframeNeverCrashes)
{
    Outcome o = decode_all(hostile("silent_dropped_keyframe.lmcg"));
    ASSERT_EQ(o.open, LMC_OK) << o.open_error;
    for (int st : o.packets)
        EXPECT_TRUE(st == LMC_OK || st == LMC_ERR_INVALID_DATA) << st;
}

// Bounded work per byte: a keyframe of N random bytes (valid checksum) for a
// frame far larger than N can code fails once its data runs out. No symbol
// costs less than -log2(1 - 255/65536) = 0.0056 bits, so at most 8N / 0.0056
// samples plus one wavefront step are decoded; random data costs about its
// entropy and stops far sooner.
TEST(Trust, WorkIsBoundedByPacketSize)
{
    lmc::StreamHeader h;
    h.kind = LMC_KIND_VIDEO;
    h.width = 512;
    h.height = 384;
    h.pix_fmt = LMC_PIX_GRAY8;
    h.tools = lmc::encoder_tools(LMC_KIND_VIDEO);
    lmc::VideoCodec dec(h, runner("video-s.lmcm"));
    std::vector<uint8_t> out((size_t)h.width * h.height);
    uint8_t *planes[1] = {out.data()};
    int strides[1] = {h.width};
    std::mt19937 rng(7);
    for (size_t n : {1200ul, 4096ul, 16384ul}) {
        std::vector<uint8_t> pkt;
        lmc::begin_packet(pkt, lmc::kPacketKeyframe);
        pkt.push_back(0); // frame index
        for (size_t i = 0; i < n; i++)
            pkt.push_back((uint8_t)rng());
        lmc::end_packet(pkt);
        int status = LMC_OK;
        try {
            dec.decode(pkt.data(), pkt.size(), planes, strides);
        } catch (const lmc::Error &e) {
            status = e.status();
        }
        EXPECT_EQ(status, LMC_ERR_INVALID_DATA) << n;
        const double bound = 8.0 * (double)n / 0.0056 + h.width + 2 * h.height;
        EXPECT_LT((double)dec.coded_samples(), bound) << n;
        EXPECT_LT(dec.coded_samples(), 8 * n) << n << " random bytes should stop within about their entropy";
        std::cout << n << " random bytes: " << dec.coded_samples() << " samples decoded before the error\n";
    }
}

// Model files: a device, a directory, a truncated copy, a damaged copy ahead of a good one.
TEST(Trust, ModelFilesThatAreNotModels)
{
    lmc_config cfg;
    lmc_config_init(&cfg);
    cfg.kind = LMC_KIND_VIDEO;
    cfg.pix_fmt = LMC_PIX_GRAY8;
    cfg.width = cfg.height = 16;
    lmc_codec *enc = nullptr;
    char err[1024] = "";
    cfg.model = "/dev/zero"; // read until out of memory in 0.7
    EXPECT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_ERR_MODEL_INVALID) << err;
    EXPECT_NE(std::string(err).find("not a regular file"), std::string::npos) << err;
    const std::string dir = ::testing::TempDir();
    cfg.model = dir.c_str();
    EXPECT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_ERR_MODEL_INVALID) << err;
    EXPECT_NE(std::string(err).find("directory"), std::string::npos) << err;
    EXPECT_EQ(std::string(err).find("internal error"), std::string::npos) << err;

    // A damaged copy whose last 32 bytes (its identity) survived, in the
    // first directory searched, must not hide the good one after it.
    Stream s = encode_clip(LMC_KIND_VIDEO, 1, 1);
    const std::string damaged_dir = dir + "/lmc_damaged_models";
    mkdir(damaged_dir.c_str(), 0755);
    auto bytes = read_bytes(model_path("video-s.lmcm"));
    bytes[100] ^= 1;
    std::ofstream(damaged_dir + "/video-s.lmcm", std::ios::binary).write((const char *)bytes.data(), bytes.size());
    const std::string truncated_dir = dir + "/lmc_truncated_models";
    mkdir(truncated_dir.c_str(), 0755);
    std::ofstream(truncated_dir + "/video-s.lmcm", std::ios::binary).write((const char *)bytes.data(), bytes.size() / 2);
    Outcome o = decode_all(s, truncated_dir.c_str());
    EXPECT_EQ(o.open, LMC_ERR_MODEL_NOT_FOUND);
    EXPECT_NE(o.open_error.find(truncated_dir + "/video-s.lmcm is another file"), std::string::npos) << o.open_error;
    o = decode_all(s, damaged_dir.c_str());
    EXPECT_EQ(o.open, LMC_ERR_MODEL_INVALID) << "alone, the damaged copy is reported";
    EXPECT_NE(o.open_error.find("SHA-256 mismatch"), std::string::npos) << o.open_error;
    const char *old_env = getenv("LMC_MODEL_DIR");
    std::string saved = old_env ? old_env : "";
    setenv("LMC_MODEL_DIR", damaged_dir.c_str(), 1);
    o = decode_all(s); // LMC_MODEL_DIR first, then the installed and source models
    if (old_env)
        setenv("LMC_MODEL_DIR", saved.c_str(), 1);
    else
        unsetenv("LMC_MODEL_DIR");
    EXPECT_EQ(o.open, LMC_OK) << o.open_error;
    ASSERT_EQ(o.packets.size(), 1u);
    EXPECT_EQ(o.packets[0], LMC_OK);
}

// ffprobe-style facts about a stream: the model's name, file and the file's sha256sum.
TEST(Trust, DecoderNamesItsModel)
{
    Stream s = encode_clip(LMC_KIND_VIDEO, 1, 1);
    lmc_codec *dec = nullptr;
    char err[512] = "";
    ASSERT_EQ(lmc_decoder_open(&dec, s.header.data(), s.header.size(), nullptr, nullptr, err, sizeof err), LMC_OK);
    lmc_model_info info;
    ASSERT_EQ(lmc_codec_model_info(dec, &info), LMC_OK);
    auto file = read_bytes(info.path);
    EXPECT_EQ(std::string(info.file_sha256), lmc::to_hex(lmc::sha256(file.data(), file.size())));
    EXPECT_EQ(std::string(info.identity), lmc::to_hex(*(const lmc::Sha256 *)&file[file.size() - 32]));
    EXPECT_EQ(std::string(info.name), "video-s");
    EXPECT_EQ(info.header_version, 2);
    lmc_codec_close(&dec);
    EXPECT_EQ(std::string(lmc_version_string()),
              std::to_string(LMC_VERSION_MAJOR) + "." + std::to_string(LMC_VERSION_MINOR) + "." +
                  std::to_string(LMC_VERSION_MICRO));
}
