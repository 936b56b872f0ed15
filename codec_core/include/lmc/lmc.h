/*
 * liblmc: model-based lossless (and near-lossless) media codecs.
 *
 * This is the only interface between liblmc and its users (the FFmpeg
 * wrappers in libavcodec, our tests, our tools). It is plain C: no C++
 * exception ever crosses it; every failure is a negative LMC_ERR_* code and
 * a message readable with lmc_codec_error() (or written into the caller's
 * buffer for the open functions, which have no context yet).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef LMC_LMC_H
#define LMC_LMC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LMC_VERSION_MAJOR 0
#define LMC_VERSION_MINOR 15
#define LMC_VERSION_MICRO 0
#define LMC_VERSION_INT ((LMC_VERSION_MAJOR << 16) | (LMC_VERSION_MINOR << 8) | LMC_VERSION_MICRO)

/* Runtime version, LMC_VERSION_INT of the library actually loaded. */
unsigned lmc_version(void);
const char *lmc_version_string(void);

enum lmc_status {
    LMC_OK                  = 0,
    LMC_ERR_INVALID_ARG     = -1, /* caller passed something unusable */
    LMC_ERR_INVALID_DATA    = -2, /* corrupt/truncated header or packet */
    LMC_ERR_MODEL_NOT_FOUND = -3, /* no model file with the required hash */
    LMC_ERR_MODEL_INVALID   = -4, /* model file damaged or of the wrong kind */
    LMC_ERR_UNSUPPORTED     = -5, /* format/dimension/version we don't code */
    LMC_ERR_NOMEM           = -6,
    LMC_ERR_INTERNAL        = -7, /* a bug or a LibTorch failure */
};

/* What a stream holds. Each codec has its own FFmpeg codec ID. */
enum lmc_kind {
    LMC_KIND_VIDEO = 1, /* lmc_video: lossless video and stills */
    LMC_KIND_AUDIO = 2, /* lmc_audio: lossless audio */
    LMC_KIND_GEN   = 3, /* lmc_gen: lossy video: learned (max_error 0) or
                           with a bounded per-pixel error */
};

/* Pixel formats (plane order as in FFmpeg's planar formats). */
enum lmc_pix_fmt {
    LMC_PIX_GRAY8   = 1,
    LMC_PIX_YUV420P = 2,
    LMC_PIX_YUV422P = 3,
    LMC_PIX_YUV444P = 4,
    LMC_PIX_GBRP    = 5, /* planes G, B, R; RGB input is coded as this */
    /* The same with an alpha plane after the others (liblmc 0.8). */
    LMC_PIX_YUVA420P = 6,
    LMC_PIX_YUVA444P = 7,
    LMC_PIX_GBRAP    = 8, /* planes G, B, R, A; RGBA input is coded as this */
};

enum lmc_sample_fmt {
    LMC_SAMPLE_S16 = 1, /* interleaved int16 */
    LMC_SAMPLE_S32 = 2, /* interleaved int32; 24-bit content in the high bits
                           (FFmpeg's s32) is predicted, wider samples are sent
                           as they are (liblmc 0.10) */
};

/* Limits enforced on every stream (absurd dimensions are refused). */
#define LMC_MAX_DIMENSION 16384
#define LMC_MAX_PIXELS    (1 << 26)
#define LMC_MAX_CHANNELS  8 /* liblmc 0.10; 2 before */
#define LMC_AUDIO_MAX_BLOCK 65536

