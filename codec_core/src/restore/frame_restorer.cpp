#include "frame_restorer.h"

#include "errors.h"
#include "half_planes.h"

namespace lmc {

FrameRestorer::FrameRestorer(std::shared_ptr<const RestoreModel> model, int width, int height,
                             const std::string &device, int threads)
    : model_(std::move(model)), runner_({&model_->net}, device, threads), width_(width), height_(height),
      pw_((width + model_->align - 1) / model_->align * model_->align),
      ph_((height + model_->align - 1) / model_->align * model_->align)
{
    if (width < 2 || height < 2 || width > LMC_MAX_DIMENSION || height > LMC_MAX_DIMENSION ||
        (int64_t)width * height > LMC_MAX_PIXELS)
        fail(LMC_ERR_UNSUPPORTED, "lmc_restore: frame size " + std::to_string(width) + "x" +
                                      std::to_string(height) + " out of range");
}

void FrameRestorer::restore(const uint8_t *const src[], const int src_strides[], uint8_t *const dst[],
                            const int dst_strides[])
{
    c10::InferenceMode guard;
    auto x = yuv420_to_half_planes(src, src_strides, width_, height_, pw_, ph_).to(runner_.device());
    // At the first frame (and after a reset) the frame stands in for the previous output.
    auto input = torch::cat({x, previous_.defined() ? previous_ : x}, 0);
    auto out = (x + runner_.run(0, input)).clamp_(-128, 127);
    previous_ = out;
    half_planes_to_yuv420(out, dst, dst_strides, width_, height_);
}

} // namespace lmc
