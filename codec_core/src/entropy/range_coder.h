// Multi-symbol range coder with carry propagation (the LZMA byte-oriented
// scheme generalised to frequency tables): 64-bit low, 32-bit range,
// renormalised by bytes while range < 2^24. Totals must be <= 2^16, which
// keeps range / total >= 2^8 and the coding loss negligible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lmc {

constexpr uint32_t kMaxTotal = 1u << 16;

// Each coder has a cache line of its own: the coders of a frame's tiles sit
// side by side in a vector and run on different threads, which would
// otherwise write one line on every symbol (false sharing).
constexpr size_t kCoderAlign = 64;

class alignas(kCoderAlign) RangeEncoder {
public:
    explicit RangeEncoder(std::vector<uint8_t> &out) : out_(out) {}
    // Codes the symbol occupying [cum, cum + freq) of [0, total).
    void encode(uint32_t cum, uint32_t freq, uint32_t total);
    // Codes nbits (<= 16) raw bits.
    void encode_bits(uint32_t value, int nbits) { encode(value, 1, 1u << nbits); }
    void finish();

private:
    void shift_low();
    std::vector<uint8_t> &out_;
    uint64_t low_ = 0;
    uint32_t range_ = 0xFFFFFFFFu;
    uint8_t cache_ = 0;
    uint64_t cache_size_ = 1;
};

class alignas(kCoderAlign) RangeDecoder {
public:
    // Bytes past the end read as zero; overrun() then says the stream was
    // too short, which callers treat as corrupt data. Decoders check it as
    // they go (once per wavefront step, once per audio sample), so a packet
    // that claims more symbols than it holds fails after about as many
    // symbols as its bytes can code, not after the whole frame.
    RangeDecoder(const uint8_t *data, size_t size);
    // Returns the target cumulative frequency in [0, total); the caller finds
    // the symbol containing it and calls consume() with its cum/freq.
    uint32_t decode_target(uint32_t total);
    void consume(uint32_t cum, uint32_t freq);
    uint32_t decode_bits(int nbits);
    // The decoder reads one byte for each byte the encoder wrote: 5 at the
    // start, then one per renormalisation on both sides, so a whole coded
    // stream is consumed exactly (range_coder.cpp).
    bool overrun() const { return pos_ > size_; }
    // After the last symbol: whether the stream was consumed exactly. A
    // packet decoded with the wrong context, a header that claims other
    // dimensions, or a packet of another codec fails this.
    bool consumed_exactly() const { return pos_ == size_; }

private:
    uint8_t next_byte() { return pos_ < size_ ? data_[pos_++] : (pos_++, 0); }
    const uint8_t *data_;
    size_t size_, pos_ = 0;
    uint32_t code_ = 0, range_ = 0xFFFFFFFFu, r_ = 1;
};

} // namespace lmc
