// Frame state shared by the encoder and the decoder: planes, references,
// motion and background alignment, residual inputs (docs/format.md 7).
#include "video_codec.h"

#include "errors.h"
#include "freq_table.h"
#include "low_bits.h"
#include "motion.h"
#include "video_schedule.h"

namespace lmc {

VideoCodec::VideoCodec(const StreamHeader &header, std::shared_ptr<ModelRunner> runner)
    : header_(header), runner_(std::move(runner))
{
    const Model &m = runner_->model();
    inter_features_ = codes_inter_frames(m.feature_set);
    adaptive_ = inter_features_;
    ninputs_ = m.feature_set == kFeaturesVideoV4 ? kVideoInputsWide
               : inter_features_                 ? kVideoInputsInter
                                                 : kVideoInputsIntra;
    if (m.kind != kModelVideo || (m.feature_set != kFeaturesVideoV1 && !inter_features_) ||
        m.inputs != ninputs_ || m.outputs != kVideoSymbols)
        fail(LMC_ERR_MODEL_INVALID, "model " + m.path + " is not a video model of feature set 1, 3 or 4");
    int w = header.width, h = header.height;
    int sx = 0, sy = 0;
    switch (header.pix_fmt) {
    case LMC_PIX_GRAY8: nplanes_ = 1; break;
    case LMC_PIX_YUV420P: nplanes_ = 3; sx = sy = 1; break;
    case LMC_PIX_YUV422P: nplanes_ = 3; sx = 1; break;
    case LMC_PIX_YUV444P:
    case LMC_PIX_GBRP: nplanes_ = 3; break;
    case LMC_PIX_YUVA420P: nplanes_ = 4; sx = sy = 1; break;
    case LMC_PIX_YUVA444P:
    case LMC_PIX_GBRAP: nplanes_ = 4; break;
    default: fail(LMC_ERR_UNSUPPORTED, "unsupported pixel format");
    }
    // B and R are classed as such, or with subtract-green (7.10) as the colour
    // differences they become, like U and V
    subtract_green_ = header.tools & kToolSubtractGreen;
    int chroma_class = (header.pix_fmt == LMC_PIX_GBRP || header.pix_fmt == LMC_PIX_GBRAP) && !subtract_green_ ? -64 : 64;
    for (int p = 0; p < nplanes_; p++) {
        PlaneState &s = planes_[p];
        const bool colour = p == 1 || p == 2; // alpha, plane 3, is full size, classed as luma
        s.sx = colour ? sx : 0;
        s.sy = colour ? sy : 0;
        s.w = w >> s.sx;
        s.h = h >> s.sy;
        s.plane_class = colour ? chroma_class : 0;
        s.px.assign((size_t)s.w * s.h, 0);
        s.res.assign((size_t)s.w * s.h, 0);
        s.aligned.assign((size_t)s.w * s.h, 0);
    }
    motion_.resize(w, h);
    size_t frame_bytes = 0;
    for (int p = 0; p < nplanes_; p++)
        frame_bytes += planes_[p].px.size() * (header.bit_depth > 8 ? 3 : 1);
    refs_.init(header.tools & kToolOlderReferences ? reference_capacity(frame_bytes) : 1);
    // Stream tools, fixed for the stream (format.md 4), used where a frame has
    // quarter-sample motion / skip blocks.
    motion_.sharp = header.tools & kToolSharpLuma;
    skip_.fine = header.tools & kToolFineSkip;
    skip_.resize(planes_, nplanes_);
    pool_ = std::make_unique<WorkerPool>(runner_->threads());
    tiles_.init(w, h, header.tile_cols, header.tile_rows);
    for (int k = 0; k < tiles_.count(); k++)
        for (int p = 0; p < kMaxPlanes; p++)
            tile_rects_.push_back(p < nplanes_ ? tiles_.rect(k, planes_[p].sx, planes_[p].sy, planes_[p].w, planes_[p].h)
                                               : TileRect{});
    if (adaptive_)
        mixers_.resize(tiles_.count());
    calibration_.resize((size_t)tiles_.count() * kMaxPlanes);
    depth_ = header.bit_depth;
    if (depth_ > 8)
        for (int p = 0; p < nplanes_; p++)
            low_[p].assign(planes_[p].px.size(), 0);
}

// Every keyframe restarts the adaptive stage, in encoder and decoder alike.
// Lossless inter frames carry skip blocks and background choices.
void VideoCodec::start_frame(bool inter)
{
    inter_ = inter;
    skip_blocks_ = background_ref_ = inter_ && header_.kind == LMC_KIND_VIDEO;
    // liblmc 0.5: quarter-sample vectors and split blocks in lossless inter frames
    motion_.subpel = motion_.split = skip_blocks_;
    if (!inter_)
        for (AdaptiveMixer &m : mixers_)
            m.reset();
    // Value calibration (7.7): every lossless frame, learnt afresh per frame.
    calibrate_ = header_.kind == LMC_KIND_VIDEO && calibration_on_;
    for (ValueCalibration &c : calibration_)
        c.reset();
}

// Encoder: motion of the source luma against the previous reconstruction;
// a block is intra when the source's own MED residual is cheaper.
void VideoCodec::estimate_and_align()
{
    PlaneState &y = planes_[0];
    y.px = source_[0];
    std::vector<int16_t> med_res(y.px.size());
    for (int r = 0; r < y.h; r++)
        for (int x = 0; x < y.w; x++)
            med_res[(size_t)r * y.w + x] = (int16_t)(y.px[(size_t)r * y.w + x] - predict_sample(y, x, r));
    estimate_motion(source_[0].data(), refs_.high(ref_distance_, 0), med_res.data(), y.w, y.h, motion_, pool_.get());
    if (background_ref_) {
        make_background_frames();
        align_plane(refs_.high(ref_distance_, 0), nullptr, y.w, y.h, 0, 0, motion_, y.aligned.data());
        std::vector<uint8_t> from_background(y.px.size());
        align_plane(background_frame_[0].data(), nullptr, y.w, y.h, 0, 0, motion_, from_background.data());
        choose_background_blocks(source_[0].data(), y.aligned.data(), from_background.data(), med_res.data(),
                                 y.w, y.h, motion_);
    }
    align_reference();
}

void VideoCodec::make_background_frames()
{
    for (int p = 0; p < nplanes_; p++)
        background_.frame(p, background_frame_[p]);
}

void VideoCodec::align_reference()
{
    for (int p = 0; p < nplanes_; p++) {
        PlaneState &s = planes_[p];
        align_plane(refs_.high(ref_distance_, p), background_frame_[p].data(), s.w, s.h, s.sx, s.sy, motion_,
                    s.aligned.data());
    }
}

LowBitsReference VideoCodec::low_bits_reference(int p) const
{
    LowBitsReference r;
    r.high = refs_.high(ref_distance_, p);
    r.low = refs_.low(ref_distance_, p);
    r.mf = &motion_;
    r.sx = planes_[p].sx;
    r.sy = planes_[p].sy;
    return r;
}

void VideoCodec::keep_reference()
{
    refs_.keep(planes_, low_, nplanes_, !inter_);
    background_.keep(planes_, nplanes_, !inter_);
    frames_since_key_ = inter_ ? frames_since_key_ + 1 : 0;
}

// Lossless encoder: the reconstruction is the source, known in full, so
// every plane's samples and residuals can be set before coding.
void VideoCodec::load_residuals()
{
    const MotionField *mf = inter_ ? &motion_ : nullptr;
    for (int p = 0; p < nplanes_; p++)
        planes_[p].px = source_[p];
    for (int k = 0; k < tiles_.count(); k++)
        for (int p = 0; p < nplanes_; p++) {
            PlaneState &s = planes_[p];
            const TileRect &r = tile_rect(k, p);
            for (int y = r.y0; y < r.y1; y++)
                for (int x = r.x0; x < r.x1; x++)
                    s.res[(size_t)y * s.w + x] = (int16_t)(s.px[(size_t)y * s.w + x] - base_prediction(s, r, mf, x, y));
        }
}

void VideoCodec::reset_reference() { refs_.clear(); }

size_t VideoCodec::background_blocks() const
{
    size_t n = 0;
    for (uint8_t b : motion_.background)
        n += b;
    return n;
}

} // namespace lmc
