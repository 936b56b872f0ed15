// Shared helpers for the unit tests: the shipped models and real sample media.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

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

} // namespace lmc_test
