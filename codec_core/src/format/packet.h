// Packet framing (docs/format.md section 5): a CRC-32 over the rest, a
// flags byte, then the codec payload. A damaged or truncated packet fails
// the checksum before any of it is decoded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lmc {

constexpr uint8_t kPacketKeyframe = 1;
constexpr uint8_t kPacketSkipBlocks = 2; // inter frame with skip-block flags (format.md 7.2)
constexpr uint8_t kPacketBackground = 4; // inter frame with background-reference choices (7.3)
constexpr uint8_t kPacketAdapted = 8;    // lossless frame carrying network bias offsets (7.4)
constexpr uint8_t kPacketSubpel = 16;    // inter frame whose vectors have quarter-sample fractions (7.5)
constexpr uint8_t kPacketSplit = 32;     // inter frame whose 16x16 blocks may be split into 8x8 (7.6)
constexpr uint8_t kPacketCalibrated = 64; // lossless frame coded through the value calibration (7.7)
constexpr size_t kPacketFlagsAt = 4;
constexpr size_t kPacketHeaderSize = 5;

// Starts a packet in out (reserving the CRC and writing flags).
void begin_packet(std::vector<uint8_t> &out, uint8_t flags);
// Fills in the CRC once the payload is complete.
void end_packet(std::vector<uint8_t> &out);
// Verifies the CRC; returns the payload (after flags) and the flags.
const uint8_t *open_packet(const uint8_t *data, size_t size, size_t *payload_size, uint8_t *flags);

// Substreams (format.md 5, tiled video): count range-coder streams, the
// sizes of all but the last as LEB128 (7 bits a byte, low first, at most 5
// bytes), then their bytes.
struct Substream {
    const uint8_t *data;
    size_t size;
};
void put_substreams(std::vector<uint8_t> &out, const std::vector<std::vector<uint8_t>> &streams);
// Splits what follows into count substreams; throws LMC_ERR_INVALID_DATA when
// the sizes do not fit the bytes.
std::vector<Substream> split_substreams(const uint8_t *data, size_t size, int count);

} // namespace lmc
