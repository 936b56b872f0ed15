/*
 * LMC neural video codecs (lmc_video: lossless, lmc_gen: bounded-error lossy)
 * through liblmc.
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

#include <stdio.h>

#include <lmc/lmc.h>

#include "config_components.h"

#include "liblmc_common.h"

#include "libavutil/common.h"
#include "libavutil/cpu.h"
#include "libavutil/imgutils.h"
#include "libavutil/mem.h"
#include "libavutil/opt.h"
#include "libavutil/pixdesc.h"

#include "avcodec.h"
#include "codec_internal.h"
#include "decode.h"
#include "encode.h"

typedef struct LMCVideoContext {
    const AVClass *class;
    lmc_codec *codec;
    char *model;
    char *model_dir;
    char *device;
    int max_error;
    int adapt;
    int plain_rgb;
    int calibrate;
    int tile_cols, tile_rows;
    /* encoder: packed RGB(A) input is coded as gbrp(a) through these planes */
    uint8_t *rgb_planes[4];
    /* decoder: what codes the stream, attached to every frame */
    char *model_name, *model_sha256;
} LMCVideoContext;

/* The pixel formats liblmc codes (decoders output these). */
static const struct {
    enum AVPixelFormat av;
    int lmc;
} pix_fmt_map[] = {
    { AV_PIX_FMT_GRAY8,   LMC_PIX_GRAY8   },
    { AV_PIX_FMT_YUV420P, LMC_PIX_YUV420P },
    { AV_PIX_FMT_YUV422P, LMC_PIX_YUV422P },
    { AV_PIX_FMT_YUV444P, LMC_PIX_YUV444P },
    { AV_PIX_FMT_GBRP,    LMC_PIX_GBRP    },
    { AV_PIX_FMT_YUVA420P, LMC_PIX_YUVA420P },
    { AV_PIX_FMT_YUVA444P, LMC_PIX_YUVA444P },
    { AV_PIX_FMT_GBRAP,    LMC_PIX_GBRAP    },
};

/* Inputs the encoder takes as one of those without losing a bit: the same
 * planes in full range, or packed RGB reordered into planes. */
static av_unused const struct {
    enum AVPixelFormat av, as;
} pix_fmt_alias[] = {
    { AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV420P },
    { AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUV422P },
    { AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUV444P },
    { AV_PIX_FMT_RGB24,    AV_PIX_FMT_GBRP    },
    { AV_PIX_FMT_BGR24,    AV_PIX_FMT_GBRP    },
    { AV_PIX_FMT_RGBA,     AV_PIX_FMT_GBRAP   },
    { AV_PIX_FMT_BGRA,     AV_PIX_FMT_GBRAP   },
    { AV_PIX_FMT_ARGB,     AV_PIX_FMT_GBRAP   },
    { AV_PIX_FMT_ABGR,     AV_PIX_FMT_GBRAP   },
};

#define LMC_ACCEPTED_FORMATS "gray, yuv420p, yuv422p, yuv444p, gbrp, yuva420p, yuva444p " \
                             "and gbrap at 8 bits per sample and their 9 to 16 bit little-endian " \
                             "forms (gray10le, yuv420p10le, yuv444p12le, gbrp16le, ...); " \
                             "yuvj420p, yuvj422p, yuvj444p, rgb24, bgr24, rgba, bgra, argb and " \
                             "abgr are coded as those"

/* The 9-16 bit form of an 8-bit planar format, as FFmpeg names it
 * (gray -> gray10le, yuv420p -> yuv420p10le, gbrap -> gbrap16le, ...);
 * AV_PIX_FMT_NONE where FFmpeg has none. */
static av_unused enum AVPixelFormat lmc_deep_pix_fmt(enum AVPixelFormat base, int depth)
{
    char name[32];

    snprintf(name, sizeof(name), "%s%dle", av_get_pix_fmt_name(base), depth);
    return av_get_pix_fmt(name);
}

/* liblmc's pixel format and bit depth for an input format; 0 if liblmc
 * cannot code it exactly. */
