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

namespace lmc_test {

inline std::string model_path(const char *name) { return std::string(LMC_SOURCE_MODEL_DIR) + "/" + name; }
inline std::string data_path(const char *name) { return std::string(LMC_TEST_DATA_DIR) + "/" + name; }
inline std::string sample_path(const char *name) { return std::string(LMC_TEST_DATA_DIR) + "/../../samples/" + name; }

inline std::vector<uint8_t> read_bytes(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

inline std::shared_ptr<lmc::ModelRunner> runner(const char *model, int threads = 1)
{
    return std::make_shared<lmc::ModelRunner>(lmc::load_model_file(model_path(model)), "cpu", threads);
}

// Frames of a 4:2:0 or mono YUV4MPEG2 file, each as its planes.
struct Y4m {
    int width = 0, height = 0;
    bool mono = false;
    std::vector<std::vector<std::vector<uint8_t>>> frames;
};

inline Y4m read_y4m(const std::string &path)
{
    Y4m y;
    std::vector<uint8_t> b = read_bytes(path);
    size_t eol = 0;
    while (eol < b.size() && b[eol] != '\n')
        eol++;
    std::istringstream hdr(std::string(b.begin(), b.begin() + eol));
    std::string tok;
    while (hdr >> tok) {
        if (tok[0] == 'W') y.width = std::stoi(tok.substr(1));
        if (tok[0] == 'H') y.height = std::stoi(tok.substr(1));
        if (tok.rfind("Cmono", 0) == 0) y.mono = true;
    }
    size_t pos = eol + 1;
    size_t luma = (size_t)y.width * y.height, chroma = y.mono ? 0 : luma / 4;
    while (pos + 6 <= b.size()) {
        while (pos < b.size() && b[pos] != '\n')
            pos++;
        pos++;
        if (pos + luma + 2 * chroma > b.size())
            break;
        std::vector<std::vector<uint8_t>> planes;
        planes.emplace_back(b.begin() + pos, b.begin() + pos + luma);
        pos += luma;
        for (int c = 0; c < (y.mono ? 0 : 2); c++) {
            planes.emplace_back(b.begin() + pos, b.begin() + pos + chroma);
            pos += chroma;
        }
        y.frames.push_back(std::move(planes));
    }
    return y;
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