typedef struct lmc_config {
    int kind;              /* enum lmc_kind */
    /* video / gen */
    int width, height;
    int pix_fmt;           /* enum lmc_pix_fmt */
    int max_error;         /* gen only: max |decoded - source| per sample, 1..32;
                              0 = the learned codec (liblmc 0.11, yuv420p) */
    /* audio */
    int sample_rate;
    int channels;
    int sample_fmt;        /* enum lmc_sample_fmt */
    int block_size;        /* samples per channel per packet; 0 = default
                              (lmc_audio_default_block) */
    /* runtime (not stored in the stream) */
    int keyint;            /* video/gen encoder: a keyframe every keyint frames;
                              0 or 1 = every frame (inter frames need a model
                              that has them: lmc_video feature set 3, lmc_gen's
                              learned coding feature set 2 (liblmc 0.13); with
                              another, every frame is a keyframe) */
    int adapt;             /* lossless video encoder: fit the network's hidden
                              biases to the clip and send them in the packets
                              where that pays (docs/format.md 7.4): 0 = never,
                              1 = in keyframes only, 2 = in inter frames too
                              (lmc_config_init's default since 0.7) */
    int threads;           /* 0 = library default (1) */
    const char *model;     /* encoder: model file path; NULL = the shipped default */
    const char *model_dir; /* where decoders look for models by hash; NULL = default */
    const char *device;    /* "cpu", "cuda" or NULL/"auto" */
    /* video (liblmc 0.8): bits per sample, 8 (0 means 8) to 16; above 8
     * every plane holds native-endian uint16 samples (FFmpeg's ...p10le and
     * the like on little-endian machines), 2-byte aligned, and strides are
     * in bytes. */
    int bit_depth;
    /* video/gen encoder (liblmc 0.9): the tile grid, columns x rows; frames
     * are cut into tiles coded independently (docs/format.md 6.1), so that
     * decoders run them on all their threads or as one batch on a GPU.
     * 0 = auto (tiles of about 256 luma samples a side), 1 x 1 = untiled
     * (the format of liblmc 0.8). Decoders report the stream's grid. */
    int tile_cols, tile_rows;
    /* gen encoder, learned coding (liblmc 0.11): quality is the quantiser,
     * 0 (finest) to 32 (coarsest), each step 2^(1/8) times the last; -1 =
     * the default (12). bit_rate > 0 instead chooses each frame's quantiser
     * for that average bitrate (bits/s) at fps_num / fps_den frames/s. */
    int quality;
    int64_t bit_rate;
    int fps_num, fps_den;
    /* lmc_video encoder (liblmc 0.11): keep what each sample cost, for
     * lmc_encoder_bits_map() (the lmc_map filter). */
    int bits_map;
    /* lossless video encoder (liblmc 0.14): how many earlier frames of the
     * GOP an inter frame may take as its reference (docs/format.md 7.9), for
     * content that comes back: 1 = the previous frame only (the format of
     * 0.13), up to 16; 0 = the default (16). Decoders hold up to 16 frames. */
    int refs;
    /* lossless video encoder (liblmc 0.14): 1 = code 8-bit gbrp/gbrap as the
     * planes G, B, R (the 0.13 format) instead of G, B - G, R - G (docs/
     * format.md 7.10, the default); for measuring what the transform buys. */
    int plain_rgb;
    /* lossless video encoder (liblmc 0.15): 1 = no value calibration (docs/
     * format.md 7.7) in any packet; for measuring what it buys. */
    int uncalibrated;
} lmc_config;

typedef struct lmc_codec lmc_codec;

/* Fills cfg with zeros/defaults. */
void lmc_config_init(lmc_config *cfg);

/*
 * Encoder. Loads the model at once (the encoder needs it for the header).
 * err/errlen may be NULL; on failure a message is written there.
 */
int lmc_encoder_open(lmc_codec **out, const lmc_config *cfg, char *err, size_t errlen);

/* The stream header (FFmpeg extradata): valid until lmc_codec_close(). */
int lmc_encoder_header(lmc_codec *c, const uint8_t **data, size_t *size);

/*
 * Decoder. Parses the stream header and finds the model it names (a missing,
 * damaged or wrong-kind model fails here, with a message naming the file
 * and the directories searched); the network and the frame buffers are
 * made on the first packet, so opening stays cheap while probing. opts
 * supplies runtime fields only (threads, model_dir, device); may be NULL.
 * info, if not NULL, receives the stream parameters from the header.
 */
int lmc_decoder_open(lmc_codec **out, const uint8_t *header, size_t size,
                     const lmc_config *opts, lmc_config *info,
                     char *err, size_t errlen);

/*
 * Video (lmc_video and lmc_gen). planes/strides as in AVFrame; plane count
 * and sizes follow the pixel format and the dimensions the codec was opened
 * with (an encoder fed smaller planes reads past them: callers check). The encoded packet is owned by the codec
 * and stays valid until the next call on it; *keyframe (if not NULL) says
 * whether it decodes on its own. An inter frame needs the frame before it:
 * a decoder fed one without it (after a failed packet, or a stream cut
 * mid-GOP) returns LMC_ERR_INVALID_DATA until the next keyframe.
 * lmc_decoder_reset() forgets the previous frame (call it on seek/flush).
 */
