/*
 * LMC neural lossless audio codec (lmc_audio) through liblmc.
 *
 * This file is part of FFmpeg.
 *
 * FFmpeg is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * FFmpeg is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with FFmpeg; if not, write to the Free Software
 * Foundation, Inc., 51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <lmc/lmc.h>

#include "config_components.h"

#include "liblmc_common.h"

#include "libavutil/channel_layout.h"
#include "libavutil/common.h"
#include "libavutil/cpu.h"
#include "libavutil/mem.h"
#include "libavutil/opt.h"
#include "libavutil/samplefmt.h"

#include "avcodec.h"
#include "codec_internal.h"
#include "decode.h"
#include "encode.h"
#include "internal.h"
#include "thread.h"

typedef struct LMCAudioContext {
    const AVClass *class;
    lmc_codec *codec;
    char *model;
    char *model_dir;
    char *device;
} LMCAudioContext;

static av_cold int lmc_audio_close(AVCodecContext *avctx)
{
    LMCAudioContext *s = avctx->priv_data;

    lmc_codec_close(&s->codec);
    return 0;
}

#if CONFIG_LIBLMC_AUDIO_ENCODER
static av_cold int lmc_audio_encode_init(AVCodecContext *avctx)
{
    LMCAudioContext *s = avctx->priv_data;
    const int channels = avctx->ch_layout.nb_channels;
    lmc_config cfg;
    int ret;

    /* No sample_fmts list on purpose: a list would make ffmpeg convert
     * float input to an integer format silently, which is not lossless. */
    if (avctx->sample_fmt != AV_SAMPLE_FMT_S16 && avctx->sample_fmt != AV_SAMPLE_FMT_S32) {
        av_log(avctx, AV_LOG_ERROR,
               "Sample format %s not supported: lmc_audio codes interleaved s16 "
               "and s32 only (convert with -sample_fmt s32 if that is acceptable)\n",
               av_get_sample_fmt_name(avctx->sample_fmt));
        return AVERROR(EINVAL);
    }
    if (channels < 1 || channels > LMC_MAX_CHANNELS) {
        av_log(avctx, AV_LOG_ERROR,
               "%d channels not supported: lmc_audio codes 1 to %d "
               "(use -ac to downmix)\n", channels, LMC_MAX_CHANNELS);
        return AVERROR(EINVAL);
    }

    lmc_config_init(&cfg);
    cfg.kind        = LMC_KIND_AUDIO;
    cfg.sample_rate = avctx->sample_rate;
    cfg.channels    = channels;
    cfg.sample_fmt  = avctx->sample_fmt == AV_SAMPLE_FMT_S32 ? LMC_SAMPLE_S32 : LMC_SAMPLE_S16;
    /* Samples per channel in one packet: liblmc's block, about a second. */
    cfg.block_size  = lmc_audio_default_block(avctx->sample_rate);
    cfg.threads     = ff_lmc_threads(avctx);
    cfg.model       = s->model;
    cfg.model_dir   = s->model_dir;
    cfg.device      = s->device;

    ret = ff_lmc_open_encoder(avctx, &s->codec, &cfg);
    if (ret < 0)
        return ret;

    avctx->frame_size          = cfg.block_size;
    avctx->initial_padding     = 0;
    if (avctx->sample_fmt == AV_SAMPLE_FMT_S16 || !avctx->bits_per_raw_sample)
        avctx->bits_per_raw_sample = av_get_bytes_per_sample(avctx->sample_fmt) * 8;
    av_log(avctx, AV_LOG_VERBOSE, "liblmc %s, %d thread(s)\n",
           lmc_version_string(), cfg.threads);
    return 0;
}

static int lmc_audio_encode_frame(AVCodecContext *avctx, AVPacket *pkt,
                                  const AVFrame *frame, int *got_packet)
{
    LMCAudioContext *s = avctx->priv_data;
    const uint8_t *data;
    size_t size;
    int ret;

    ret = lmc_encode_audio(s->codec, frame->data[0], frame->nb_samples,
                           &data, &size);
    if (ret < 0)
        return ff_lmc_error(avctx, ret, "Encoding a block",
                               lmc_codec_error(s->codec));
    ret = ff_lmc_output_packet(avctx, pkt, data, size, 1);
    if (ret < 0)
        return ret;

    /* pts and duration come from the frame (no AV_CODEC_CAP_DELAY). */
    *got_packet = 1;
    return 0;
}
#endif

