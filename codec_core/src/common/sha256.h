// SHA-256 (FIPS 180-4): names models; a stream header pins its model by it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace lmc {

using Sha256 = std::array<uint8_t, 32>;

Sha256 sha256(const uint8_t *data, size_t size);
std::string to_hex(const Sha256 &digest);

} // namespace lmc
