// libFuzzer target for the lmc_video / lmc_gen decoders (and, built with
// LMC_FUZZ_AUDIO, the lmc_audio decoder) through the C API, as FFmpeg's
// wrappers drive them: every packet is checked, then decoded, and decoding
// goes on after a failure. Input format: fuzz_input.h.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "lmc/lmc.h"
#include "stream_header.h"

using namespace lmc_fuzz;

static lmc::Sha256 model_identity(const char *name)
{
    std::string path = std::string(LMC_SOURCE_MODEL_DIR) + "/" + name;
    FILE *f = fopen(path.c_str(), "rb");
    lmc::Sha256 h{};
    if (!f || fseek(f, -32, SEEK_END) != 0 || fread(h.data(), 1, 32, f) != 32) {
        fprintf(stderr, "fuzz: cannot read %s\n", path.c_str());
        abort();
    }
    fclose(f);
    return h;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifdef LMC_FUZZ_AUDIO
    const bool audio = true;
#else
    const bool audio = false;
#endif
    static const lmc::Sha256 video_model = model_identity("video-s.lmcm");
    static const lmc::Sha256 audio_model = model_identity("audio-a.lmcm");
    static const lmc::Sha256 gen_model = model_identity("gen-ip.lmcm");
    const FuzzInput in = parse_fuzz_input(data, size, audio);
    const FuzzStream &fs = kFuzzStreams[in.stream];

    lmc::StreamHeader h;
    h.kind = fs.kind;
    const bool learned = fs.kind == LMC_KIND_GEN && fs.max_error == 0;
    h.tools = in.options & kSetTools ? in.tools
              : learned       ? (uint32_t)(lmc::kToolLearned | lmc::kToolLearnedInter) // intra and inter packets
                              : lmc::encoder_tools(fs.kind);
    h.model_hash = audio ? audio_model : learned ? gen_model : video_model;
    h.width = fs.width;
    h.height = fs.height;
    h.pix_fmt = fs.pix_fmt;
    h.max_error = fs.max_error;
    h.bit_depth = fs.bit_depth;
    if (fs.bit_depth > 8 && !(in.options & kSetTools))
        h.tools |= lmc::kToolDeepSamples;
    h.tile_cols = fs.tile_cols;
    h.tile_rows = fs.tile_rows;
    if (fs.tile_cols * fs.tile_rows > 1 && !(in.options & kSetTools))
        h.tools |= lmc::kToolTiles;
    if (!(h.tools & lmc::kToolTiles)) // untiled: one tile (set tool bits may drop the grid)
        h.tile_cols = h.tile_rows = 1;
    h.sample_rate = fs.sample_rate;
    h.channels = fs.channels;
    h.sample_fmt = audio ? fs.sample_fmt : 0;
    h.block_size = fs.block_size;
    const std::vector<uint8_t> header = lmc::write_stream_header(h);

    lmc_config opts, info;
    lmc_config_init(&opts);
    opts.model_dir = LMC_SOURCE_MODEL_DIR;
    opts.threads = 1;
    // liblmc caches a model while a codec holds it; this decoder, opened for
    // the first input and never closed, keeps the model loaded, as it stays
    // loaded while a program decodes one stream, instead of re-reading and
    // hashing the file for every input.
    static lmc_codec *keep_model_loaded = [&] {
        lmc_codec *d = nullptr;
        lmc::StreamHeader plain = h;
        plain.tools = lmc::encoder_tools(fs.kind) | (fs.bit_depth > 8 ? lmc::kToolDeepSamples : 0);
        plain.tile_cols = plain.tile_rows = 1;
        const std::vector<uint8_t> ph = lmc::write_stream_header(plain);
        lmc_config ignored;
        if (lmc_decoder_open(&d, ph.data(), ph.size(), &opts, &ignored, nullptr, 0) < 0)
            abort();
        return d;
    }();
    (void)keep_model_loaded;
    if (learned) { // the gen model likewise, from its first input on
        static lmc_codec *keep_gen_loaded = [&] {
            lmc::StreamHeader plain = h;
            plain.tools = lmc::kToolLearned;
            const std::vector<uint8_t> ph = lmc::write_stream_header(plain);
            lmc_codec *d = nullptr;
            lmc_config ignored;
            if (lmc_decoder_open(&d, ph.data(), ph.size(), &opts, &ignored, nullptr, 0) < 0)
                abort();
            return d;
        }();
        (void)keep_gen_loaded;
    }
    lmc_codec *dec = nullptr;
    if (lmc_decoder_open(&dec, header.data(), header.size(), &opts, &info, nullptr, 0) < 0)
        return 0; // tool bits this liblmc refuses
    const int bytes = info.bit_depth > 8 ? 2 : 1; // the header says, whatever the shape
    std::vector<uint8_t> planes[4];
    for (auto &p : planes)
        p.assign((size_t)bytes * (fs.width + 1) * (fs.height + 1), 0);
    uint8_t *out[4] = {planes[0].data(), planes[1].data(), planes[2].data(), planes[3].data()};
    int strides[4] = {bytes * fs.width, bytes * fs.width, bytes * fs.width, bytes * fs.width};
    static std::vector<int32_t> pcm((size_t)LMC_AUDIO_MAX_BLOCK * LMC_MAX_CHANNELS); // output only: no state
    for (size_t i = 0; i < in.packets.size(); i++) {
        const auto &p = in.packets[i];
        if (audio) {
            int n = lmc_audio_packet_samples(dec, p.data(), p.size());
            if (n > 0)
                lmc_decode_audio(dec, p.data(), p.size(), pcm.data(), n);
        } else {
            int key = 0;
            if (lmc_video_packet_info(dec, p.data(), p.size(), &key) == LMC_OK)
                lmc_decode_video(dec, p.data(), p.size(), out, strides);
        }
        if (i == in.packets.size() / 2 && (in.options & kSeek))
            lmc_decoder_reset(dec); // a seek in the middle
    }
    lmc_codec_close(&dec);
    return 0;
}