static av_unused int lmc_from_av_pix_fmt(enum AVPixelFormat fmt, int *depth)
{
    *depth = 8;
    for (int i = 0; i < FF_ARRAY_ELEMS(pix_fmt_alias); i++)
        if (pix_fmt_alias[i].av == fmt)
            fmt = pix_fmt_alias[i].as;
    for (int i = 0; i < FF_ARRAY_ELEMS(pix_fmt_map); i++) {
        if (pix_fmt_map[i].av == fmt)
            return pix_fmt_map[i].lmc;
        for (int d = 9; d <= 16; d++) {
            if (lmc_deep_pix_fmt(pix_fmt_map[i].av, d) == fmt) {
                *depth = d;
                return pix_fmt_map[i].lmc;
            }
        }
    }
    return 0;
}

static av_unused enum AVPixelFormat lmc_to_av_pix_fmt(int fmt, int depth)
{
    for (int i = 0; i < FF_ARRAY_ELEMS(pix_fmt_map); i++)
        if (pix_fmt_map[i].lmc == fmt)
            return depth > 8 ? lmc_deep_pix_fmt(pix_fmt_map[i].av, depth) : pix_fmt_map[i].av;
    return AV_PIX_FMT_NONE;
}

static int lmc_check_dimensions(AVCodecContext *avctx, int w, int h)
{
    if (w <= 0 || h <= 0 || w > LMC_MAX_DIMENSION || h > LMC_MAX_DIMENSION ||
        (int64_t)w * h > LMC_MAX_PIXELS) {
        av_log(avctx, AV_LOG_ERROR,
               "Dimensions %dx%d not supported by liblmc (at most %d per side "
               "and %d pixels)\n", w, h, LMC_MAX_DIMENSION, LMC_MAX_PIXELS);
        return AVERROR(EINVAL);
    }
    /* -max_pixels: a user's own cap on what a stream may make us allocate. */
    return av_image_check_size2(w, h, avctx->max_pixels, AV_PIX_FMT_NONE, 0, avctx);
}

static av_cold int lmc_video_close(AVCodecContext *avctx)
{
    LMCVideoContext *s = avctx->priv_data;

    lmc_codec_close(&s->codec);
    for (int p = 0; p < 4; p++)
        av_freep(&s->rgb_planes[p]);
    av_freep(&s->model_name);
    av_freep(&s->model_sha256);
    return 0;
}

