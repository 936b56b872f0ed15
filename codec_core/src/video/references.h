// Older references (docs/format.md section 7.9): content that comes back (a
// cut back to an earlier shot, a loop) is in an earlier decoded frame, not
// in the previous one. Streams with tool bit 256 keep the last 16 decoded
// frames of the GOP (fewer for frames above 16 MB: reference_capacity), and
// every lossless inter frame names the one it aligns from; streams without
// it keep one, the previous frame.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "video_context.h"

namespace lmc {

constexpr int kMaxReferences = 16;
constexpr size_t kReferenceBytes = (size_t)1 << 28;

// Frames a stream with the tool keeps (7.9): 16, or as many as fit 256 MB
// (at least 1), so that a header of huge frames cannot make a decoder hold
// 16 of them. 1080p and 4K 4:2:0 keep 16.
inline int reference_capacity(size_t frame_bytes)
{
    return (int)std::max<size_t>(1, std::min<size_t>(kMaxReferences, kReferenceBytes / std::max<size_t>(1, frame_bytes)));
}

class ReferenceFrames {
public:
    // capacity: 1, or reference_capacity() with the stream tool.
    void init(int capacity) { ring_.assign(capacity, Frame{}), newest_ = 0, held_ = 0; }
    int capacity() const { return (int)ring_.size(); }
    // Decoded frames of this GOP that a frame may name (1 = the previous).
    int held() const { return held_; }
    void clear() { held_ = 0; }
    // After a frame is decoded: a keyframe starts the GOP afresh.
    void keep(const PlaneState *planes, const std::vector<uint16_t> *low, int nplanes, bool keyframe);
    // The frame decoded `distance` frames ago (1..held()).
    const uint8_t *high(int distance, int plane) const { return at(distance).high[plane].data(); }
    const uint16_t *low(int distance, int plane) const { return at(distance).low[plane].data(); }

private:
    struct Frame {
        std::vector<uint8_t> high[kMaxPlanes];
        std::vector<uint16_t> low[kMaxPlanes]; // deep samples (7.8): the bits below the top 8
    };
    const Frame &at(int distance) const
    {
        return ring_[(size_t)((newest_ - distance + 1 + capacity()) % capacity())];
    }
    std::vector<Frame> ring_;
    int newest_ = 0, held_ = 0;
};

// Encoder (not normative): the distance (1..limit, at most held()) whose
// frame's luma is closest to the source's, by the sum of absolute
// differences at vector (0, 0) over every second row and column; ties go to
// the nearer frame. Motion search then runs against that frame.
int choose_reference(const ReferenceFrames &refs, int limit, const uint8_t *src, int w, int h);

} // namespace lmc
