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
#include "frame_restorer.h"
#include "learned_codec.h"
#include "model_store.h"
#include "packet.h"
#include "rate_control.h"
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
    std::shared_ptr<const Model> model; // decoders: found when they open
    // The codec and its network runner; decoders make them on the first packet.
    std::unique_ptr<VideoCodec> video;
    std::unique_ptr<AudioCodec> audio;
    std::unique_ptr<LearnedCodec> gen;      // lmc_gen's learned coding
    std::unique_ptr<RateControl> rate;      // its encoder's quantiser choice
    std::vector<uint8_t> packet;
    std::string error;
    std::string model_identity, model_file_sha256; // lmc_codec_model_info's strings
};

struct lmc_restorer {
    std::unique_ptr<FrameRestorer> restorer;
    std::string error;
};

// c: an lmc_codec or an lmc_restorer (anything with an error string), or NULL.
template <typename Obj, typename Fn>
static int guarded(Obj *c, Fn &&fn)
{
    try {
        fn();
        return LMC_OK;
    } catch (const Error &e) {
        if (c) c->error = e.what();
        return e.status();
    } catch (const std::bad_alloc &) {
        if (c) c->error = "an allocation failed";
        return LMC_ERR_NOMEM;
    } catch (const std::exception &e) {
        if (c) c->error = e.what();
        return LMC_ERR_INTERNAL;
    } catch (...) {
        if (c) c->error = "unknown exception";
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

// Builds the runner and the codec; on any failure (a model of the wrong
// shape, out of memory) no codec is set, so the next call tries again and
// fails the same way instead of using half a codec.
static void make_codec(lmc_codec *c, const std::shared_ptr<const Model> &model)
{
    if (c->header.learned()) {
        c->gen = std::make_unique<LearnedCodec>(c->header, model->gen, c->device, c->threads);
        return;
    }
    // The audio decoder evaluates its network one sample at a time, which runs
    // on the CPU on any device (ModelRunner::run: a GPU launch costs more than
    // the evaluation; the integers are the same), so it does not start CUDA:
    // measured on an H100 host, that start-up cost 0.2 s per ffmpeg run.
    const bool audio_decoder = c->header.kind == LMC_KIND_AUDIO && !c->encoder;
    auto runner = std::make_shared<ModelRunner>(model, audio_decoder ? "cpu" : c->device, c->threads);
    if (c->header.kind == LMC_KIND_AUDIO)
        c->audio = std::make_unique<AudioCodec>(c->header, runner);
    else
        c->video = std::make_unique<VideoCodec>(c->header, runner);
}

static void ensure_codec(lmc_codec *c)
{
    if (!c->video && !c->audio && !c->gen)
        make_codec(c, c->model);
}

static uint32_t stream_model_kind(const StreamHeader &h)
{
    return h.kind == LMC_KIND_AUDIO ? kModelAudio : h.learned() ? kModelGen : kModelVideo;
}

// The model a stream's header names, found and checked when the decoder
// opens, so that a missing or wrong model fails once, at open.
static std::shared_ptr<const Model> find_stream_model(const StreamHeader &h, const std::string &model_dir)
{
    auto model = find_model_by_hash(h.model_hash, model_dir.empty() ? nullptr : model_dir.c_str());
    if (model->kind != stream_model_kind(h))
        fail(LMC_ERR_MODEL_INVALID, "stream header names " + model->path + ", " + model_kind_name(model->kind) +
                                        " model, in a stream of another kind (corrupt header)");
    return model;
}

extern "C" {

unsigned lmc_version(void) { return LMC_VERSION_INT; }

#define LMC_STR2(x) #x
#define LMC_STR(x) LMC_STR2(x)
const char *lmc_version_string(void)
{
    return LMC_STR(LMC_VERSION_MAJOR) "." LMC_STR(LMC_VERSION_MINOR) "." LMC_STR(LMC_VERSION_MICRO);
}

void lmc_config_init(lmc_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->adapt = 2;
    cfg->quality = -1;
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
        if (cfg->refs < 0 || cfg->refs > kMaxReferences)
            fail(LMC_ERR_INVALID_ARG, "refs " + std::to_string(cfg->refs) + ": 1 to " +
                                          std::to_string(kMaxReferences) + " earlier frames (0 = the default, " +
                                          std::to_string(kMaxReferences) + ")");
        if (h.kind == LMC_KIND_AUDIO) {
            h.sample_rate = cfg->sample_rate;
            h.channels = cfg->channels;
            h.sample_fmt = cfg->sample_fmt;
            h.block_size = cfg->block_size > 0 ? cfg->block_size : lmc_audio_default_block(cfg->sample_rate);
            h.tools = encoder_tools(h.kind);
        } else if (h.kind == LMC_KIND_VIDEO || h.kind == LMC_KIND_GEN) {
            h.width = cfg->width;
            h.height = cfg->height;
            h.pix_fmt = cfg->pix_fmt;
            h.max_error = h.kind == LMC_KIND_GEN ? cfg->max_error : 0;
            h.bit_depth = cfg->bit_depth > 0 ? cfg->bit_depth : 8;
            h.tools = encoder_tools(h.kind) | (h.bit_depth != 8 ? (uint32_t)kToolDeepSamples : 0u);
            h.tile_cols = cfg->tile_cols > 0 ? cfg->tile_cols : auto_tiles(h.width);
            h.tile_rows = cfg->tile_rows > 0 ? cfg->tile_rows : auto_tiles(h.height);
            if (h.tile_cols * h.tile_rows > 1)
                h.tools |= kToolTiles;
            if (h.kind == LMC_KIND_GEN && cfg->max_error == 0) { // the learned coding: whole frames
                h.tools = kToolLearned;
                h.tile_cols = h.tile_rows = 1;
            }
        } else {
            fail(LMC_ERR_INVALID_ARG, "unknown codec kind");
        }
        validate_stream_params(h);
        auto model = load_model_for_encoder(cfg->model, stream_model_kind(h), cfg->model_dir);
        h.model_hash = model->hash;
        if (h.learned()) { // inter frames between keyframes where the model has an inter coder
            if (c->keyint > 1 && model->gen->inter)
                h.tools |= kToolLearnedInter;
            c->rate = std::make_unique<RateControl>(cfg->bit_rate, cfg->fps_num, cfg->fps_den, cfg->quality,
                                                    h.tools & kToolLearnedInter ? c->keyint : 1);
        }
        // 8-bit RGB: B and R as differences to G (7.10)
        if (h.kind == LMC_KIND_VIDEO && (h.pix_fmt == LMC_PIX_GBRP || h.pix_fmt == LMC_PIX_GBRAP) && h.bit_depth == 8 &&
            !cfg->plain_rgb)
            h.tools |= kToolSubtractGreen;
        // Older references (7.9) where a frame can have an inter frame
        if (h.kind == LMC_KIND_VIDEO && cfg->refs != 1 && c->keyint > 1 && codes_inter_frames(model->feature_set))
            h.tools |= kToolOlderReferences;
        c->model = model;
        make_codec(c.get(), model);
        if (c->video) {
            c->video->set_adaptation(h.kind == LMC_KIND_VIDEO ? std::clamp(cfg->adapt, 0, 2) : 0);
            c->video->record_bits(h.kind == LMC_KIND_VIDEO && cfg->bits_map);
            c->video->set_reference_limit(cfg->refs > 0 ? cfg->refs : kMaxReferences); // checked above
            c->video->set_value_calibration(!cfg->uncalibrated);
        }
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
            info->bit_depth = h.bit_depth;
            info->tile_cols = h.tile_cols;
            info->tile_rows = h.tile_rows;
            info->sample_rate = h.sample_rate;
            info->channels = h.channels;
            info->sample_fmt = h.sample_fmt;
            info->block_size = h.block_size;
        }
        c->model = find_stream_model(c->header, c->model_dir);
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
    if (!c || !c->encoder || !(c->video || c->gen) || !planes || !strides || !pkt || !pkt_size)
        return bad_args(c, "lmc_encode_video");
    return guarded(c, [&] {
        if (c->gen) { // a keyframe every keyint frames, inter frames between where the stream has them
            const bool inter = c->gen->has_inter();
            const bool key = !inter || c->frames % c->keyint == 0;
            const bool next_inter = inter && (c->frames + 1) % c->keyint != 0;
            const auto analysis = c->gen->analyse(planes, strides, !key);
            begin_packet(c->packet, key ? kPacketKeyframe : 0);
            c->gen->write(analysis, c->rate->pick(*c->gen, analysis), c->packet, next_inter);
            end_packet(c->packet);
            c->rate->coded(c->packet.size(), !key);
            c->frames++;
            if (keyframe)
                *keyframe = key;
            *pkt = c->packet.data();
            *pkt_size = c->packet.size();
            return;
        }
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
        if (c->header.learned()) {
            if (!c->gen) // checked before the codec (and its networks) are made
                parse_learned_packet(pkt, pkt_size);
            ensure_codec(c);
            c->gen->decode(pkt, pkt_size, planes, strides);
            return;
        }
        // The packet is checked before the codec is made: a header claiming
        // a huge frame allocates nothing until a keyframe that large arrives.
        if (!c->video && !parse_video_packet(c->header, pkt, pkt_size).keyframe)
            fail(LMC_ERR_INVALID_DATA, "inter frame without its previous frame (stream starts mid-GOP): "
                                       "decoding starts at the next keyframe");
        ensure_codec(c);
        c->video->decode(pkt, pkt_size, planes, strides);
    });
}

int lmc_encoder_bits_map(lmc_codec *c, int plane, float *out, int stride)
{
    if (!c || !c->encoder || !c->video || c->header.kind != LMC_KIND_VIDEO || !out || plane < 0 ||
        plane >= c->video->plane_count() || stride < c->video->plane_width(plane))
        return bad_args(c, "lmc_encoder_bits_map");
    return guarded(c, [&] {
        const std::vector<float> &map = c->video->bits_map(plane);
        const int w = c->video->plane_width(plane), h = c->video->plane_height(plane);
        if (map.size() != (size_t)w * h)
            fail(LMC_ERR_INVALID_ARG, "lmc_encoder_bits_map: open the encoder with bits_map = 1 and encode a frame first");
        for (int y = 0; y < h; y++)
            memcpy(out + (size_t)y * stride, map.data() + (size_t)y * w, sizeof(float) * w);
    });
}

int lmc_video_packet_info(lmc_codec *c, const uint8_t *pkt, size_t pkt_size, int *keyframe)
{
    if (!c || c->encoder || c->header.kind == LMC_KIND_AUDIO)
        return bad_args(c, "lmc_video_packet_info");
    return guarded(c, [&] {
        const bool key = c->header.learned() ? parse_learned_packet(pkt, pkt_size).keyframe
                                             : parse_video_packet(c->header, pkt, pkt_size).keyframe;
        if (keyframe)
            *keyframe = key;
    });
}

void lmc_decoder_reset(lmc_codec *c)
{
    if (c && !c->encoder && c->video)
        c->video->reset_reference();
    if (c && !c->encoder && c->gen)
        c->gen->drop_reference();
}

int lmc_encode_audio(lmc_codec *c, const void *samples, int nb_samples, const uint8_t **pkt,
                     size_t *pkt_size)
{
    if (!c || !c->encoder || !c->audio || !samples || !pkt || !pkt_size)
        return bad_args(c, "lmc_encode_audio");
    return guarded(c, [&] {
        c->audio->encode(samples, nb_samples, c->packet);
        *pkt = c->packet.data();
        *pkt_size = c->packet.size();
    });
}

// About a second: the adaptive predictor and Rice parameter start afresh in
// every block, so longer blocks pay their warm-up less often (measured in a
// prototype on the test split: 16384-sample blocks 0.5-1% smaller than 4096);
// a power of two from 4096 to 16384.
int lmc_audio_default_block(int sample_rate)
{
    int block = 4096;
    while (block < 16384 && block * 2 <= sample_rate * 1.05)
        block *= 2;
    return block;
}

int lmc_audio_packet_samples(lmc_codec *c, const uint8_t *pkt, size_t pkt_size)
{
    if (!c || c->header.kind != LMC_KIND_AUDIO)
        return bad_args(c, "lmc_audio_packet_samples");
    int n = 0;
    int ret = guarded(c, [&] {
        ensure_codec(c);
        n = c->audio->packet_samples(pkt, pkt_size);
    });
    return ret < 0 ? ret : n;
}

int lmc_decode_audio(lmc_codec *c, const uint8_t *pkt, size_t pkt_size, void *samples, int max_samples)
{
    if (!c || c->encoder || c->header.kind != LMC_KIND_AUDIO || !samples)
        return bad_args(c, "lmc_decode_audio");
    return guarded(c, [&] {
        ensure_codec(c);
        c->audio->decode(pkt, pkt_size, samples, max_samples);
    });
}

int lmc_codec_model_info(lmc_codec *c, lmc_model_info *info)
{
    if (!c || !info || !c->model)
        return bad_args(c, "lmc_codec_model_info");
    c->model_identity = to_hex(c->model->hash);
    c->model_file_sha256 = to_hex(c->model->file_hash);
    info->name = c->model->name.c_str();
    info->path = c->model->path.c_str();
    info->file_sha256 = c->model_file_sha256.c_str();
    info->identity = c->model_identity.c_str();
    info->header_version = stream_header_version(c->header);
    info->tools = (int)c->header.tools;
    return LMC_OK;
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

int lmc_restorer_open(lmc_restorer **out, int width, int height, int pix_fmt, const lmc_config *opts, char *err,
                      size_t errlen)
{
    if (!out) {
        set_error(err, errlen, "lmc_restorer_open: NULL argument");
        return LMC_ERR_INVALID_ARG;
    }
    *out = nullptr;
    auto r = std::make_unique<lmc_restorer>();
    int ret = guarded(r.get(), [&] {
        if (pix_fmt != LMC_PIX_YUV420P)
            fail(LMC_ERR_UNSUPPORTED, "lmc_restore takes yuv420p only");
        const int threads = opts && opts->threads > 0 ? opts->threads : 1;
        auto model = load_model_for_encoder(opts ? opts->model : nullptr, kModelRestore,
                                            opts ? opts->model_dir : nullptr);
        r->restorer = std::make_unique<FrameRestorer>(model->restore, width, height,
                                                      opts && opts->device ? opts->device : "", threads);
    });
    if (ret < 0) {
        set_error(err, errlen, r->error);
        return ret;
    }
    *out = r.release();
    return LMC_OK;
}

int lmc_restorer_frame(lmc_restorer *r, const uint8_t *const src[], const int src_strides[], uint8_t *const dst[],
                       const int dst_strides[])
{
    if (!r || !src || !src_strides || !dst || !dst_strides) {
        if (r)
            r->error = "lmc_restorer_frame: NULL argument";
        return LMC_ERR_INVALID_ARG;
    }
    return guarded(r, [&] { r->restorer->restore(src, src_strides, dst, dst_strides); });
}

void lmc_restorer_reset(lmc_restorer *r)
{
    if (r)
        r->restorer->reset();
}

const char *lmc_restorer_error(const lmc_restorer *r)
{
    if (!r)
        return "no restorer";
    return r->error.empty() ? "no error" : r->error.c_str();
}

void lmc_restorer_close(lmc_restorer **r)
{
    if (r) {
        delete *r;
        *r = nullptr;
    }
}

} // extern "C"