#if CONFIG_LIBLMC_AUDIO_DECODER
static av_cold int lmc_audio_decode_init(AVCodecContext *avctx)
{
    LMCAudioContext *s = avctx->priv_data;
    char err[1024] = "";
    lmc_config opts, info;
    int ret;

    if (!avctx->extradata || avctx->extradata_size <= 0) {
        av_log(avctx, AV_LOG_ERROR,
               "Missing extradata: lmc_audio needs the LMC stream header\n");
        return AVERROR_INVALIDDATA;
    }

    lmc_config_init(&opts);
    /* Blocks decode on their own (docs/format.md 8.1), so with frame
     * threads each thread decodes whole packets, one liblmc thread each. */
    opts.threads   = avctx->internal->is_frame_mt ? 1 : ff_lmc_threads(avctx);
    opts.model_dir = s->model_dir;
    opts.device    = s->device;

    /* Parses the header and finds the model (the network itself is made
     * on the first packet, so probing stays cheap). */
    ret = lmc_decoder_open(&s->codec, avctx->extradata, avctx->extradata_size,
                           &opts, &info, err, sizeof(err));
    if (ret < 0)
        return ff_lmc_error(avctx, ret, "Opening the liblmc decoder", err);
    if (!avctx->internal->is_copy) /* once, not once per frame thread */
        ff_lmc_log_stream(avctx, s->codec, NULL);

    if (info.kind != LMC_KIND_AUDIO ||
        (info.sample_fmt != LMC_SAMPLE_S16 && info.sample_fmt != LMC_SAMPLE_S32) ||
        info.channels < 1 || info.channels > LMC_MAX_CHANNELS ||
        info.sample_rate <= 0) {
        av_log(avctx, AV_LOG_ERROR,
               "Unsupported stream header (kind %d, format %d, %d channels, %d Hz)\n",
               info.kind, info.sample_fmt, info.channels, info.sample_rate);
        return AVERROR_INVALIDDATA;
    }

    avctx->sample_fmt          = info.sample_fmt == LMC_SAMPLE_S32 ? AV_SAMPLE_FMT_S32 : AV_SAMPLE_FMT_S16;
    avctx->sample_rate         = info.sample_rate;
    avctx->bits_per_raw_sample = info.sample_fmt == LMC_SAMPLE_S32 ? 32 : 16;
    av_channel_layout_uninit(&avctx->ch_layout);
    av_channel_layout_default(&avctx->ch_layout, info.channels);
    if (info.block_size > 0)
        avctx->frame_size = info.block_size;
    return 0;
}

static int lmc_audio_decode_frame(AVCodecContext *avctx, AVFrame *frame,
                                  int *got_frame, AVPacket *pkt)
{
    LMCAudioContext *s = avctx->priv_data;
    int nb_samples, ret;

    nb_samples = lmc_audio_packet_samples(s->codec, pkt->data, pkt->size);
    if (nb_samples < 0)
        return ff_lmc_error(avctx, nb_samples, "Reading a packet",
                               lmc_codec_error(s->codec));
    if (!nb_samples || nb_samples > LMC_AUDIO_MAX_BLOCK) {
        av_log(avctx, AV_LOG_ERROR, "Packet holds %d samples\n", nb_samples);
        return AVERROR_INVALIDDATA;
    }

    frame->nb_samples = nb_samples;
    ret = ff_thread_get_buffer(avctx, frame, 0);
    if (ret < 0)
        return ret;

    ret = lmc_decode_audio(s->codec, pkt->data, pkt->size, frame->data[0],
                           nb_samples);
    if (ret < 0)
        return ff_lmc_error(avctx, ret, "Decoding a packet",
                               lmc_codec_error(s->codec));
    /* Returns LMC_OK (0) or, equivalently, the sample count. */
    if (ret > 0 && ret != nb_samples) {
        av_log(avctx, AV_LOG_ERROR, "Decoded %d samples, packet announced %d\n",
               ret, nb_samples);
        return AVERROR_INVALIDDATA;
    }

    *got_frame = 1;
    return pkt->size;
}
#endif

