// lmc_video's packet reader and decoder: the packet checks made before
// anything is allocated (docs/format.md 5), then the frame through the wavefront.
#include "video_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "errors.h"
#include "freq_table.h"
#include "low_bits.h"
#include "packet.h"
#include "motion.h"
#include "range_coder.h"
#include "video_schedule.h"
#include "video_symbols.h"

namespace lmc {

// Samples in one frame of the stream, all planes.
static int64_t frame_samples(const StreamHeader &h)
{
    const int64_t luma = (int64_t)h.width * h.height;
    switch (h.pix_fmt) {
    case LMC_PIX_GRAY8: return luma;
    case LMC_PIX_YUV420P: return luma + 2 * (luma / 4);
    case LMC_PIX_YUV422P: return luma + 2 * (luma / 2);
    case LMC_PIX_YUVA420P: return 2 * luma + 2 * (luma / 4);
    case LMC_PIX_YUVA444P:
    case LMC_PIX_GBRAP: return 4 * luma;
    default: return 3 * luma;
    }
}

// Every symbol of an m-letter alphabet has frequency >= 1 of a total <= 2^16
// (freq_table.h), so none costs less than -log2(1 - (m - 1) / 2^16) bits: a
// keyframe, which codes every sample, needs at least this many bytes. Checked
// before anything is allocated for the frame, it keeps a header that claims
// 16384x4096 from costing more than its packets could ever decode.
static size_t min_keyframe_bytes(const StreamHeader &h)
{
    // lmc_gen codes bins of 2d + 1 residuals; at least 256 / (2d + 1) are reachable.
    const int m = h.kind == LMC_KIND_GEN ? std::max(2, 256 / (2 * h.max_error + 1)) : 256;
    const double bits = (double)frame_samples(h) * -std::log2(1.0 - (m - 1) / 65536.0);
    const double bytes = 0.9 * bits / 8 - 16; // margin for rounding in the coder
    return bytes > 0 ? (size_t)bytes : 0;
}

VideoPacket parse_video_packet(const StreamHeader &header, const uint8_t *data, size_t size)
{
    VideoPacket p;
    p.payload = open_packet(data, size, &p.payload_size, &p.flags);
    require_data((p.flags & ~(kPacketKeyframe | kPacketSkipBlocks | kPacketBackground | kPacketAdapted |
                              kPacketSubpel | kPacketSplit | kPacketCalibrated)) == 0,
                 "unknown packet flags (newer stream?)");
    require_data(!(p.flags & (kPacketAdapted | kPacketCalibrated)) || header.kind == LMC_KIND_VIDEO,
                 "adapted-network or calibration flag in a lossy stream (corrupt data)");
    p.keyframe = p.flags & kPacketKeyframe;
    if (p.keyframe && p.payload_size < min_keyframe_bytes(header))
        fail(LMC_ERR_INVALID_DATA, "keyframe of " + std::to_string(size) + " bytes cannot hold a " +
                                       std::to_string(header.width) + "x" + std::to_string(header.height) +
                                       " frame (at least " + std::to_string(min_keyframe_bytes(header)) +
                                       " bytes): corrupt packet or header");
    return p;
}

void VideoCodec::decode_frame(const uint8_t *data, size_t size)
{
    const VideoPacket packet = parse_video_packet(header_, data, size);
    const uint8_t flags = packet.flags, *payload = packet.payload;
    size_t payload_size = packet.payload_size;
    start_frame(!packet.keyframe);
    // Streams of liblmc 0.5 and before have no value calibration.
    calibrate_ = flags & kPacketCalibrated;
    // Streams of liblmc 0.2 have lossless inter frames without skip flags.
    skip_blocks_ = flags & kPacketSkipBlocks;
    background_ref_ = flags & kPacketBackground;
    motion_.subpel = flags & kPacketSubpel;
    motion_.split = flags & kPacketSplit;
    require_data(!(skip_blocks_ || background_ref_ || motion_.subpel || motion_.split) ||
                     (inter_ && header_.kind == LMC_KIND_VIDEO),
                 "skip-block, background, sub-sample or split flags outside a lossless inter frame (corrupt data)");
    require_data(!inter_ || inter_features_, "inter frame in a stream whose model codes keyframes only");
    if (inter_ && !refs_.held())
        fail(LMC_ERR_INVALID_DATA, "inter frame without its previous frame (stream starts mid-GOP, "
                                   "or an earlier frame failed): decoding resumes at the next keyframe");
    if (header_.tools & kToolFrameIndex) { // format.md 5: the frame's place in its GOP
        require_data(payload_size >= 1, "packet too short");
        const unsigned want = inter_ ? (unsigned)(frames_since_key_ + 1) & 255 : 0;
        if (payload[0] != want)
            fail(LMC_ERR_INVALID_DATA, "frame " + std::to_string(payload[0]) + " of its GOP follows frame " +
                                           std::to_string(frames_since_key_ & 255) +
                                           ": a packet is missing or out of order; decoding resumes at the next keyframe");
        payload++, payload_size--;
    }
    ref_distance_ = 1;
    if (inter_ && (header_.tools & kToolOlderReferences)) { // format.md 7.9: which earlier frame
        require_data(payload_size >= 1, "packet too short");
        ref_distance_ = payload[0];
        if (ref_distance_ < 1 || ref_distance_ > refs_.held())
            fail(LMC_ERR_INVALID_DATA, "inter frame aligns from the frame " + std::to_string(ref_distance_) +
                                           " back, but its GOP has " + std::to_string(refs_.held()) +
                                           " decoded frames before it (corrupt data)");
        payload++, payload_size--;
    }
    // Tiled streams (format.md 5, 6.1): the frame's own data, one substream
    // per tile, then the low bits of deep samples; else one stream for all.
    const bool tiled = header_.tools & kToolTiles;
    const int ntiles = tiles_.count();
    std::vector<Substream> sub = tiled ? split_substreams(payload, payload_size, 1 + ntiles + (depth_ > 8))
                                       : std::vector<Substream>{{payload, payload_size}};
    RangeDecoder dec(sub[0].data, sub[0].size);
    if (inter_) {
        decode_motion(dec, motion_);
        if (background_ref_) {
            decode_background_choice(dec, motion_);
            make_background_frames();
        }
        align_reference();
    }
    if (skip_blocks_)
        decode_skip_blocks(dec, skip_);
    require_data(!dec.overrun(), "packet ends inside its motion or skip data (corrupt data)");
    if (!inter_)
        inter_offsets_.clear();
    frame_offsets_ = inter_ ? inter_offsets_ : std::vector<int8_t>();
    if (flags & kPacketAdapted) {
        frame_offsets_ = get_offsets(dec, runner_->hidden_units());
        if (inter_)
            inter_offsets_ = frame_offsets_;
    }
    runner_->set_bias_offsets(frame_offsets_);
    // The encoder wrote exactly what was read: anything else is a packet of
    // other content (another codec's, or cut from a larger frame).
    const char *const excess = "packet holds more data than its frame (corrupt data, or a packet of another stream)";
    std::vector<RangeDecoder> tile_decoders;
    std::vector<RangeDecoder *> tile_dec(ntiles, &dec);
    if (tiled) {
        require_data(dec.consumed_exactly(), excess);
        tile_decoders.reserve(ntiles);
        for (int k = 0; k < ntiles; k++) {
            tile_decoders.emplace_back(sub[1 + k].data, sub[1 + k].size);
            tile_dec[k] = &tile_decoders[k];
        }
    }
    code_wavefront<false>(nullptr, tile_dec.data());
    for (RangeDecoder &d : tile_decoders)
        require_data(d.consumed_exactly(), excess);
    std::optional<RangeDecoder> own_low;
    if (tiled && depth_ > 8)
        own_low.emplace(sub.back().data, sub.back().size);
    RangeDecoder &low = own_low ? *own_low : dec;
    if (depth_ > 8)
        for (int p = 0; p < nplanes_; p++) {
            const LowBitsReference ref = low_bits_reference(p);
            decode_low_bits(low, depth_, planes_[p].px.data(), low_[p].data(), planes_[p].w, planes_[p].h,
                            inter_ ? &ref : nullptr);
        }
    require_data(low.consumed_exactly() && dec.consumed_exactly(), excess);
}

void VideoCodec::decode(const uint8_t *data, size_t size, uint8_t *const planes[], const int strides[])
{
    try {
        decode_frame(data, size);
    } catch (...) {
        refs_.clear(); // later inter frames would decode garbage
        throw;
    }
    keep_reference();
    const int k = depth_ - 8;
    for (int p = 0; p < nplanes_; p++) {
        const PlaneState &s = planes_[p];
        const bool add_green = subtract_green_ && (p == 1 || p == 2); // format.md 7.10
        for (int y = 0; y < s.h; y++) {
            if (add_green) {
                const uint8_t *d = &s.px[(size_t)y * s.w], *g = &planes_[0].px[(size_t)y * s.w];
                uint8_t *row = planes[p] + (ptrdiff_t)y * strides[p];
                for (int x = 0; x < s.w; x++)
                    row[x] = (uint8_t)(d[x] + g[x] - 128);
                continue;
            }
            if (!k) {
                memcpy(planes[p] + (ptrdiff_t)y * strides[p], &s.px[(size_t)y * s.w], s.w);
                continue;
            }
            uint16_t *row = (uint16_t *)(planes[p] + (ptrdiff_t)y * strides[p]);
            for (int x = 0; x < s.w; x++)
                row[x] = (uint16_t)(s.px[(size_t)y * s.w + x] << k | low_[p][(size_t)y * s.w + x]);
        }
    }
}

} // namespace lmc
