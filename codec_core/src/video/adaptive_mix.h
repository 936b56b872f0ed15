// Adaptive stage on top of the network for feature set 3 (docs/format.md
// section 7.1). The network is trained offline; a clip it has never seen
// (a lossy-origin static background, say) has statistics it cannot know.
// Per context (plane group x temporal activity x spatial activity x signs of
// the left and upper neighbours' temporal residuals x agreement of the two
// predictors) this stage counts the symbols of
// the frames coded so far since the keyframe and mixes those counts with the
// network's frequencies, at the weight that has coded the past symbols of
// that context most cheaply. All integer, updated in coding order, reset at
// every keyframe (so seeking still starts cleanly at keyframes).
//
// The 2 MB of contexts are reset lazily: reset() starts a new epoch and a
// context is cleared when it is first written in it, so a keyframe or a new
// decoder costs only the contexts a frame uses, not a sweep over all of them.
// The epochs live apart from the contexts: mix() reads only them until a
// context has been written, so the contexts' pages are first touched by a
// write (a plain page fault), not mapped to the shared zero page by a read
// and then copied on the first write (a copy-on-write fault and a TLB flush
// on every core: 2% of a CIF decode).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace lmc {

class AdaptiveMixer {
public:
    static constexpr int kContexts = 2 * 16 * 8 * 9 * 3;
    static constexpr int kWeights = 8;

    AdaptiveMixer();
    void reset();

    // The context of a sample from its feature set 3 or 4 inputs; with
    // keyframe_contexts (feature set 4) keyframes have contexts of their own.
    static int context(const float *inputs, bool keyframe_contexts);

    // Final frequencies (each >= 1, total returned, <= 2^16) from the
    // network's g[256] (total gtotal).
    uint32_t mix(int ctx, const uint32_t *g, uint32_t gtotal, uint32_t *out) const;

    // Records that sym was coded in ctx with network frequencies g.
    void update(int ctx, int sym, const uint32_t *g, uint32_t gtotal);

private:
    struct Context {
        uint32_t n;
        uint32_t cost[kWeights]; // past code length at each weight, 1/16 bit
        uint8_t count[256];      // <= n <= 255 between updates
    };
    struct Free {
        void operator()(void *p) const { std::free(p); }
    };
    int best_weight(const Context &c) const;
    std::unique_ptr<Context[], Free> ctx_;    // malloc'ed: cleared when first written
    std::unique_ptr<uint32_t[], Free> epoch_of_; // the reset each context's contents belong to
    uint32_t epoch_ = 1;                       // epoch_of_ is calloc'ed: every context stale
};

} // namespace lmc
