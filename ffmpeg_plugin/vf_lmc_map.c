/*
 * lmc_map: how many bits LMC's lossless video model spends on each sample,
 * drawn as a gray image (a heat map of what the model finds surprising).
 *
 * Each frame goes through an lmc_video encoder (liblmc) that keeps each
 * sample's cost; the output is one plane of the input, every sample
 * min(255, bits * scale). The frame's totals go to its metadata:
 * lavfi.lmc_map.bits (all planes) and lavfi.lmc_map.bits_per_sample (the
 * drawn plane).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <lmc/lmc.h>

#include "libavutil/mem.h"
#include "libavutil/opt.h"
#include "libavutil/pixdesc.h"
#include "avfilter.h"
#include "filters.h"
#include "formats.h"
#include "video.h"

typedef struct LMCMapContext {
    const AVClass *class;
    int plane;
    double scale;
    int keyint;
    char *model;
    char *model_dir;
    int threads;

    lmc_codec *codec;
    float *map;          /* the drawn plane's costs */
    float *scratch;      /* another plane's (the luma size: the largest) */
} LMCMapContext;

static const struct {
    enum AVPixelFormat av;
    int lmc;
} pix_fmts[] = {
    { AV_PIX_FMT_GRAY8,   LMC_PIX_GRAY8   },
    { AV_PIX_FMT_YUV420P, LMC_PIX_YUV420P },
    { AV_PIX_FMT_YUV422P, LMC_PIX_YUV422P },
    { AV_PIX_FMT_YUV444P, LMC_PIX_YUV444P },
    { AV_PIX_FMT_GBRP,    LMC_PIX_GBRP    },
};

static int query_formats(AVFilterContext *ctx)
{
    static const enum AVPixelFormat out_fmts[] = { AV_PIX_FMT_GRAY8, AV_PIX_FMT_NONE };
    enum AVPixelFormat in_fmts[FF_ARRAY_ELEMS(pix_fmts) + 1];
    int ret;

    for (int i = 0; i < FF_ARRAY_ELEMS(pix_fmts); i++)
        in_fmts[i] = pix_fmts[i].av;
    in_fmts[FF_ARRAY_ELEMS(pix_fmts)] = AV_PIX_FMT_NONE;
    if ((ret = ff_formats_ref(ff_make_format_list(in_fmts), &ctx->inputs[0]->outcfg.formats)) < 0)
        return ret;
    return ff_formats_ref(ff_make_format_list(out_fmts), &ctx->outputs[0]->incfg.formats);
}

/* The drawn plane's size. */
static void plane_size(const AVFilterLink *inlink, int plane, int *w, int *h)
{
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(inlink->format);
    const int sub = plane == 1 || plane == 2;
    *w = sub ? AV_CEIL_RSHIFT(inlink->w, desc->log2_chroma_w) : inlink->w;
    *h = sub ? AV_CEIL_RSHIFT(inlink->h, desc->log2_chroma_h) : inlink->h;
}

static int config_output(AVFilterLink *outlink)
{
    AVFilterContext *ctx = outlink->src;
    AVFilterLink *inlink = ctx->inputs[0];
    LMCMapContext *s = ctx->priv;
    lmc_config cfg;
    char err[1024];
    int ret, w, h;

    lmc_config_init(&cfg);
    cfg.kind = LMC_KIND_VIDEO;
    for (int i = 0; i < FF_ARRAY_ELEMS(pix_fmts); i++)
        if (pix_fmts[i].av == inlink->format)
            cfg.pix_fmt = pix_fmts[i].lmc;
    if (s->plane >= av_pix_fmt_count_planes(inlink->format)) {
        av_log(ctx, AV_LOG_ERROR, "plane %d: %s has %d planes\n", s->plane,
               av_get_pix_fmt_name(inlink->format), av_pix_fmt_count_planes(inlink->format));
        return AVERROR(EINVAL);
    }
    cfg.width     = inlink->w;
    cfg.height    = inlink->h;
    cfg.keyint    = s->keyint;
    cfg.threads   = s->threads > 0 ? s->threads : ff_filter_get_nb_threads(ctx);
    cfg.model     = s->model;
    cfg.model_dir = s->model_dir;
    cfg.bits_map  = 1;
    ret = lmc_encoder_open(&s->codec, &cfg, err, sizeof(err));
    if (ret < 0) {
        av_log(ctx, AV_LOG_ERROR, "liblmc: %s\n", err);
        return ret == LMC_ERR_NOMEM ? AVERROR(ENOMEM) : ret == LMC_ERR_UNSUPPORTED ? AVERROR(ENOSYS) :
               AVERROR(EINVAL);
    }
    plane_size(inlink, s->plane, &w, &h);
    s->map = av_malloc_array((size_t)w * h, sizeof(*s->map));
    s->scratch = av_malloc_array((size_t)inlink->w * inlink->h, sizeof(*s->scratch));
    if (!s->map || !s->scratch)
        return AVERROR(ENOMEM);
    outlink->w = w;
    outlink->h = h;
    outlink->sample_aspect_ratio = inlink->sample_aspect_ratio;
    return 0;
}

