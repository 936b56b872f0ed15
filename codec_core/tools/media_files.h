// Small file helpers shared by our tools and tests (not part of liblmc):
// YUV4MPEG2 reading and the "LMCG" raw stream file (a stream header and
// its packets, each length-prefixed), which holds golden streams and the
// CPU/GPU cross-decode streams.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace lmc_tools {

inline std::vector<uint8_t> read_bytes(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
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

struct StreamFile {
    std::vector<uint8_t> header;
    std::vector<std::vector<uint8_t>> packets;
};

inline void write_stream_file(const std::string &path, const StreamFile &s)
{
    std::ofstream f(path, std::ios::binary);
    auto u32 = [&](uint32_t v) { f.write((const char *)&v, 4); };
    f.write("LMCG", 4);
    u32((uint32_t)s.header.size());
    f.write((const char *)s.header.data(), s.header.size());
    u32((uint32_t)s.packets.size());
    for (auto &p : s.packets) {
        u32((uint32_t)p.size());
        f.write((const char *)p.data(), p.size());
    }
}

// Returns false on a missing or malformed file.
inline bool read_stream_file(const std::string &path, StreamFile *s)
{
    std::vector<uint8_t> b = read_bytes(path);
    size_t pos = 4;
    auto u32 = [&](uint32_t *v) {
        if (pos + 4 > b.size()) return false;
        memcpy(v, &b[pos], 4);
        pos += 4;
        return true;
    };
    uint32_t n, count;
    if (b.size() < 8 || memcmp(b.data(), "LMCG", 4) != 0 || !u32(&n) || pos + n > b.size())
        return false;
    s->header.assign(b.begin() + pos, b.begin() + pos + n);
    pos += n;
    if (!u32(&count))
        return false;
    for (uint32_t i = 0; i < count; i++) {
        if (!u32(&n) || pos + n > b.size())
            return false;
        s->packets.emplace_back(b.begin() + pos, b.begin() + pos + n);
        pos += n;
    }
    return true;
}

} // namespace lmc_tools
