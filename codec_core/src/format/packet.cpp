#include "packet.h"

#include "crc32.h"
#include "errors.h"

namespace lmc {

void begin_packet(std::vector<uint8_t> &out, uint8_t flags)
{
    out.assign(4, 0);
    out.push_back(flags);
}

void end_packet(std::vector<uint8_t> &out)
{
    uint32_t c = crc32(out.data() + 4, out.size() - 4);
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(c >> (8 * i));
}

const uint8_t *open_packet(const uint8_t *data, size_t size, size_t *payload_size, uint8_t *flags)
{
    require_data(data && size >= kPacketHeaderSize, "packet too short");
    uint32_t stored = data[0] | data[1] << 8 | data[2] << 16 | (uint32_t)data[3] << 24;
    require_data(stored == crc32(data + 4, size - 4), "packet checksum mismatch (corrupt or truncated packet)");
    *flags = data[4];
    *payload_size = size - kPacketHeaderSize;
    return data + kPacketHeaderSize;
}

void put_substreams(std::vector<uint8_t> &out, const std::vector<std::vector<uint8_t>> &streams)
{
    for (size_t i = 0; i + 1 < streams.size(); i++)
        for (uint64_t v = streams[i].size();; v >>= 7) {
            out.push_back((uint8_t)(v & 127) | (v >= 128 ? 128 : 0));
            if (v < 128)
                break;
        }
    for (const std::vector<uint8_t> &s : streams)
        out.insert(out.end(), s.begin(), s.end());
}

std::vector<Substream> split_substreams(const uint8_t *data, size_t size, int count)
{
    std::vector<Substream> out(count);
    size_t pos = 0, sizes = 0;
    for (int i = 0; i + 1 < count; i++) {
        uint64_t v = 0;
        for (int shift = 0;; shift += 7) {
            require_data(pos < size && shift < 35, "substream sizes run past the packet (corrupt data)");
            const uint8_t b = data[pos++];
            v |= (uint64_t)(b & 127) << shift;
            if (!(b & 128))
                break;
        }
        require_data(v <= size, "substream larger than its packet (corrupt data)");
        out[i].size = (size_t)v;
        sizes += (size_t)v;
        require_data(sizes <= size, "substreams larger than their packet (corrupt data)");
    }
    require_data(pos + sizes <= size, "substreams larger than their packet (corrupt data)");
    const uint8_t *p = data + pos;
    for (int i = 0; i + 1 < count; i++) {
        out[i].data = p;
        p += out[i].size;
    }
    out[count - 1] = {p, size - pos - sizes};
    return out;
}

} // namespace lmc