static int filter_frame(AVFilterLink *inlink, AVFrame *in)
{
    AVFilterContext *ctx = inlink->dst;
    AVFilterLink *outlink = ctx->outputs[0];
    LMCMapContext *s = ctx->priv;
    const uint8_t *pkt;
    size_t pkt_size;
    double total = 0, drawn = 0;
    char value[64];
    AVFrame *out;

    if (lmc_encode_video(s->codec, (const uint8_t *const *)in->data, in->linesize, &pkt, &pkt_size, NULL) < 0) {
        av_log(ctx, AV_LOG_ERROR, "liblmc: %s\n", lmc_codec_error(s->codec));
        av_frame_free(&in);
        return AVERROR_EXTERNAL;
    }
    /* The drawn plane's costs stay in map; the others pass through scratch. */
    for (int p = 0; p < av_pix_fmt_count_planes(inlink->format); p++) {
        float *m = p == s->plane ? s->map : s->scratch;
        double sum = 0;
        int w, h;
        plane_size(inlink, p, &w, &h);
        if (lmc_encoder_bits_map(s->codec, p, m, w) < 0) {
            av_log(ctx, AV_LOG_ERROR, "liblmc: %s\n", lmc_codec_error(s->codec));
            av_frame_free(&in);
            return AVERROR_EXTERNAL;
        }
        for (size_t i = 0; i < (size_t)w * h; i++)
            sum += m[i];
        total += sum;
        if (p == s->plane)
            drawn = sum / ((double)w * h);
    }
    out = ff_get_video_buffer(outlink, outlink->w, outlink->h);
    if (!out) {
        av_frame_free(&in);
        return AVERROR(ENOMEM);
    }
    av_frame_copy_props(out, in);
    av_frame_free(&in);
    for (int y = 0; y < outlink->h; y++) {
        uint8_t *row = out->data[0] + (size_t)y * out->linesize[0];
        const float *m = s->map + (size_t)y * outlink->w;
        for (int x = 0; x < outlink->w; x++)
            row[x] = (uint8_t)FFMIN(255, lrint(m[x] * s->scale));
    }
    snprintf(value, sizeof(value), "%.1f", total);
    av_dict_set(&out->metadata, "lavfi.lmc_map.bits", value, 0);
    snprintf(value, sizeof(value), "%.4f", drawn);
    av_dict_set(&out->metadata, "lavfi.lmc_map.bits_per_sample", value, 0);
    return ff_filter_frame(outlink, out);
}

static av_cold void uninit(AVFilterContext *ctx)
{
    LMCMapContext *s = ctx->priv;

    lmc_codec_close(&s->codec);
    av_freep(&s->map);
    av_freep(&s->scratch);
}

#define OFFSET(x) offsetof(LMCMapContext, x)
#define FLAGS AV_OPT_FLAG_FILTERING_PARAM | AV_OPT_FLAG_VIDEO_PARAM
static const AVOption lmc_map_options[] = {
    { "plane",     "which plane to draw (0 luma or G)",            OFFSET(plane),     AV_OPT_TYPE_INT,    { .i64 = 0 },  0, 3,    FLAGS },
    { "scale",     "output value per bit (255 at most)",           OFFSET(scale),     AV_OPT_TYPE_DOUBLE, { .dbl = 32 }, 0, 255,  FLAGS },
    { "keyint",    "code a keyframe every N frames (1: every frame alone; more: inter frames, what motion does not predict)",
                                                                   OFFSET(keyint),    AV_OPT_TYPE_INT,    { .i64 = 1 },  1, 1000, FLAGS },
    { "model",     "lmc_video model file (default: the shipped one)", OFFSET(model),  AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, FLAGS },
    { "model_dir", "where to look for the default model",          OFFSET(model_dir), AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, FLAGS },
    { "threads",   "liblmc threads (0: the filter's thread count)", OFFSET(threads),  AV_OPT_TYPE_INT,    { .i64 = 0 },  0, 64,   FLAGS },
    { NULL }
};

AVFILTER_DEFINE_CLASS(lmc_map);

static const AVFilterPad lmc_map_inputs[] = {
    {
        .name         = "default",
        .type         = AVMEDIA_TYPE_VIDEO,
        .filter_frame = filter_frame,
    },
};

static const AVFilterPad lmc_map_outputs[] = {
    {
        .name         = "default",
        .type         = AVMEDIA_TYPE_VIDEO,
        .config_props = config_output,
    },
};

const AVFilter ff_vf_lmc_map = {
    .name          = "lmc_map",
    .description   = NULL_IF_CONFIG_SMALL("Draw how many bits LMC's lossless model spends on each sample."),
    .priv_size     = sizeof(LMCMapContext),
    .priv_class    = &lmc_map_class,
    .uninit        = uninit,
    FILTER_INPUTS(lmc_map_inputs),
    FILTER_OUTPUTS(lmc_map_outputs),
    FILTER_QUERY_FUNC(query_formats),
};
