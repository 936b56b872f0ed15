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

} // namespace lmc