#if CONFIG_LIBLMC_VIDEO_ENCODER || CONFIG_LIBLMC_GEN_ENCODER
static av_cold int lmc_video_encode_init(AVCodecContext *avctx)
{
    LMCVideoContext *s = avctx->priv_data;
    const int gen = avctx->codec_id == AV_CODEC_ID_LMC_GEN;
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(avctx->pix_fmt);
    lmc_config cfg;
    int ret;

    ret = lmc_check_dimensions(avctx, avctx->width, avctx->height);
    if (ret < 0)
        return ret;

    lmc_config_init(&cfg);
    cfg.kind      = gen ? LMC_KIND_GEN : LMC_KIND_VIDEO;
    cfg.width     = avctx->width;
    cfg.height    = avctx->height;
    cfg.pix_fmt   = lmc_from_av_pix_fmt(avctx->pix_fmt, &cfg.bit_depth);
    cfg.max_error = gen ? s->max_error : 0;
    cfg.adapt     = gen ? 0 : s->adapt;
    cfg.keyint    = avctx->gop_size;
    cfg.refs      = gen ? 1 : avctx->refs; /* -refs: earlier frames a frame may align from */
    cfg.plain_rgb = s->plain_rgb;
    cfg.uncalibrated = !s->calibrate;
    cfg.tile_cols = s->tile_cols;
    cfg.tile_rows = s->tile_rows;
    cfg.threads   = ff_lmc_threads(avctx);
    cfg.model     = s->model;
    cfg.model_dir = s->model_dir;
    cfg.device    = s->device;
    if (gen && !s->max_error) {
        /* The learned coding: -q:v is the quantiser (0 finest .. 32), -b:v an
         * average bitrate the encoder meets by choosing each frame's. */
        if (avctx->flags & AV_CODEC_FLAG_QSCALE)
            cfg.quality = (int)lrintf(avctx->global_quality / (float)FF_QP2LAMBDA);
        cfg.bit_rate = avctx->bit_rate;
        cfg.fps_num  = avctx->framerate.num > 0 ? avctx->framerate.num : avctx->time_base.den;
        cfg.fps_den  = avctx->framerate.num > 0 ? avctx->framerate.den : avctx->time_base.num;
    }
    /* No pix_fmts list on purpose: with one, ffmpeg would convert any input
     * not in it (big-endian, semi-planar, ...) to a listed format behind the
     * user's back, which may not be lossless. What cannot be coded exactly is
     * refused. */
    if (!cfg.pix_fmt) {
        av_log(avctx, AV_LOG_ERROR,
               "Pixel format %s cannot be coded exactly: %s takes " LMC_ACCEPTED_FORMATS ". "
               "Converting it would lose information; if that is acceptable, ask for it "
               "(e.g. -pix_fmt yuv420p)\n",
               av_get_pix_fmt_name(avctx->pix_fmt), avctx->codec->name);
        return AVERROR(ENOSYS);
    }
    if ((desc->flags & AV_PIX_FMT_FLAG_RGB) && !(desc->flags & AV_PIX_FMT_FLAG_PLANAR)) {
        for (int p = 0; p < desc->nb_components; p++) {
            s->rgb_planes[p] = av_malloc((size_t)avctx->width * avctx->height);
            if (!s->rgb_planes[p])
                return AVERROR(ENOMEM);
        }
    }

    ret = ff_lmc_open_encoder(avctx, &s->codec, &cfg);
    if (ret < 0)
        return ret;

    avctx->bits_per_raw_sample = cfg.bit_depth;
    av_log(avctx, AV_LOG_VERBOSE, "liblmc %s, %d thread(s)\n",
           lmc_version_string(), cfg.threads);
    return 0;
}

/* Packed RGB(A) -> the G, B, R (, A) planes liblmc codes (exact: a
 * reordering, with each component's place from the format's descriptor). */
static void lmc_rgb_to_planes(LMCVideoContext *s, const AVFrame *frame, int w, int h)
{
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(frame->format);
    static const int plane_of[4] = { 2, 0, 1, 3 }; /* R, G, B, A -> G B R A planes */

    for (int c = 0; c < desc->nb_components; c++) {
        const AVComponentDescriptor *comp = &desc->comp[c];
        uint8_t *out = s->rgb_planes[plane_of[c]];
        for (int y = 0; y < h; y++) {
            const uint8_t *in = frame->data[0] + (ptrdiff_t)y * frame->linesize[0] + comp->offset;
            for (int x = 0; x < w; x++)
                out[(size_t)y * w + x] = in[x * comp->step];
        }
    }
}

static int lmc_video_encode_frame(AVCodecContext *avctx, AVPacket *pkt,
                                  const AVFrame *frame, int *got_packet)
{
    LMCVideoContext *s = avctx->priv_data;
    const uint8_t *const *planes = (const uint8_t *const *)frame->data;
    const int *strides = frame->linesize;
    int rgb_strides[4] = { avctx->width, avctx->width, avctx->width, avctx->width };
    const uint8_t *data;
    size_t size;
    int ret, keyframe = 0;

    /* liblmc reads planes of the size the stream was opened with. */
    if (frame->width != avctx->width || frame->height != avctx->height ||
        frame->format != avctx->pix_fmt) {
        av_log(avctx, AV_LOG_ERROR,
               "Frame of %dx%d %s in a %dx%d %s stream: %s cannot change size or "
               "pixel format mid-stream (scale to one size first)\n",
               frame->width, frame->height, av_get_pix_fmt_name(frame->format),
               avctx->width, avctx->height, av_get_pix_fmt_name(avctx->pix_fmt),
               avctx->codec->name);
        return AVERROR(EINVAL);
    }
    if (s->rgb_planes[0]) {
        lmc_rgb_to_planes(s, frame, avctx->width, avctx->height);
        planes  = (const uint8_t *const *)s->rgb_planes;
        strides = rgb_strides;
    }

    ret = lmc_encode_video(s->codec, planes, strides, &data, &size, &keyframe);
    if (ret < 0)
        return ff_lmc_error(avctx, ret, "Encoding a frame",
                               lmc_codec_error(s->codec));
    ret = ff_lmc_output_packet(avctx, pkt, data, size, keyframe);
    if (ret < 0)
        return ret;

    *got_packet = 1;
    return 0;
}
#endif

