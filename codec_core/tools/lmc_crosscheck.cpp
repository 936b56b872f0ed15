// lmc-crosscheck: codes a Y4M clip through the liblmc C API on a chosen
// device and decodes raw LMCG stream files, printing a hash of the decoded
// samples. Used to prove that a stream encoded on the CPU decodes bit-exactly
// on CUDA and the other way round (docs/exactness.md), and to time the codec
// without FFmpeg around it.
//
//   lmc-crosscheck encode cpu|cuda IN.y4m OUT.lmcg [frames] [video|rgb|gen|learned] [MODEL] [KEYINT] [TILES]
//   (gen: lmc_gen -max_error 2; learned: lmc_gen's learned coding at -q:v 12;
//    rgb: lmc_video of a 4:2:0 clip made gbrp, its planes Y, U, V at full size
//    as G, B, R: subtract-green and feature set 4's colour inputs, format.md 7.10, 7.11)
//   (TILES: COLSxROWS, 0x0 for the encoder's choice, 1x1 untiled)
//   lmc-crosscheck decode cpu|cuda IN.lmcg [threads]
//   lmc-crosscheck restore cpu|cuda IN.y4m [frames] [MODEL] [threads]
//   (the lmc_restore filter's output for a yuv420p clip: its hash and speed)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lmc/lmc.h"
#include "media_files.h"
#include "sha256.h"

using namespace lmc_tools;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

static int encode(const char *device, const char *in, const char *out, int max_frames, const std::string &kind,
                  const char *model, int keyint, const char *tiles)
{
    Y4m clip = read_y4m(in);
    if (clip.frames.empty()) {
        fprintf(stderr, "no frames in %s\n", in);
        return 1;
    }
    lmc_config cfg;
    lmc_config_init(&cfg);
    const bool rgb = kind == "rgb";
    cfg.kind = kind == "video" || rgb ? LMC_KIND_VIDEO : LMC_KIND_GEN;
    cfg.max_error = kind == "gen" ? 2 : 0;
    cfg.quality = 12;
    cfg.width = clip.width;
    cfg.height = clip.height;
    cfg.pix_fmt = clip.mono ? LMC_PIX_GRAY8 : rgb ? LMC_PIX_GBRP : LMC_PIX_YUV420P;
    if (rgb && clip.mono) {
        fprintf(stderr, "rgb needs a 4:2:0 clip\n");
        return 2;
    }
    cfg.device = device;
    cfg.threads = 2;
    cfg.model = model;
    cfg.keyint = keyint;
    if (tiles && sscanf(tiles, "%dx%d", &cfg.tile_cols, &cfg.tile_rows) != 2) {
        fprintf(stderr, "tiles: COLSxROWS, not %s\n", tiles);
        return 2;
    }
    lmc_codec *enc;
    char err[512];
    if (lmc_encoder_open(&enc, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, "encoder: %s\n", err);
        return 1;
    }
    StreamFile s;
    const uint8_t *h;
    size_t hs;
    lmc_encoder_header(enc, &h, &hs);
    s.header.assign(h, h + hs);
    int n = std::min<int>(max_frames, (int)clip.frames.size());
    auto t0 = Clock::now();
    size_t bytes = 0;
    for (int i = 0; i < n; i++) {
        const uint8_t *planes[3] = {};
        int strides[3] = {clip.width, clip.width / 2, clip.width / 2};
        if (rgb) { // chroma repeated 2x2 to full size
            for (int p = 1; p < 3; p++) {
                std::vector<uint8_t> full((size_t)clip.width * clip.height);
                for (int y = 0; y < clip.height; y++)
                    for (int x = 0; x < clip.width; x++)
                        full[(size_t)y * clip.width + x] = clip.frames[i][p][(size_t)(y / 2) * (clip.width / 2) + x / 2];
                clip.frames[i][p] = std::move(full);
                strides[p] = clip.width;
            }
        }
        for (size_t p = 0; p < clip.frames[i].size(); p++)
            planes[p] = clip.frames[i][p].data();
        const uint8_t *pkt;
        size_t size;
        if (lmc_encode_video(enc, planes, strides, &pkt, &size, nullptr) < 0) {
            fprintf(stderr, "encode: %s\n", lmc_codec_error(enc));
            return 1;
        }
        s.packets.emplace_back(pkt, pkt + size);
        bytes += size;
    }
    double t = seconds_since(t0);
    lmc_codec_close(&enc);
    write_stream_file(out, s);
    printf("encoded %d frames on %s: %zu bytes, %.2f frames/s\n", n, device, bytes, n / t);
    return 0;
}

