// Shared helpers for the unit tests: the shipped models and real sample media.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lmc/lmc.h"
#include "model_file.h"
#include "model_runner.h"
#include "../../codec_core/tools/media_files.h"

namespace lmc_test {

using lmc_tools::read_bytes;
using lmc_tools::read_y4m;
using lmc_tools::Y4m;

inline std::string model_path(const char *name) { return std::string(LMC_SOURCE_MODEL_DIR) + "/" + name; }
inline std::string data_path(const char *name) { return std::string(LMC_TEST_DATA_DIR) + "/" + name; }
inline std::string sample_path(const char *name) { return std::string(LMC_TEST_DATA_DIR) + "/../../samples/" + name; }

inline std::shared_ptr<lmc::ModelRunner> runner(const char *model, int threads = 1)
{
    return std::make_shared<lmc::ModelRunner>(lmc::load_model_file(model_path(model)), "cpu", threads);
}

// A w x h crop at (x0, y0) of a plane of width stride.
inline std::vector<uint8_t> crop(const std::vector<uint8_t> &plane, int stride, int x0, int y0, int w, int h)
{
    std::vector<uint8_t> out((size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            out[(size_t)y * w + x] = plane[(size_t)(y0 + y) * stride + x0 + x];
    return out;
}

// An lmc_video encoder configuration for w x h frames.
inline lmc_config video_config(int pix_fmt, int w, int h)
{
    lmc_config c;
    lmc_config_init(&c);
    c.kind = LMC_KIND_VIDEO;
    c.pix_fmt = pix_fmt;
    c.width = w;
    c.height = h;
    return c;
}

// The frames encode_video codes: crops of the sample clip, frame i of the
// stream being the clip's frame i, or i % loop with a loop length.
inline std::vector<std::vector<uint8_t>> clip_crop(int pix_fmt, int i, int W, int H, int x0, int y0, int loop = 0)
{
    static const Y4m clip = read_y4m(sample_path("vtest_384x288.y4m"));
    auto &src = clip.frames.at(loop ? i % loop : i);
    std::vector<std::vector<uint8_t>> planes = {crop(src[0], clip.width, x0, y0, W, H)};
    if (pix_fmt == LMC_PIX_YUV420P) {
        planes.push_back(crop(src[1], clip.width / 2, x0 / 2, y0 / 2, W / 2, H / 2));
        planes.push_back(crop(src[2], clip.width / 2, x0 / 2, y0 / 2, W / 2, H / 2));
    }
    return planes;
}

// Encodes frames of the sample clip (a crop) through the C API, with a
// keyframe every keyint frames; lmc_gen with max_error 2 unless given (0:
// the learned coding at its default quantiser). refs and loop: see
// lmc_config.refs and clip_crop.
inline lmc_tools::StreamFile encode_video(int kind, int pix_fmt, int frames, int W = 64, int H = 48, int x0 = 200,
                                          int y0 = 100, int keyint = 8, int adapt = 1, int max_error = 2,
                                          int refs = 0, int loop = 0)
{
    lmc_config cfg = video_config(pix_fmt, W, H);
    cfg.kind = kind;
    cfg.max_error = kind == LMC_KIND_GEN ? max_error : 0;
    cfg.keyint = keyint;
    // Inter-frame fits (-adapt 2, the default) are float arithmetic, so their
    // bytes may differ between machines; the frozen streams keep -adapt 1,
    // whose keyframe fit these crops are too small for.
    cfg.adapt = adapt;
    cfg.refs = refs;
    lmc_codec *enc = nullptr;
    char err[512];
    EXPECT_EQ(lmc_encoder_open(&enc, &cfg, err, sizeof err), LMC_OK) << err;
    lmc_tools::StreamFile s;
    const uint8_t *h;
    size_t hs;
    lmc_encoder_header(enc, &h, &hs);
    s.header.assign(h, h + hs);
    for (int i = 0; i < frames; i++) {
        std::vector<std::vector<uint8_t>> planes = clip_crop(pix_fmt, i, W, H, x0, y0, loop);
        const uint8_t *in[3] = {};
        int strides[3] = {};
        for (size_t p = 0; p < planes.size(); p++) {
            in[p] = planes[p].data();
            strides[p] = p ? W / 2 : W;
        }
        const uint8_t *pkt;
        size_t size;
        EXPECT_EQ(lmc_encode_video(enc, in, strides, &pkt, &size, nullptr), LMC_OK) << lmc_codec_error(enc);
        s.packets.emplace_back(pkt, pkt + size);
    }
    lmc_codec_close(&enc);
    return s;
}

} // namespace lmc_test
