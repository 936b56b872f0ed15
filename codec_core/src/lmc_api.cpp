// The C API (include/lmc/lmc.h). Each entry point catches every exception
// and returns a status with a message: nothing thrown inside liblmc can
// reach FFmpeg.
#include "lmc/lmc.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "audio_codec.h"
#include "errors.h"
#include "model_store.h"
#include "stream_header.h"
#include "video_codec.h"

using namespace lmc;

struct lmc_codec {
    bool encoder = false;
    StreamHeader header;
    std::vector<uint8_t> header_bytes;
    std::string model_dir, device;
    int threads = 1;
    int keyint = 1;      // encoder: frames per keyframe interval
    int64_t frames = 0;  // encoder: frames coded so far
    std::shared_ptr<ModelRunner> runner; // loaded lazily by decoders
    std::unique_ptr<VideoCodec> video;
    std::unique_ptr<AudioCodec> audio;
    std::vector<uint8_t> packet;
    std::string error;
};

template <typename Fn>
static int guarded(lmc_codec *c, Fn &&fn)
{
    try {
        fn();
        return LMC_OK;
    } catch (const Error &e) {
        if (c) c->error = e.what();
        return e.status();
    } catch (const std::bad_alloc &) {
        if (c) c->error = "out of memory";
        return LMC_ERR_NOMEM;
    } catch (const std::exception &e) {
        if (c) c->error = std::string("internal error: ") + e.what();
        return LMC_ERR_INTERNAL;
    } catch (...) {
        if (c) c->error = "internal error";
        return LMC_ERR_INTERNAL;
    }
}

// Argument checks before any work: records the message like any failure.
static int bad_args(lmc_codec *c, const char *function)
{
    if (c)
        c->error = std::string(function) + ": invalid arguments or wrong codec kind";
    return LMC_ERR_INVALID_ARG;
}

static void set_error(char *err, size_t errlen, const std::string &msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg.c_str());
}

static void apply_runtime(lmc_codec *c, const lmc_config *cfg)
{
    if (!cfg)
        return;
    c->threads = cfg->threads > 0 ? cfg->threads : 1;
    if (cfg->model_dir)
        c->model_dir = cfg->model_dir;
    if (cfg->device)
        c->device = cfg->device;
}

static void make_codec(lmc_codec *c, std::shared_ptr<const Model> model)
{
    c->runner = std::make_shared<ModelRunner>(std::move(model), c->device, c->threads);
    if (c->header.kind == LMC_KIND_AUDIO)
        c->audio = std::make_unique<AudioCodec>(c->header, c->runner);
    else
        c->video = std::make_unique<VideoCodec>(c->header, c->runner);
}

static void ensure_model(lmc_codec *c)
{
    if (!c->runner)
        make_codec(c, find_model_by_hash(c->header.model_hash,
                                         c->model_dir.empty() ? nullptr : c->model_dir.c_str()));
}

