// lmc-audio-rows: the training rows of lmc_audio (what the model sees and
// codes for each sample the encoder gives it), from the codec itself, so that
// models/training/train_audio.py learns exactly the encoder's residuals.
//
//   lmc-audio-rows MODEL.lmcm CHANNELS RATE < pcm_s16le > rows
//
// Each row: 20 int8 inputs, u8 symbol, u8 k, u64 zigzagged residual
// (little-endian, 30 bytes), channel by channel within each block.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "audio_codec.h"
#include "errors.h"
#include "model_file.h"
#include "stream_header.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: lmc-audio-rows MODEL.lmcm CHANNELS RATE < pcm_s16le > rows\n");
        return 2;
    }
    try {
        lmc::StreamHeader h;
        h.kind = LMC_KIND_AUDIO;
        h.channels = atoi(argv[2]);
        h.sample_rate = atoi(argv[3]);
        h.sample_fmt = LMC_SAMPLE_S16;
        h.block_size = lmc_audio_default_block(h.sample_rate);
        h.tools = lmc::encoder_tools(h.kind);
        lmc::validate_stream_params(h);
        auto runner = std::make_shared<lmc::ModelRunner>(lmc::load_model_file(argv[1]), "cpu", 1);
        lmc::AudioCodec codec(h, runner);
        std::vector<int16_t> pcm((size_t)h.block_size * h.channels);
        for (;;) {
            const size_t got = fread(pcm.data(), 2 * h.channels, h.block_size, stdin);
            if (!got)
                break;
            lmc::AudioRows rows;
            codec.training_rows(pcm.data(), (int)got, rows);
            for (size_t r = 0; r < rows.symbol.size(); r++) {
                fwrite(&rows.inputs[r * lmc::kAudioInputs], 1, lmc::kAudioInputs, stdout);
                fputc(rows.symbol[r], stdout);
                fputc(rows.k[r], stdout);
                fwrite(&rows.u[r], 8, 1, stdout); // little-endian hosts only, as the trainer
            }
        }
    } catch (const std::exception &e) {
        fprintf(stderr, "lmc-audio-rows: %s\n", e.what());
        return 1;
    }
    return ferror(stdout) ? 1 : 0;
}
