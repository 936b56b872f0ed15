// Little-endian byte writing and bounds-checked reading for headers and
// packets. A read past the end throws LMC_ERR_INVALID_DATA.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "errors.h"

namespace lmc {

class ByteWriter {
public:
    explicit ByteWriter(std::vector<uint8_t> &out) : out_(out) {}
    void u8(uint32_t v) { out_.push_back((uint8_t)v); }
    void u16(uint32_t v) { u8(v); u8(v >> 8); }
    void u32(uint32_t v) { u16(v); u16(v >> 16); }
    void bytes(const uint8_t *p, size_t n) { out_.insert(out_.end(), p, p + n); }

private:
    std::vector<uint8_t> &out_;
};

class ByteReader {
public:
    ByteReader(const uint8_t *data, size_t size) : p_(data), end_(data + size) {}
    uint32_t u8() { need(1); return *p_++; }
    uint32_t u16() { uint32_t lo = u8(); return lo | u8() << 8; }
    uint32_t u32() { uint32_t lo = u16(); return lo | u16() << 16; }
    const uint8_t *bytes(size_t n) { need(n); const uint8_t *p = p_; p_ += n; return p; }
    size_t left() const { return (size_t)(end_ - p_); }
    const uint8_t *pos() const { return p_; }

private:
    void need(size_t n) const { require_data(left() >= n, "unexpected end of data"); }
    const uint8_t *p_, *end_;
};

} // namespace lmc
