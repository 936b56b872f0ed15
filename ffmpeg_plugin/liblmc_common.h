/*
 * Shared by the LMC wrappers (liblmc_video.c, liblmc_audio.c): liblmc
 * status -> AVERROR mapping and the thread count handed to liblmc.
 *
 * This file is part of FFmpeg.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef AVCODEC_LIBLMC_COMMON_H
#define AVCODEC_LIBLMC_COMMON_H

#include <lmc/lmc.h>

#include <string.h>

#include "libavutil/cpu.h"
#include "libavutil/mem.h"
#include "libavutil/error.h"
#include "libavutil/log.h"
#include "libavutil/macros.h"

#include "avcodec.h"
#include "encode.h"

/* Maps an lmc_status to an AVERROR code and logs the library's message. */
static inline int ff_lmc_error(AVCodecContext *avctx, int status, const char *what,
                           const char *msg)
{
    int ret;

    switch (status) {
    case LMC_ERR_INVALID_ARG:     ret = AVERROR(EINVAL);       break;
    case LMC_ERR_INVALID_DATA:    ret = AVERROR_INVALIDDATA;   break;
    case LMC_ERR_MODEL_NOT_FOUND:
    case LMC_ERR_MODEL_INVALID:   ret = AVERROR_EXTERNAL;      break;
    case LMC_ERR_UNSUPPORTED:
        /* An encoder was asked for something liblmc does not code (a bad
         * parameter); a decoder met a stream feature it lacks. */
        ret = av_codec_is_encoder(avctx->codec) ? AVERROR(EINVAL)
                                                : AVERROR_PATCHWELCOME;
        break;
    case LMC_ERR_NOMEM:           ret = AVERROR(ENOMEM);       break;
    case LMC_ERR_INTERNAL:        ret = AVERROR_EXTERNAL;      break;
    default:                      ret = AVERROR_UNKNOWN;       break;
    }
    av_log(avctx, AV_LOG_ERROR, "%s failed: %s: %s\n", what,
           lmc_status_string(status), msg && *msg ? msg : "(no details)");
    return ret;
}

static inline int ff_lmc_threads(const AVCodecContext *avctx)
{
    /* FF_CODEC_CAP_AUTO_THREADS: thread_count 0 means "auto" and is ours. */
    if (avctx->thread_count > 0)
        return avctx->thread_count;
    return FFMIN(av_cpu_count(), 16);
}

/* Copies a liblmc packet (valid until the next liblmc call) into pkt. */
static inline int ff_lmc_output_packet(AVCodecContext *avctx, AVPacket *pkt,
                                       const uint8_t *data, size_t size,
                                       int keyframe)
{
    int ret;

    if (!size || size > INT_MAX)
        return AVERROR_BUG;
    ret = ff_get_encode_buffer(avctx, pkt, size, 0);
    if (ret < 0)
        return ret;
    memcpy(pkt->data, data, size);
    if (keyframe)
        pkt->flags |= AV_PKT_FLAG_KEY;
    return 0;
}

/* Says once, when a decoder opens, what codes the stream (ffprobe shows
 * it): the model's name, file and sha256sum, and the liblmc decoding it. */
static inline void ff_lmc_log_stream(AVCodecContext *avctx, lmc_codec *codec,
                                     const char *extra)
{
    lmc_model_info info;

    if (lmc_codec_model_info(codec, &info) < 0)
        return;
    av_log(avctx, AV_LOG_INFO,
           "%s stream: model %s (%s, sha256 %s), header version %d, tools 0x%x%s; liblmc %s\n",
           avctx->codec->name, info.name, info.path, info.file_sha256,
           info.header_version, info.tools, extra ? extra : "", lmc_version_string());
}

/* Opens the liblmc encoder and stores its stream header as extradata, which
 * must be final at init: containers write it once. */
static inline int ff_lmc_open_encoder(AVCodecContext *avctx, lmc_codec **codec,
                                      const lmc_config *cfg)
{
    char err[1024] = "";
    const uint8_t *header;
    size_t header_size;
    int ret;

    ret = lmc_encoder_open(codec, cfg, err, sizeof(err));
    if (ret < 0)
        return ff_lmc_error(avctx, ret, "Opening the liblmc encoder", err);
    ret = lmc_encoder_header(*codec, &header, &header_size);
    if (ret < 0)
        return ff_lmc_error(avctx, ret, "Getting the stream header",
                            lmc_codec_error(*codec));
    if (!header_size || header_size > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
        return AVERROR_BUG;
    avctx->extradata = av_mallocz(header_size + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!avctx->extradata)
        return AVERROR(ENOMEM);
    memcpy(avctx->extradata, header, header_size);
    avctx->extradata_size = header_size;
    return 0;
}

#endif /* AVCODEC_LIBLMC_COMMON_H */