#if CONFIG_LIBLMC_VIDEO_DECODER || CONFIG_LIBLMC_GEN_DECODER
static av_cold int lmc_video_decode_init(AVCodecContext *avctx)
{
    LMCVideoContext *s = avctx->priv_data;
    const int kind = avctx->codec_id == AV_CODEC_ID_LMC_GEN ? LMC_KIND_GEN
                                                             : LMC_KIND_VIDEO;
    char err[1024] = "";
    lmc_config opts, info;
    int ret;

    if (!avctx->extradata || avctx->extradata_size <= 0) {
        av_log(avctx, AV_LOG_ERROR,
               "Missing extradata: %s needs the LMC stream header\n",
               avctx->codec->name);
        return AVERROR_INVALIDDATA;
    }

    lmc_config_init(&opts);
    opts.threads   = ff_lmc_threads(avctx);
    opts.model_dir = s->model_dir;
    opts.device    = s->device;

    /* Parses the header and finds the model (the network and the frame
     * buffers are made on the first packet, so probing stays cheap). */
    ret = lmc_decoder_open(&s->codec, avctx->extradata, avctx->extradata_size,
                           &opts, &info, err, sizeof(err));
    if (ret < 0)
        return ff_lmc_error(avctx, ret, "Opening the liblmc decoder", err);

    if (info.kind != kind) {
        av_log(avctx, AV_LOG_ERROR, "Stream header is of kind %d, not %s\n",
               info.kind, avctx->codec->name);
        return AVERROR_INVALIDDATA;
    }
    avctx->pix_fmt = lmc_to_av_pix_fmt(info.pix_fmt, info.bit_depth);
    if (avctx->pix_fmt == AV_PIX_FMT_NONE) {
        av_log(avctx, AV_LOG_ERROR, "Unknown LMC pixel format %d\n", info.pix_fmt);
        return AVERROR_INVALIDDATA;
    }
    ret = lmc_check_dimensions(avctx, info.width, info.height);
    if (ret < 0)
        return AVERROR_INVALIDDATA;
    ret = ff_set_dimensions(avctx, info.width, info.height);
    if (ret < 0)
        return ret;
    avctx->bits_per_raw_sample = info.bit_depth;

    {
        char extra[32] = "";
        lmc_model_info model;
        if (kind == LMC_KIND_GEN)
            snprintf(extra, sizeof(extra), ", max_error %d", info.max_error);
        ff_lmc_log_stream(avctx, s->codec, extra);
        if (lmc_codec_model_info(s->codec, &model) == 0) {
            s->model_name   = av_strdup(model.name);
            s->model_sha256 = av_strdup(model.file_sha256);
            if (!s->model_name || !s->model_sha256)
                return AVERROR(ENOMEM);
        }
    }
    return 0;
}