static int decode(const char *device, const char *in, int threads)
{
    StreamFile s;
    if (!read_stream_file(in, &s)) {
        fprintf(stderr, "cannot read stream file %s\n", in);
        return 1;
    }
    lmc_config opts, info;
    lmc_config_init(&opts);
    opts.device = device;
    opts.threads = threads;
    lmc_codec *dec;
    char err[512];
    if (lmc_decoder_open(&dec, s.header.data(), s.header.size(), &opts, &info, err, sizeof err) < 0) {
        fprintf(stderr, "decoder: %s\n", err);
        return 1;
    }
    int cw = info.pix_fmt == LMC_PIX_YUV420P ? info.width / 2 : info.width;
    int ch = info.pix_fmt == LMC_PIX_YUV420P ? info.height / 2 : info.height;
    int np = info.pix_fmt == LMC_PIX_GRAY8 ? 1 : 3;
    std::vector<uint8_t> planes[3] = {std::vector<uint8_t>((size_t)info.width * info.height),
                                      std::vector<uint8_t>((size_t)cw * ch), std::vector<uint8_t>((size_t)cw * ch)};
    uint8_t *out[3] = {planes[0].data(), planes[1].data(), planes[2].data()};
    int strides[3] = {info.width, cw, cw};
    std::vector<uint8_t> all;
    Clock::time_point t0;
    for (size_t i = 0; i < s.packets.size(); i++) {
        if (i == 1)
            t0 = Clock::now(); // the first frame includes loading the model
        if (lmc_decode_video(dec, s.packets[i].data(), s.packets[i].size(), out, strides) < 0) {
            fprintf(stderr, "decode: %s\n", lmc_codec_error(dec));
            return 1;
        }
        for (int p = 0; p < np; p++)
            all.insert(all.end(), planes[p].begin(), planes[p].end());
    }
    double fps = s.packets.size() > 1 ? (s.packets.size() - 1) / seconds_since(t0) : 0;
    printf("decoded %zu frames on %s (%dx%d tiles): sha256 %s, %.2f frames/s\n", s.packets.size(), device,
           info.tile_cols, info.tile_rows, lmc::to_hex(lmc::sha256(all.data(), all.size())).c_str(), fps);
    lmc_codec_close(&dec);
    return 0;
}

static int restore(const char *device, const char *in, int max_frames, const char *model, int threads)
{
    Y4m clip = read_y4m(in);
    lmc_config opts;
    lmc_config_init(&opts);
    opts.device = device;
    opts.threads = threads;
    opts.model = model;
    lmc_restorer *r;
    char err[512];
    if (clip.frames.empty() || clip.mono) {
        fprintf(stderr, "restore: %s is not a 4:2:0 clip\n", in);
        return 1;
    }
    if (lmc_restorer_open(&r, clip.width, clip.height, LMC_PIX_YUV420P, &opts, err, sizeof err) < 0) {
        fprintf(stderr, "restore: %s\n", err);
        return 1;
    }
    const int cw = (clip.width + 1) / 2;
    std::vector<uint8_t> planes[3] = {std::vector<uint8_t>((size_t)clip.width * clip.height),
                                      std::vector<uint8_t>((size_t)cw * ((clip.height + 1) / 2)),
                                      std::vector<uint8_t>((size_t)cw * ((clip.height + 1) / 2))};
    uint8_t *out[3] = {planes[0].data(), planes[1].data(), planes[2].data()};
    const int strides[3] = {clip.width, cw, cw};
    std::vector<uint8_t> all;
    Clock::time_point t0;
    size_t n = std::min<size_t>(clip.frames.size(), max_frames);
    for (size_t i = 0; i < n; i++) {
        if (i == 1)
            t0 = Clock::now(); // the first frame includes loading the model
        const uint8_t *src[3] = {clip.frames[i][0].data(), clip.frames[i][1].data(), clip.frames[i][2].data()};
        if (lmc_restorer_frame(r, src, strides, out, strides) < 0) {
            fprintf(stderr, "restore: %s\n", lmc_restorer_error(r));
            return 1;
        }
        for (auto &p : planes)
            all.insert(all.end(), p.begin(), p.end());
    }
    double fps = n > 1 ? (n - 1) / seconds_since(t0) : 0;
    printf("restored %zu frames of %dx%d on %s: sha256 %s, %.2f frames/s\n", n, clip.width, clip.height, device,
           lmc::to_hex(lmc::sha256(all.data(), all.size())).c_str(), fps);
    lmc_restorer_close(&r);
    return 0;
}

int main(int argc, char **argv)
{
    std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "encode" && argc >= 5)
        return encode(argv[2], argv[3], argv[4], argc > 5 ? atoi(argv[5]) : 1 << 30,
                      argc > 6 ? argv[6] : "video", argc > 7 ? argv[7] : nullptr,
                      argc > 8 ? atoi(argv[8]) : 30, argc > 9 ? argv[9] : nullptr);
    if (cmd == "decode" && (argc == 4 || argc == 5))
        return decode(argv[2], argv[3], argc == 5 ? atoi(argv[4]) : 2);
    if (cmd == "restore" && argc >= 4)
        return restore(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 1 << 30, argc > 5 ? argv[5] : nullptr,
                       argc > 6 ? atoi(argv[6]) : 2);
    fprintf(stderr, "usage: lmc-crosscheck encode cpu|cuda IN.y4m OUT.lmcg [frames] [video|gen|learned] [MODEL] [KEYINT=30] [TILES=0x0]\n"
                    "       lmc-crosscheck decode cpu|cuda IN.lmcg [THREADS=2]\n"
                    "       lmc-crosscheck restore cpu|cuda IN.y4m [frames] [MODEL] [THREADS=2]\n");
    return 2;
}
