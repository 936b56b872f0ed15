/*
 * lmc_restore: LMC's learned restoration of decoded video (liblmc).
 *
 * Each yuv420p frame, decoded by any codec, goes with the filter's previous
 * output through a restoration network that returns a corrected frame
 * (docs/format.md section 11): fewer blocking and ringing artefacts, detail
 * the coder dropped guessed back. liblmc computes it in integers, so the CPU
 * and CUDA give the same frames.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <lmc/lmc.h>

#include "libavutil/opt.h"
#include "avfilter.h"
#include "filters.h"
#include "formats.h"
#include "video.h"

typedef struct LMCRestoreContext {
    const AVClass *class;
    char *model;
    char *model_dir;
    char *device;
    int threads;

    lmc_restorer *restorer;
} LMCRestoreContext;

static const enum AVPixelFormat pix_fmts[] = { AV_PIX_FMT_YUV420P, AV_PIX_FMT_NONE };

static int config_input(AVFilterLink *inlink)
{
    AVFilterContext *ctx = inlink->dst;
    LMCRestoreContext *s = ctx->priv;
    lmc_config opts;
    char err[1024];
    int ret;

    lmc_config_init(&opts);
    opts.threads   = s->threads > 0 ? s->threads : ff_filter_get_nb_threads(ctx);
    opts.model     = s->model;
    opts.model_dir = s->model_dir;
    opts.device    = s->device;
    lmc_restorer_close(&s->restorer);
    ret = lmc_restorer_open(&s->restorer, inlink->w, inlink->h, LMC_PIX_YUV420P, &opts, err, sizeof(err));
    if (ret < 0) {
        av_log(ctx, AV_LOG_ERROR, "liblmc: %s\n", err);
        return ret == LMC_ERR_NOMEM ? AVERROR(ENOMEM) : ret == LMC_ERR_UNSUPPORTED ? AVERROR(ENOSYS) :
               AVERROR(EINVAL);
    }
    return 0;
}

static int filter_frame(AVFilterLink *inlink, AVFrame *in)
{
    AVFilterContext *ctx = inlink->dst;
    AVFilterLink *outlink = ctx->outputs[0];
    LMCRestoreContext *s = ctx->priv;
    AVFrame *out = ff_get_video_buffer(outlink, outlink->w, outlink->h);
    int ret;

    if (!out) {
        av_frame_free(&in);
        return AVERROR(ENOMEM);
    }
    ret = av_frame_copy_props(out, in);
    if (ret >= 0 && lmc_restorer_frame(s->restorer, (const uint8_t *const *)in->data, in->linesize,
                                       out->data, out->linesize) < 0) {
        av_log(ctx, AV_LOG_ERROR, "liblmc: %s\n", lmc_restorer_error(s->restorer));
        ret = AVERROR_EXTERNAL;
    }
    av_frame_free(&in);
    if (ret < 0) {
        av_frame_free(&out);
        return ret;
    }
    return ff_filter_frame(outlink, out);
}

static av_cold void uninit(AVFilterContext *ctx)
{
    LMCRestoreContext *s = ctx->priv;

    lmc_restorer_close(&s->restorer);
}

#define OFFSET(x) offsetof(LMCRestoreContext, x)
#define FLAGS AV_OPT_FLAG_FILTERING_PARAM | AV_OPT_FLAG_VIDEO_PARAM
static const AVOption lmc_restore_options[] = {
    { "model",     "restoration model file (default: the shipped restore-s)", OFFSET(model), AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, FLAGS },
    { "model_dir", "where to look for the default model",          OFFSET(model_dir), AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, FLAGS },
    { "device",    "cpu, cuda or auto",                            OFFSET(device),    AV_OPT_TYPE_STRING, { .str = NULL }, 0, 0, FLAGS },
    { "threads",   "liblmc threads (0: the filter's thread count)", OFFSET(threads),  AV_OPT_TYPE_INT,    { .i64 = 0 },  0, 64, FLAGS },
    { NULL }
};

AVFILTER_DEFINE_CLASS(lmc_restore);

static const AVFilterPad lmc_restore_inputs[] = {
    {
        .name         = "default",
        .type         = AVMEDIA_TYPE_VIDEO,
        .filter_frame = filter_frame,
        .config_props = config_input,
    },
};

const AVFilter ff_vf_lmc_restore = {
    .name          = "lmc_restore",
    .description   = NULL_IF_CONFIG_SMALL("Restore decoded video with LMC's learned restoration network."),
    .priv_size     = sizeof(LMCRestoreContext),
    .priv_class    = &lmc_restore_class,
    .uninit        = uninit,
    FILTER_INPUTS(lmc_restore_inputs),
    FILTER_OUTPUTS(ff_video_default_filterpad),
    FILTER_PIXFMTS_ARRAY(pix_fmts),
};
