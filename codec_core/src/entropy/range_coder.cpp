#include "range_coder.h"

namespace lmc {

constexpr uint32_t kTop = 1u << 24;

void RangeEncoder::shift_low()
{
    if ((uint32_t)low_ < 0xFF000000u || (low_ >> 32) != 0) {
        uint8_t carry = (uint8_t)(low_ >> 32);
        uint8_t byte = cache_;
        do {
            out_.push_back((uint8_t)(byte + carry));
            byte = 0xFF;
        } while (--cache_size_ != 0);
        cache_ = (uint8_t)(low_ >> 24);
    }
    cache_size_++;
    low_ = (low_ & 0x00FFFFFFu) << 8;
}

void RangeEncoder::encode(uint32_t cum, uint32_t freq, uint32_t total)
{
    uint32_t r = range_ / total;
    low_ += (uint64_t)r * cum;
    range_ = r * freq;
    while (range_ < kTop) {
        range_ <<= 8;
        shift_low();
    }
}

// Byte count: every shift_low() call adds one byte to the output, the
// first flushing the initial cache byte and the last leaving one byte
// (always 0) unwritten, so an encoder that renormalised k times writes k + 5
// bytes, the k + 5 its decoder reads.
void RangeEncoder::finish()
{
    for (int i = 0; i < 5; i++)
        shift_low();
}

RangeDecoder::RangeDecoder(const uint8_t *data, size_t size) : data_(data), size_(size)
{
    for (int i = 0; i < 5; i++)
        code_ = (code_ << 8) | next_byte();
}

uint32_t RangeDecoder::decode_target(uint32_t total)
{
    r_ = range_ / total;
    uint32_t v = code_ / r_;
    return v < total ? v : total - 1; // only corrupt streams reach total
}

void RangeDecoder::consume(uint32_t cum, uint32_t freq)
{
    code_ -= r_ * cum;
    range_ = r_ * freq;
    while (range_ < kTop) {
        code_ = (code_ << 8) | next_byte();
        range_ <<= 8;
    }
}

uint32_t RangeDecoder::decode_bits(int nbits)
{
    uint32_t v = decode_target(1u << nbits);
    consume(v, 1);
    return v;
}

} // namespace lmc