int lmc_encode_video(lmc_codec *c, const uint8_t *const planes[], const int strides[],
                     const uint8_t **pkt, size_t *pkt_size, int *keyframe);
int lmc_decode_video(lmc_codec *c, const uint8_t *pkt, size_t pkt_size,
                     uint8_t *const planes[], const int strides[]);
void lmc_decoder_reset(lmc_codec *c);

/*
 * lmc_video encoder opened with bits_map = 1 (liblmc 0.11): after
 * lmc_encode_video(), the bits the model spent on each sample of plane p of
 * that frame (-log2 of the sample's probability; 0 for samples in skip
 * blocks, which inter frames copy without coding), as a float map of the
 * plane's size with rows stride floats apart. Samples above 8 bits report
 * their high byte's cost.
 */
int lmc_encoder_bits_map(lmc_codec *c, int plane, float *out, int stride);

/*
 * Checks a video packet without decoding it: checksum, flags, and that a
 * keyframe is large enough to hold a frame of the stream's dimensions (so a
 * damaged header cannot make a decoder allocate or work far beyond what its
 * packets hold). *keyframe (if not NULL) says whether it decodes on its own.
 * Decoders call it before they allocate the output frame.
 */
int lmc_video_packet_info(lmc_codec *c, const uint8_t *pkt, size_t pkt_size, int *keyframe);

/*
 * Audio. Interleaved samples in the stream's sample format; nb_samples per
 * channel, at most the block size. lmc_audio_packet_samples() tells a decoder
 * how many samples a packet holds before it allocates the output (it returns
 * that count, or a negative status); the other functions return LMC_OK or a
 * negative status.
 */
int lmc_encode_audio(lmc_codec *c, const void *samples, int nb_samples,
                     const uint8_t **pkt, size_t *pkt_size);
int lmc_audio_packet_samples(lmc_codec *c, const uint8_t *pkt, size_t pkt_size);
int lmc_decode_audio(lmc_codec *c, const uint8_t *pkt, size_t pkt_size,
                     void *samples, int max_samples);
/* The block size an audio encoder takes for block_size 0 at this sample
 * rate: about a second (liblmc 0.10). */
int lmc_audio_default_block(int sample_rate);

/* What codes a stream: for ffprobe-style reports. Strings stay valid until
 * the next call on c. */
typedef struct lmc_model_info {
    const char *name;        /* the model's own name, e.g. "video-s" */
    const char *path;        /* the file it was loaded from */
    const char *file_sha256; /* SHA-256 of that whole file, as sha256sum prints it */
    const char *identity;    /* the hash the stream header pins (the file's last 32 bytes) */
    int header_version;      /* stream header version (docs/format.md 4) */
    int tools;               /* its coding-tool bits */
} lmc_model_info;
int lmc_codec_model_info(lmc_codec *c, lmc_model_info *info);

/*
 * The lmc_restore filter (liblmc 0.12): a learned restoration network takes
 * a decoded yuv420p frame (from any codec) and the filter's previous output
 * and returns a corrected frame. opts supplies model (a path; NULL = the
 * shipped restore-s), model_dir, device and threads; may be NULL. Integer
 * arithmetic throughout: CPU and CUDA give the same frames. The previous
 * output is kept between calls; lmc_restorer_reset() forgets it (seek).
 */
typedef struct lmc_restorer lmc_restorer;
int lmc_restorer_open(lmc_restorer **out, int width, int height, int pix_fmt, const lmc_config *opts,
                      char *err, size_t errlen);
/* src and dst may be the same planes. */
int lmc_restorer_frame(lmc_restorer *r, const uint8_t *const src[], const int src_strides[],
                       uint8_t *const dst[], const int dst_strides[]);
void lmc_restorer_reset(lmc_restorer *r);
const char *lmc_restorer_error(const lmc_restorer *r);
void lmc_restorer_close(lmc_restorer **r);

/* Message of the last failure on c (never NULL). */
const char *lmc_codec_error(const lmc_codec *c);

/* Frees c and everything it owns; *c is set to NULL. */
void lmc_codec_close(lmc_codec **c);

/* Short text for an lmc_status. */
const char *lmc_status_string(int status);

#ifdef __cplusplus
}
#endif

#endif /* LMC_LMC_H */