extern "C" {

unsigned lmc_version(void) { return LMC_VERSION_INT; }

const char *lmc_version_string(void) { return "0.1.0"; }

void lmc_config_init(lmc_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->adapt = 2;
}

const char *lmc_status_string(int status)
{
    switch (status) {
    case LMC_OK: return "ok";
    case LMC_ERR_INVALID_ARG: return "invalid argument";
    case LMC_ERR_INVALID_DATA: return "invalid data";
    case LMC_ERR_MODEL_NOT_FOUND: return "model not found";
    case LMC_ERR_MODEL_INVALID: return "invalid model";
    case LMC_ERR_UNSUPPORTED: return "unsupported";
    case LMC_ERR_NOMEM: return "out of memory";
    default: return "internal error";
    }
}

int lmc_encoder_open(lmc_codec **out, const lmc_config *cfg, char *err, size_t errlen)
{
    if (!out || !cfg) {
        set_error(err, errlen, "lmc_encoder_open: NULL argument");
        return LMC_ERR_INVALID_ARG;
    }
    *out = nullptr;
    auto c = std::make_unique<lmc_codec>();
    int ret = guarded(c.get(), [&] {
        c->encoder = true;
        apply_runtime(c.get(), cfg);
        StreamHeader &h = c->header;
        h.kind = cfg->kind;
        c->keyint = cfg->keyint;
        if (h.kind == LMC_KIND_AUDIO) {
            h.sample_rate = cfg->sample_rate;
            h.channels = cfg->channels;
            h.sample_fmt = cfg->sample_fmt;
            h.block_size = cfg->block_size > 0 ? cfg->block_size : 4096;
        } else if (h.kind == LMC_KIND_VIDEO || h.kind == LMC_KIND_GEN) {
            h.width = cfg->width;
            h.height = cfg->height;
            h.pix_fmt = cfg->pix_fmt;
            h.max_error = h.kind == LMC_KIND_GEN ? cfg->max_error : 0;
            h.tools = encoder_tools(h.kind);
        } else {
            fail(LMC_ERR_INVALID_ARG, "unknown codec kind");
        }
        validate_stream_params(h);
        uint32_t kind = h.kind == LMC_KIND_AUDIO ? kModelAudio : kModelVideo;
        auto model = load_model_for_encoder(cfg->model, kind, cfg->model_dir);
        h.model_hash = model->hash;
        make_codec(c.get(), model);
        if (c->video)
            c->video->set_adaptation(h.kind == LMC_KIND_VIDEO ? std::clamp(cfg->adapt, 0, 2) : 0);
        c->header_bytes = write_stream_header(h);
    });
    if (ret < 0) {
        set_error(err, errlen, c->error);
        return ret;
    }
    *out = c.release();
    return LMC_OK;
}

int lmc_encoder_header(lmc_codec *c, const uint8_t **data, size_t *size)
{
    if (!c || !c->encoder || !data || !size)
        return bad_args(c, "lmc_encoder_header");
    *data = c->header_bytes.data();
    *size = c->header_bytes.size();
    return LMC_OK;
}

int lmc_decoder_open(lmc_codec **out, const uint8_t *header, size_t size, const lmc_config *opts,
                     lmc_config *info, char *err, size_t errlen)
{
    if (!out) {
        set_error(err, errlen, "lmc_decoder_open: NULL argument");
        return LMC_ERR_INVALID_ARG;
    }
    *out = nullptr;
    auto c = std::make_unique<lmc_codec>();
    int ret = guarded(c.get(), [&] {
        apply_runtime(c.get(), opts);
        c->header = parse_stream_header(header, size);
        c->header_bytes.assign(header, header + size);
        if (info) {
            const StreamHeader &h = c->header;
            lmc_config_init(info);
            info->kind = h.kind;
            info->width = h.width;
            info->height = h.height;
            info->pix_fmt = h.pix_fmt;
            info->max_error = h.max_error;
            info->sample_rate = h.sample_rate;
            info->channels = h.channels;
            info->sample_fmt = h.sample_fmt;
            info->block_size = h.block_size;
        }
    });
    if (ret < 0) {
        set_error(err, errlen, c->error);
        return ret;
    }
    *out = c.release();
    return LMC_OK;
}

int lmc_encode_video(lmc_codec *c, const uint8_t *const planes[], const int strides[],
                     const uint8_t **pkt, size_t *pkt_size, int *keyframe)
{
    if (!c || !c->encoder || !c->video || !planes || !strides || !pkt || !pkt_size)
        return bad_args(c, "lmc_encode_video");
    return guarded(c, [&] {
        bool key = c->video->encode(planes, strides, c->keyint <= 1 || c->frames % c->keyint == 0, c->packet);
        c->frames++;
        if (keyframe)
            *keyframe = key;
        *pkt = c->packet.data();
        *pkt_size = c->packet.size();
    });
}

int lmc_decode_video(lmc_codec *c, const uint8_t *pkt, size_t pkt_size, uint8_t *const planes[],
                     const int strides[])
{
    if (!c || c->encoder || c->header.kind == LMC_KIND_AUDIO || !planes || !strides)
        return bad_args(c, "lmc_decode_video");
    return guarded(c, [&] {
        ensure_model(c);
        c->video->decode(pkt, pkt_size, planes, strides);
    });
}

void lmc_decoder_reset(lmc_codec *c)
{
    if (c && !c->encoder && c->video)
        c->video->reset_reference();
}

int lmc_encode_audio(lmc_codec *c, const void *samples, int nb_samples, const uint8_t **pkt,
                     size_t *pkt_size)
{
    if (!c || !c->encoder || !c->audio || !samples || !pkt || !pkt_size)
        return bad_args(c, "lmc_encode_audio");
    return guarded(c, [&] {
        c->audio->encode((const int16_t *)samples, nb_samples, c->packet);
        *pkt = c->packet.data();
        *pkt_size = c->packet.size();
    });
}

int lmc_audio_packet_samples(lmc_codec *c, const uint8_t *pkt, size_t pkt_size)
{
    if (!c || c->header.kind != LMC_KIND_AUDIO)
        return bad_args(c, "lmc_audio_packet_samples");
    int n = 0;
    int ret = guarded(c, [&] {
        ensure_model(c);
        n = c->audio->packet_samples(pkt, pkt_size);
    });
    return ret < 0 ? ret : n;
}

int lmc_decode_audio(lmc_codec *c, const uint8_t *pkt, size_t pkt_size, void *samples, int max_samples)
{
    if (!c || c->encoder || c->header.kind != LMC_KIND_AUDIO || !samples)
        return bad_args(c, "lmc_decode_audio");
    return guarded(c, [&] {
        ensure_model(c);
        c->audio->decode(pkt, pkt_size, (int16_t *)samples, max_samples);
    });
}

const char *lmc_codec_error(const lmc_codec *c)
{
    if (!c)
        return "no codec";
    return c->error.empty() ? "no error" : c->error.c_str();
}

void lmc_codec_close(lmc_codec **c)
{
    if (c) {
        delete *c;
        *c = nullptr;
    }
}

} // extern "C"