#define OFFSET(x) offsetof(LMCAudioContext, x)
#define AE AV_OPT_FLAG_AUDIO_PARAM | AV_OPT_FLAG_ENCODING_PARAM
#define AD AV_OPT_FLAG_AUDIO_PARAM | AV_OPT_FLAG_DECODING_PARAM

#if CONFIG_LIBLMC_AUDIO_ENCODER
static const AVOption lmc_audio_encoder_options[] = {
    { "model", "Model file (default: the shipped audio model)",
      OFFSET(model), AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, AE },
    { "model_dir", "Directory holding LMC model files",
      OFFSET(model_dir), AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, AE },
    { "device", "Where the model runs: cpu, cuda or auto",
      OFFSET(device), AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, AE },
    { NULL },
};

static const AVClass lmc_audio_encoder_class = {
    .class_name = "liblmc_audio_encoder",
    .item_name  = av_default_item_name,
    .option     = lmc_audio_encoder_options,
    .version    = LIBAVUTIL_VERSION_INT,
};

const FFCodec ff_liblmc_audio_encoder = {
    .p.name           = "liblmc_audio",
    CODEC_LONG_NAME("liblmc lossless neural audio"),
    .p.type           = AVMEDIA_TYPE_AUDIO,
    .p.id             = AV_CODEC_ID_LMC_AUDIO,
    .p.capabilities   = AV_CODEC_CAP_DR1 | AV_CODEC_CAP_OTHER_THREADS | AV_CODEC_CAP_FRAME_THREADS |
                        AV_CODEC_CAP_SMALL_LAST_FRAME,
    .p.priv_class     = &lmc_audio_encoder_class,
    .p.wrapper_name   = "liblmc",
    .priv_data_size   = sizeof(LMCAudioContext),
    .init             = lmc_audio_encode_init,
    FF_CODEC_ENCODE_CB(lmc_audio_encode_frame),
    .close            = lmc_audio_close,
    .caps_internal    = FF_CODEC_CAP_INIT_CLEANUP | FF_CODEC_CAP_AUTO_THREADS,
};
#endif

#if CONFIG_LIBLMC_AUDIO_DECODER
static const AVOption lmc_audio_decoder_options[] = {
    { "model_dir", "Directory holding LMC model files (looked up by hash)",
      OFFSET(model_dir), AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, AD },
    { "device", "Where the model runs: cpu, cuda or auto",
      OFFSET(device), AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, AD },
    { NULL },
};

static const AVClass lmc_audio_decoder_class = {
    .class_name = "liblmc_audio_decoder",
    .item_name  = av_default_item_name,
    .option     = lmc_audio_decoder_options,
    .version    = LIBAVUTIL_VERSION_INT,
};

const FFCodec ff_liblmc_audio_decoder = {
    .p.name           = "liblmc_audio",
    CODEC_LONG_NAME("liblmc lossless neural audio"),
    .p.type           = AVMEDIA_TYPE_AUDIO,
    .p.id             = AV_CODEC_ID_LMC_AUDIO,
    .p.capabilities   = AV_CODEC_CAP_DR1 | AV_CODEC_CAP_OTHER_THREADS | AV_CODEC_CAP_FRAME_THREADS,
    .p.priv_class     = &lmc_audio_decoder_class,
    .p.wrapper_name   = "liblmc",
    .priv_data_size   = sizeof(LMCAudioContext),
    .init             = lmc_audio_decode_init,
    FF_CODEC_DECODE_CB(lmc_audio_decode_frame),
    .close            = lmc_audio_close,
    .caps_internal    = FF_CODEC_CAP_INIT_CLEANUP | FF_CODEC_CAP_AUTO_THREADS,
};
#endif
