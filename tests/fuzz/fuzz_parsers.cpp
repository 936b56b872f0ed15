// libFuzzer targets for the two parsers that read files from outside: the
// stream header (FFmpeg extradata; built with LMC_FUZZ_HEADER) and the model
// file (*.lmcm). Structure-aware: the harness recomputes the header's CRC-32
// and the model's SHA-256 unless the input's first byte says not to, so
// mutations reach the fields behind the checksums.
#include <cstdint>
#include <cstring>
#include <vector>

#include "crc32.h"
#include "errors.h"
#include "lmc/lmc.h"
#include "model_file.h"
#include "sha256.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const bool fix = !(data[0] & 1);
    std::vector<uint8_t> b(data + 1, data + size);
#ifdef LMC_FUZZ_HEADER
    if (fix && b.size() >= 8) {
        uint32_t c = lmc::crc32(b.data(), b.size() - 4);
        memcpy(&b[b.size() - 4], &c, 4);
    }
    lmc_config opts, info;
    lmc_config_init(&opts);
    opts.model_dir = LMC_SOURCE_MODEL_DIR;
    lmc_codec *dec = nullptr;
    char err[256];
    if (lmc_decoder_open(&dec, b.data(), b.size(), &opts, &info, err, sizeof err) == LMC_OK) {
        lmc_model_info m;
        lmc_codec_model_info(dec, &m);
        lmc_codec_close(&dec);
    }
#else
    if (fix && b.size() >= 64) {
        lmc::Sha256 h = lmc::sha256(b.data(), b.size() - 32);
        memcpy(&b[b.size() - 32], h.data(), 32);
    }
    try {
        lmc::parse_model(b, "fuzz.lmcm");
    } catch (const lmc::Error &) {
    }
#endif
    return 0;
}