static int lmc_video_decode_frame(AVCodecContext *avctx, AVFrame *frame,
                                  int *got_frame, AVPacket *pkt)
{
    LMCVideoContext *s = avctx->priv_data;
    int ret, keyframe = 0;

    /* Checked before the frame is allocated: a damaged packet or header
     * costs no more than the packet's own size. */
    ret = lmc_video_packet_info(s->codec, pkt->data, pkt->size, &keyframe);
    if (ret < 0)
        return ff_lmc_error(avctx, ret, "Decoding a frame",
                               lmc_codec_error(s->codec));

    ret = ff_get_buffer(avctx, frame, 0);
    if (ret < 0)
        return ret;

    ret = lmc_decode_video(s->codec, pkt->data, pkt->size, frame->data,
                           frame->linesize);
    if (ret < 0)
        return ff_lmc_error(avctx, ret, "Decoding a frame",
                               lmc_codec_error(s->codec));

    if (s->model_name) {
        av_dict_set(&frame->metadata, "lmc_model", s->model_name, 0);
        av_dict_set(&frame->metadata, "lmc_model_sha256", s->model_sha256, 0);
    }
    if (keyframe) {
        frame->flags    |= AV_FRAME_FLAG_KEY;
        frame->pict_type = AV_PICTURE_TYPE_I;
    } else {
        frame->flags    &= ~AV_FRAME_FLAG_KEY;
        frame->pict_type = AV_PICTURE_TYPE_P;
    }

    *got_frame = 1;
    return pkt->size;
}

static av_cold void lmc_video_flush(AVCodecContext *avctx)
{
    LMCVideoContext *s = avctx->priv_data;

    /* After a seek the next frame is a keyframe; until then inter frames
     * must not use a frame from before the seek. */
    lmc_decoder_reset(s->codec);
}
#endif

#define OFFSET(x) offsetof(LMCVideoContext, x)
#define VE AV_OPT_FLAG_VIDEO_PARAM | AV_OPT_FLAG_ENCODING_PARAM
#define VD AV_OPT_FLAG_VIDEO_PARAM | AV_OPT_FLAG_DECODING_PARAM

#define LMC_COMMON_OPTIONS(flags)                                                      \
    { "model_dir", "Directory holding LMC model files",                              \
      OFFSET(model_dir), AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, flags },          \
    { "device", "Where the model runs: cpu, cuda or auto",                           \
      OFFSET(device), AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, flags },

#define LMC_ENCODER_OPTIONS                                                            \
    { "model", "Model file (default: the shipped model for this codec)",             \
      OFFSET(model), AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, VE },                 \
    { "tile_cols", "Tile columns: tiles decode in parallel (0 auto, 1 with tile_rows 1: untiled)", \
      OFFSET(tile_cols), AV_OPT_TYPE_INT, { .i64 = 0 }, 0, 64, VE },                  \
    { "tile_rows", "Tile rows (0 auto)",                                              \
      OFFSET(tile_rows), AV_OPT_TYPE_INT, { .i64 = 0 }, 0, 64, VE },                  \
    LMC_COMMON_OPTIONS(VE)

#define LMC_CLASS(cname, opts)                                                         \
static const AVClass cname ## _class = {                                              \
    .class_name = #cname,                                                             \
    .item_name  = av_default_item_name,                                               \
    .option     = opts,                                                               \
    .version    = LIBAVUTIL_VERSION_INT,                                              \
};

/* Inter frames align from one of the GOP's last 16 frames (-refs; 1 = the
 * previous frame only); -g sets the keyframe interval. No
 * default bitrate: lmc_gen takes -b:v only when asked (else -q:v). */
static const FFCodecDefault lmc_video_encoder_defaults[] = {
    { "g", "30" },
    { "refs", "0" }, /* 0: liblmc's default (16); FFmpeg's own default is 1 */
    { "b", "0" },
    { NULL },
};

#define LMC_ENCODER(cname, codec_id, long_name)                                        \
const FFCodec ff_ ## cname ## _encoder = {                                            \
    .p.name           = #cname,                                                       \
    CODEC_LONG_NAME(long_name),                                                       \
    .p.type           = AVMEDIA_TYPE_VIDEO,                                           \
    .p.id             = codec_id,                                                     \
    .p.capabilities   = AV_CODEC_CAP_DR1 | AV_CODEC_CAP_OTHER_THREADS,                \
    .p.priv_class     = &cname ## _encoder_class,                                     \
    .p.wrapper_name   = "liblmc",                                                     \
    .color_ranges     = AVCOL_RANGE_MPEG | AVCOL_RANGE_JPEG,                          \
    .priv_data_size   = sizeof(LMCVideoContext),                                      \
    .init             = lmc_video_encode_init,                                        \
    .defaults         = lmc_video_encoder_defaults,                                   \
    FF_CODEC_ENCODE_CB(lmc_video_encode_frame),                                       \
    .close            = lmc_video_close,                                              \
    .caps_internal    = FF_CODEC_CAP_INIT_CLEANUP | FF_CODEC_CAP_AUTO_THREADS,        \
};

