// CRC-32 and SHA-256 against published test vectors.
#include <gtest/gtest.h>

#include <string>

#include "crc32.h"
#include "sha256.h"

using namespace lmc;

static const uint8_t *bytes(const std::string &s) { return (const uint8_t *)s.data(); }

TEST(Crc32, CheckValue)
{
    std::string s = "123456789";
    EXPECT_EQ(crc32(bytes(s), s.size()), 0xCBF43926u);
    EXPECT_EQ(crc32(nullptr, 0), 0u);
}

TEST(Sha256, FipsVectors)
{
    std::string abc = "abc";
    EXPECT_EQ(to_hex(sha256(bytes(abc), 3)),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(to_hex(sha256(nullptr, 0)),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; // 56 bytes
    EXPECT_EQ(to_hex(sha256(bytes(two_blocks), two_blocks.size())),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    std::string million(1000000, 'a');
    EXPECT_EQ(to_hex(sha256(bytes(million), million.size())),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
