#include "stream_header.h"

#include <cstring>
#include <string>

#include "byte_io.h"
#include "crc32.h"
#include "errors.h"
#include "tiles.h"

namespace lmc {

// Version 1 headers hold 0 where version 2 holds the tool set; version 3
// adds the tile grid. Writers use the lowest version that holds what the
// stream uses, so that only streams that need a newer decoder ask for one.
constexpr uint32_t kHeaderVersion = 3;

std::vector<uint8_t> write_stream_header(const StreamHeader &h)
{
    std::vector<uint8_t> out;
    ByteWriter w(out);
    w.bytes((const uint8_t *)"LMCS", 4);
    w.u8(stream_header_version(h));
    w.u8(h.kind);
    w.u16(h.tools);
    w.bytes(h.model_hash.data(), 32);
    if (h.kind == LMC_KIND_AUDIO) {
        w.u32(h.sample_rate);
        w.u8(h.channels);
        w.u8(h.sample_fmt);
        w.u16(0);
        w.u32(h.block_size);
    } else {
        w.u32(h.width);
        w.u32(h.height);
        w.u8(h.pix_fmt);
        w.u8(h.max_error);
        w.u16(h.tools & kToolDeepSamples ? h.bit_depth : 0);
        if (h.tools & kToolTiles) {
            w.u8(h.tile_cols);
            w.u8(h.tile_rows);
        }
    }
    w.u32(crc32(out.data(), out.size()));
    return out;
}

StreamHeader parse_stream_header(const uint8_t *data, size_t size)
{
    require_data(data && size >= 8 && memcmp(data, "LMCS", 4) == 0,
                 "stream header missing or not an LMC header (extradata)");
    ByteReader r(data + 4, size - 4);
    uint32_t version = r.u8();
    if (version < 1 || version > kHeaderVersion)
        fail(LMC_ERR_UNSUPPORTED, "stream header version " + std::to_string(version) +
                                      " is not one this liblmc supports (1.." + std::to_string(kHeaderVersion) + ")");
    StreamHeader h;
    h.kind = (int)r.u8();
    const uint32_t tools = r.u16();
    h.tools = version >= 2 ? tools : 0;
    memcpy(h.model_hash.data(), r.bytes(32), 32);
    if (h.kind == LMC_KIND_AUDIO) {
        h.sample_rate = (int)r.u32();
        h.channels = (int)r.u8();
        h.sample_fmt = (int)r.u8();
        r.u16();
        h.block_size = (int)r.u32();
    } else if (h.kind == LMC_KIND_VIDEO || h.kind == LMC_KIND_GEN) {
        h.width = (int)r.u32();
        h.height = (int)r.u32();
        h.pix_fmt = (int)r.u8();
        h.max_error = (int)r.u8();
        const int depth = (int)r.u16();
        h.bit_depth = h.tools & kToolDeepSamples ? depth : 8;
        if (version >= 3) {
            require_data(h.tools & kToolTiles, "version 3 stream header without tiles (corrupt header)");
            h.tile_cols = (int)r.u8();
            h.tile_rows = (int)r.u8();
        } else {
            require_data(!(h.tools & kToolTiles), "tiles in a version 2 stream header (corrupt header)");
        }
    } else {
        fail(LMC_ERR_INVALID_DATA, "stream header names unknown codec kind " + std::to_string(h.kind));
    }
    size_t body = (size_t)(r.pos() - data);
    uint32_t crc = r.u32();
    require_data(crc == crc32(data, body), "stream header checksum mismatch");
    validate_stream_params(h);
    return h;
}

void validate_stream_params(const StreamHeader &h)
{
    if (h.tools & ~kKnownTools)
        fail(LMC_ERR_UNSUPPORTED, "stream uses coding tools this liblmc does not know (tool bits " +
                                      std::to_string(h.tools) + ")");
    if (h.kind == LMC_KIND_GEN && h.bit_depth != 8)
        fail(LMC_ERR_UNSUPPORTED, "lmc_gen codes 8-bit samples only");
    if (h.learned() && ((h.tools & ~kToolLearnedInter) != kToolLearned || h.pix_fmt != LMC_PIX_YUV420P || h.max_error != 0))
        fail(LMC_ERR_UNSUPPORTED, "lmc_gen's learned coding takes yuv420p, max_error 0, no other tool");
    if (!h.learned() &&
        h.tools & ~(encoder_tools(h.kind) | kToolTiles | (h.kind == LMC_KIND_VIDEO ? (uint32_t)(kToolDeepSamples | kToolOlderReferences | kToolSubtractGreen) : 0u)))
        fail(LMC_ERR_INVALID_DATA, "coding tools (bits " + std::to_string(h.tools) +
                                       ") that this kind of stream does not have");
    if ((h.tools & kToolSubtractGreen) &&
        ((h.pix_fmt != LMC_PIX_GBRP && h.pix_fmt != LMC_PIX_GBRAP) || h.bit_depth != 8))
        fail(LMC_ERR_INVALID_DATA, "subtract-green in a stream that is not 8-bit gbrp or gbrap (corrupt header)");
    if (h.kind == LMC_KIND_AUDIO) {
        if (h.sample_fmt != LMC_SAMPLE_S16 && !(h.sample_fmt == LMC_SAMPLE_S32 && (h.tools & kToolAdaptiveAudio)))
            fail(LMC_ERR_UNSUPPORTED, "lmc_audio codes interleaved s16 and s32 samples only (s32 with tool bit 5)");
        if (h.channels < 1 || h.channels > LMC_MAX_CHANNELS)
            fail(LMC_ERR_UNSUPPORTED, "lmc_audio codes 1 to " + std::to_string(LMC_MAX_CHANNELS) + " channels, not " +
                                          std::to_string(h.channels));
        if (h.sample_rate < 1 || h.sample_rate > 1000000)
            fail(LMC_ERR_UNSUPPORTED, "implausible sample rate " + std::to_string(h.sample_rate));
        if (h.block_size < 1 || h.block_size > LMC_AUDIO_MAX_BLOCK)
            fail(LMC_ERR_UNSUPPORTED, "block size must be 1.." + std::to_string(LMC_AUDIO_MAX_BLOCK));
        return;
    }
    if (h.pix_fmt < LMC_PIX_GRAY8 || h.pix_fmt > LMC_PIX_GBRAP)
        fail(LMC_ERR_UNSUPPORTED, "unsupported pixel format code " + std::to_string(h.pix_fmt));
    if (h.width < 1 || h.height < 1 || h.width > LMC_MAX_DIMENSION || h.height > LMC_MAX_DIMENSION ||
        (int64_t)h.width * h.height > LMC_MAX_PIXELS)
        fail(LMC_ERR_UNSUPPORTED, "dimensions " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                                      " out of range (max " + std::to_string(LMC_MAX_DIMENSION) +
                                      " per side, " + std::to_string(LMC_MAX_PIXELS) + " pixels)");
    if (((h.pix_fmt == LMC_PIX_YUV420P || h.pix_fmt == LMC_PIX_YUVA420P) && (h.width % 2 || h.height % 2)) ||
        (h.pix_fmt == LMC_PIX_YUV422P && h.width % 2))
        fail(LMC_ERR_UNSUPPORTED, "subsampled formats need even dimensions");
    if (!!(h.tools & kToolDeepSamples) != (h.bit_depth != 8) || h.bit_depth < 8 || h.bit_depth > 16)
        fail(LMC_ERR_UNSUPPORTED, "bit depth " + std::to_string(h.bit_depth) +
                                      ": lmc_video codes 8 to 16 bits per sample, lmc_gen 8");
    if (h.tools & kToolTiles ? (h.tile_cols < 1 || h.tile_cols > max_tiles(h.width) || h.tile_rows < 1 ||
                                h.tile_rows > max_tiles(h.height))
                             : (h.tile_cols != 1 || h.tile_rows != 1))
        fail(LMC_ERR_UNSUPPORTED, "tile grid " + std::to_string(h.tile_cols) + "x" + std::to_string(h.tile_rows) +
                                      " for " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                                      ": at most one tile per " + std::to_string(kMinTileSide) +
                                      " samples a side, " + std::to_string(kMaxTileGrid) + " a side");
    if (h.kind == LMC_KIND_GEN && !h.learned() ? (h.max_error < 1 || h.max_error > 32) : h.max_error != 0)
        fail(LMC_ERR_UNSUPPORTED, "max_error must be 1..32 for lmc_gen's bounded-error coding and 0 for "
                                  "lmc_video and the learned coding");
}

} // namespace lmc
