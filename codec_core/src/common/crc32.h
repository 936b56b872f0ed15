// CRC-32 (IEEE 802.3, reflected, as zlib) for stream headers and packets.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lmc {

uint32_t crc32(const uint8_t *data, size_t size);

} // namespace lmc
