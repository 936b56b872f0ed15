// Encoder side of frame adaptation (docs/format.md section 7.4). A network
// trained offline meets clips it has never seen (another camera's noise, a
// lossy-origin background); moving the hidden layers' biases fits it to the
// clip at a cost of one byte per hidden unit in the packet. Measured on a
// noisy grey camera keyframe: -5% bits, where retraining the whole network
// on the clip gave -9%. The fit is float gradient descent (not normative:
// only its rounded result enters the stream, and the decoder just adds it).
#pragma once

#include <cstdint>
#include <vector>

#include "model_runner.h"
#include "worker_pool.h"

namespace lmc {

struct AdaptationSample {
    std::vector<float> inputs; // n x model inputs
    std::vector<uint8_t> symbols;
    int n = 0;
};

// Bias offsets (activation units, one per hidden unit) that lower the code
// length of the sample under the runner's model: `steps` Adam steps from
// `start` (empty = zeros), on the pool's threads if one is given (the result
// does not depend on their number).
std::vector<int8_t> fit_bias_offsets(const ModelRunner &runner, const AdaptationSample &sample,
                                     const std::vector<int8_t> &start, int steps, WorkerPool *pool);

// Exact code length in bits of the sample's symbols under the runner's
// network with the given offsets (empty = none). Leaves the runner with the
// given offsets set.
double sample_bits(ModelRunner &runner, const AdaptationSample &sample, const std::vector<int8_t> &offsets);

} // namespace lmc
