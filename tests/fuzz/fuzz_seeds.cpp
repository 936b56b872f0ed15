// Writes the fuzzers' seed corpus from our own encoders and files: streams of
// real sample crops for every entry of kFuzzStreams, the stream headers, and
// the shipped model files. Usage: lmc-fuzz-seeds OUT_DIR (makes OUT_DIR/video,
// audio, header and model).
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "../../codec_core/tools/media_files.h"
#include "fuzz_input.h"
#include "lmc/lmc.h"

using namespace lmc_fuzz;

static void write_file(const std::string &path, const std::vector<uint8_t> &b)
{
    FILE *f = fopen(path.c_str(), "wb");
    if (!f || fwrite(b.data(), 1, b.size(), f) != b.size()) {
        fprintf(stderr, "cannot write %s\n", path.c_str());
        exit(1);
    }
    fclose(f);
}

// A w x h crop of plane (of width stride) at (x0, y0).
static std::vector<uint8_t> crop(const std::vector<uint8_t> &plane, int stride, int x0, int y0, int w, int h)
{
    std::vector<uint8_t> out((size_t)w * h);
    for (int y = 0; y < h; y++)
        memcpy(&out[(size_t)y * w], &plane[(size_t)(y0 + y) * stride + x0], w);
    return out;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    const std::string out = argv[1];
    for (const char *d : {"", "/video", "/audio", "/header", "/model"})
        mkdir((out + d).c_str(), 0755);
    const std::string samples = std::string(LMC_SOURCE_MODEL_DIR) + "/../samples/";
    lmc_tools::Y4m clip = lmc_tools::read_y4m(samples + "vtest_384x288.y4m");
    std::vector<uint8_t> wav[2] = {lmc_tools::read_bytes(samples + "speech_16k.wav"),
                                   lmc_tools::read_bytes(samples + "music_stereo.wav")};
    int written = 0;
    for (int s = 0; s < kFuzzStreamCount; s++) {
        const FuzzStream &fs = kFuzzStreams[s];
        const bool audio = fs.kind == LMC_KIND_AUDIO;
        lmc_config cfg;
        lmc_config_init(&cfg);
        cfg.kind = fs.kind;
        cfg.pix_fmt = fs.pix_fmt;
        cfg.width = fs.width;
        cfg.height = fs.height;
        cfg.max_error = fs.max_error;
        cfg.keyint = 2;
        cfg.adapt = 0;
        cfg.sample_rate = fs.sample_rate;
        cfg.channels = fs.channels;
        cfg.sample_fmt = fs.sample_fmt;
        cfg.block_size = fs.block_size;
        cfg.bit_depth = fs.bit_depth;
        cfg.tile_cols = fs.tile_cols;
        cfg.tile_rows = fs.tile_rows;
        cfg.model_dir = LMC_SOURCE_MODEL_DIR;
        lmc_codec *enc = nullptr;
        char err[512];
        if (lmc_encoder_open(&enc, &cfg, err, sizeof err) < 0) {
            fprintf(stderr, "stream %d: %s\n", s, err);
            return 1;
        }
        const uint8_t *hdr;
        size_t hs;
        lmc_encoder_header(enc, &hdr, &hs);
        std::vector<uint8_t> header_seed = {0};
        header_seed.insert(header_seed.end(), hdr, hdr + hs);
        write_file(out + "/header/" + std::to_string(s), header_seed);

        std::vector<uint8_t> seed = {(uint8_t)(audio ? s - kFuzzVideoStreams : s), 0};
        for (int i = 0; i < (audio ? 2 : 3); i++) {
            const uint8_t *pkt;
            size_t size;
            int ret;
            if (audio) {
                const std::vector<uint8_t> &w = wav[fs.channels > 1]; // speech for mono, music for more
                const size_t bytes = fs.sample_fmt == LMC_SAMPLE_S32 ? 4 : 2;
                ret = lmc_encode_audio(enc, w.data() + 4096 + (size_t)i * fs.block_size * bytes * fs.channels,
                                       fs.block_size - i, &pkt, &size);
            } else {
                // Crops of the clip's planes: luma-sized planes from Y, the others from U and V.
                const int nplanes = fs.pix_fmt == LMC_PIX_GRAY8                                ? 1
                                    : fs.pix_fmt == LMC_PIX_GBRAP || fs.pix_fmt == LMC_PIX_YUVA420P ? 4
                                                                                                      : 3;
                std::vector<std::vector<uint8_t>> planes;
                const uint8_t *in[4];
                int strides[4];
                for (int p = 0; p < nplanes; p++) {
                    int pw = fs.width, ph = fs.height;
                    const bool colour = p == 1 || p == 2;
                    if (colour && (fs.pix_fmt == LMC_PIX_YUV420P || fs.pix_fmt == LMC_PIX_YUV422P ||
                                   fs.pix_fmt == LMC_PIX_YUVA420P))
                        pw = (pw + 1) / 2;
                    if (colour && (fs.pix_fmt == LMC_PIX_YUV420P || fs.pix_fmt == LMC_PIX_YUVA420P))
                        ph = (ph + 1) / 2;
                    const int src = pw == fs.width ? 0 : p;
                    const int stride = src ? clip.width / 2 : clip.width;
                    planes.push_back(crop(clip.frames.at(i)[src], stride, 40 + 7 * p, 60, pw, ph));
                    if (fs.bit_depth > 8) { // deep: the crop in the top bits, a ramp below
                        std::vector<uint8_t> deep(2 * planes.back().size());
                        const int k = fs.bit_depth - 8;
                        for (size_t j = 0; j < planes.back().size(); j++) {
                            const uint16_t v = (uint16_t)(planes.back()[j] << k | (j * 7 & ((1 << k) - 1)));
                            memcpy(&deep[2 * j], &v, 2);
                        }
                        planes.back() = deep;
                    }
                    in[p] = planes.back().data();
                    strides[p] = fs.bit_depth > 8 ? 2 * pw : pw;
                }
                ret = lmc_encode_video(enc, in, strides, &pkt, &size, nullptr);
            }
            if (ret < 0) {
                fprintf(stderr, "stream %d: %s\n", s, lmc_codec_error(enc));
                return 1;
            }
            append_packet(seed, pkt, size);
        }
        write_file(out + (audio ? "/audio/" : "/video/") + std::to_string(s), seed);
        lmc_codec_close(&enc);
        written++;
    }
    // gen_tiny.lmcm and restore_tiny.lmcm: version-2 models (lmc_gen, lmc_restore) small
    // enough to mutate quickly.
    const char *const models[] = {"video-s.lmcm", "video-s1.lmcm", "audio-s.lmcm", "audio-a.lmcm",
                                  "../tests/data/gen_tiny.lmcm", "../tests/data/restore_tiny.lmcm"};
    for (const char *m : models) {
        std::vector<uint8_t> seed = {0};
        auto b = lmc_tools::read_bytes(std::string(LMC_SOURCE_MODEL_DIR) + "/" + m);
        seed.insert(seed.end(), b.begin(), b.end());
        const std::string name(m);
        write_file(out + "/model/" + name.substr(name.rfind('/') + 1), seed);
    }
    printf("fuzz seeds: %d streams, %d headers, %zu models in %s\n", written, written, std::size(models), out.c_str());
    return 0;
}
