// The range coder on hostile distributions: every case is encoded, decoded
// and compared, and the size is checked against the ideal code length.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "range_coder.h"

using namespace lmc;

namespace {

struct Table {
    std::vector<uint32_t> freq, cum;
    uint32_t total = 0;
    explicit Table(std::vector<uint32_t> f) : freq(std::move(f))
    {
        for (uint32_t v : freq) {
            cum.push_back(total);
            total += v;
        }
    }
    int find(uint32_t target) const
    {
        int s = 0;
        while (s + 1 < (int)freq.size() && cum[s + 1] <= target)
            s++;
        return s;
    }
    double bits(int s) const { return -std::log2((double)freq[s] / total); }
};

// Encodes symbols, decodes them back, and returns the size in bytes.
size_t round_trip(const Table &t, const std::vector<int> &symbols, double *ideal_bits)
{
    std::vector<uint8_t> buf;
    RangeEncoder enc(buf);
    *ideal_bits = 0;
    for (int s : symbols) {
        enc.encode(t.cum[s], t.freq[s], t.total);
        *ideal_bits += t.bits(s);
    }
    enc.finish();
    RangeDecoder dec(buf.data(), buf.size());
    for (size_t i = 0; i < symbols.size(); i++) {
        int s = t.find(dec.decode_target(t.total));
        dec.consume(t.cum[s], t.freq[s]);
        EXPECT_EQ(s, symbols[i]) << "at symbol " << i;
        if (s != symbols[i])
            break;
    }
    EXPECT_FALSE(dec.overrun());
    return buf.size();
}

// Codes and checks against the ideal length. The coder's overhead: the flush,
// plus per symbol at most log2(1 + total / 2^24) bits from the truncation in
// range / total (0.0056 bits at total 2^16, visible only when the ideal cost
// per symbol is itself tiny).
void expect_near_ideal(const Table &t, const std::vector<int> &symbols)
{
    double ideal;
    size_t bytes = round_trip(t, symbols, &ideal);
    double allowance = symbols.size() * std::log2(1.0 + t.total / 16777216.0);
    EXPECT_LE(bytes * 8.0, ideal * 1.001 + allowance + 64) << "ideal " << ideal / 8 << " bytes";
}

} // namespace

TEST(RangeCoder, AllMassOnOneSymbol)
{
    std::vector<uint32_t> f(256, 1);
    f[17] = kMaxTotal - 255;
    Table t(f);
    std::vector<int> symbols(200000, 17);
    symbols[1000] = 0;
    symbols[150000] = 255; // rare symbols inside the long run still decode
    expect_near_ideal(t, symbols);
    double ideal;
    EXPECT_LT(round_trip(t, symbols, &ideal), 240u); // 153 bytes ideal
}

TEST(RangeCoder, UniformOver256)
{
    Table t(std::vector<uint32_t>(256, 256));
    std::mt19937 rng(1);
    std::vector<int> symbols(100000);
    for (int &s : symbols)
        s = rng() & 255;
    expect_near_ideal(t, symbols);
}

TEST(RangeCoder, ManyFrequencyOneSymbols)
{
    // Only frequency-1 symbols get coded: each costs ~16 bits.
    std::vector<uint32_t> f(256, 1);
    f[0] = kMaxTotal - 255;
    Table t(f);
    std::mt19937 rng(2);
    std::vector<int> symbols(50000);
    for (int &s : symbols)
        s = 1 + rng() % 255;
    expect_near_ideal(t, symbols);
}

TEST(RangeCoder, LongRunsAndCarries)
{
    // Alternating long runs of the most and least probable symbols force
    // carry propagation through runs of 0xFF bytes.
    std::vector<uint32_t> f = {kMaxTotal - 1, 1};
    Table t(f);
    std::vector<int> symbols;
    for (int run = 0; run < 200; run++)
        for (int i = 0; i < 3000; i++)
            symbols.push_back(run % 2 ? (i % 97 == 0) : 0);
    expect_near_ideal(t, symbols);
}

TEST(RangeCoder, RandomTablesAndRawBits)
{
    std::mt19937 rng(3);
    for (int trial = 0; trial < 20; trial++) {
        int n = 2 + rng() % 255;
        std::vector<uint32_t> f(n);
        uint32_t budget = kMaxTotal;
        for (int i = 0; i < n; i++) {
            f[i] = 1 + rng() % std::max<uint32_t>(1, budget / (n - i) * 2 - 1);
            f[i] = std::min(f[i], budget - (n - i - 1));
            budget -= f[i];
        }
        Table t(f);
        std::vector<int> symbols(5000);
        std::discrete_distribution<int> dist(f.begin(), f.end());
        for (int &s : symbols)
            s = dist(rng);
        expect_near_ideal(t, symbols);
    }
    std::vector<uint8_t> buf;
    RangeEncoder enc(buf);
    for (int i = 0; i < 1000; i++)
        enc.encode_bits((uint32_t)(i * 2654435761u) & 0xFFFF, 16);
    enc.finish();
    RangeDecoder dec(buf.data(), buf.size());
    for (int i = 0; i < 1000; i++)
        ASSERT_EQ(dec.decode_bits(16), (uint32_t)(i * 2654435761u) & 0xFFFF);
}

TEST(RangeCoder, TruncatedStreamIsDetected)
{
    Table t(std::vector<uint32_t>(256, 256));
    std::vector<uint8_t> buf;
    RangeEncoder enc(buf);
    for (int i = 0; i < 1000; i++)
        enc.encode(t.cum[i & 255], t.freq[i & 255], t.total);
    enc.finish();
    RangeDecoder dec(buf.data(), buf.size() / 2);
    for (int i = 0; i < 1000; i++) {
        int s = t.find(dec.decode_target(t.total));
        dec.consume(t.cum[s], t.freq[s]);
    }
    EXPECT_TRUE(dec.overrun());
}