#define LMC_DECODER(cname, codec_id, long_name)                                        \
const FFCodec ff_ ## cname ## _decoder = {                                            \
    .p.name           = #cname,                                                       \
    CODEC_LONG_NAME(long_name),                                                       \
    .p.type           = AVMEDIA_TYPE_VIDEO,                                           \
    .p.id             = codec_id,                                                     \
    .p.capabilities   = AV_CODEC_CAP_DR1 | AV_CODEC_CAP_OTHER_THREADS,                \
    .p.priv_class     = &cname ## _decoder_class,                                     \
    .p.wrapper_name   = "liblmc",                                                     \
    .priv_data_size   = sizeof(LMCVideoContext),                                      \
    .init             = lmc_video_decode_init,                                        \
    FF_CODEC_DECODE_CB(lmc_video_decode_frame),                                       \
    .flush            = lmc_video_flush,                                              \
    .close            = lmc_video_close,                                              \
    .caps_internal    = FF_CODEC_CAP_INIT_CLEANUP | FF_CODEC_CAP_AUTO_THREADS,        \
};

#if CONFIG_LIBLMC_VIDEO_DECODER || CONFIG_LIBLMC_GEN_DECODER
static const AVOption lmc_decoder_options[] = {
    LMC_COMMON_OPTIONS(VD)
    { NULL },
};
#endif

#if CONFIG_LIBLMC_VIDEO_ENCODER
static const AVOption liblmc_video_encoder_options[] = {
    LMC_ENCODER_OPTIONS
    { "adapt", "Fit the network's hidden biases to the clip where that pays: 0 never, 1 keyframes, 2 all frames",
      OFFSET(adapt), AV_OPT_TYPE_INT, { .i64 = 2 }, 0, 2, VE },
    { "plain_rgb", "Code RGB (gbrp) as the planes G, B, R instead of G and the differences B - G, R - G (only to measure what that buys)",
      OFFSET(plain_rgb), AV_OPT_TYPE_BOOL, { .i64 = 0 }, 0, 1, VE },
    { "calibrate", "Recalibrate the probabilities of sample values as the frame goes (value calibration; 0 only to measure what it buys)",
      OFFSET(calibrate), AV_OPT_TYPE_BOOL, { .i64 = 1 }, 0, 1, VE },
    { NULL },
};
LMC_CLASS(liblmc_video_encoder, liblmc_video_encoder_options)
LMC_ENCODER(liblmc_video, AV_CODEC_ID_LMC_VIDEO, "liblmc lossless neural video")
#endif

#if CONFIG_LIBLMC_VIDEO_DECODER
LMC_CLASS(liblmc_video_decoder, lmc_decoder_options)
LMC_DECODER(liblmc_video, AV_CODEC_ID_LMC_VIDEO, "liblmc lossless neural video")
#endif

#if CONFIG_LIBLMC_GEN_ENCODER
static const AVOption liblmc_gen_encoder_options[] = {
    LMC_ENCODER_OPTIONS
    { "max_error", "0: learned coding (yuv420p; -q:v 0-32 or -b:v); 1-32: largest allowed |decoded - source| per sample",
      OFFSET(max_error), AV_OPT_TYPE_INT, { .i64 = 0 }, 0, 32, VE },
    { NULL },
};
LMC_CLASS(liblmc_gen_encoder, liblmc_gen_encoder_options)
LMC_ENCODER(liblmc_gen, AV_CODEC_ID_LMC_GEN, "liblmc learned lossy neural video")
#endif

#if CONFIG_LIBLMC_GEN_DECODER
LMC_CLASS(liblmc_gen_decoder, lmc_decoder_options)
LMC_DECODER(liblmc_gen, AV_CODEC_ID_LMC_GEN, "liblmc learned lossy neural video")
#endif
