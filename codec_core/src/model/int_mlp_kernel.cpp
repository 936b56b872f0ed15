#include "int_mlp_kernel.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LMC_HAVE_AVX2_KERNEL 1
#endif

namespace lmc {

// Samples per pass: each weight vector loaded serves this many accumulators.
constexpr int kGroup = 4;

const char *IntMlpKernel::name(Isa isa)
{
    return isa == kAvx512Vnni ? "avx512vnni" : isa == kAvx2 ? "avx2" : "none";
}

IntMlpKernel::IntMlpKernel(const Model &model, const std::vector<std::vector<int32_t>> &bias, Isa isa)
    : isa_(isa), inputs_(model.inputs), outputs_(model.outputs)
{
    for (const ModelLayer &l : model.layers) {
        Layer p;
        p.in = l.in;
        p.out = l.out;
        p.pairs = (l.in + 1) / 2;
        p.quads = (l.in + 3) / 4;
        p.out_pad = (l.out + 15) / 16 * 16;
        p.shift = l.shift;
        p.hidden = l.hidden;
        p.w.assign((size_t)p.pairs * p.out_pad * 2, 0);
        for (int n = 0; n < l.out; n++)
            for (int k = 0; k < l.in; k++)
                p.w[((size_t)(k / 2) * p.out_pad + n) * 2 + (k & 1)] = l.weight[(size_t)n * l.in + k];
        p.w8.assign((size_t)p.quads * p.out_pad * 4, 0);
        for (int n = 0; n < l.out; n++)
            for (int k = 0; k < l.in; k++)
                p.w8[((size_t)(k / 4) * p.out_pad + n) * 4 + (k & 3)] = l.weight[(size_t)n * l.in + k];
        widest_pairs_ = std::max(widest_pairs_, p.pairs);
        widest_quads_ = std::max(widest_quads_, p.quads);
        widest_out_ = std::max(widest_out_, p.out_pad);
        layers_.push_back(std::move(p));
    }
    set_bias(bias);
}

void IntMlpKernel::set_bias(const std::vector<std::vector<int32_t>> &bias)
{
    for (size_t i = 0; i < layers_.size(); i++) {
        Layer &L = layers_[i];
        L.bias.assign(L.out_pad, 0);
        std::copy(bias[i].begin(), bias[i].end(), L.bias.begin());
        if (i == 0 && isa_ == kAvx512Vnni) // inputs arrive as x + 128
            for (int n = 0; n < L.out; n++)
                for (int k = 0; k < L.in; k++)
                    L.bias[n] -= 128 * L.w8[((size_t)(k / 4) * L.out_pad + n) * 4 + (k & 3)];
    }
}

#ifdef LMC_HAVE_AVX2_KERNEL

IntMlpKernel::Isa IntMlpKernel::best()
{
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw"))
        return kAvx512Vnni;
    return __builtin_cpu_supports("avx2") ? kAvx2 : kNone;
}

namespace {

// Two int16 activations in one int32, the operand the pair instructions take
// with a weight pair: (a[2p] & 0xffff) | a[2p + 1] << 16.
inline int32_t pair(int32_t lo, int32_t hi) { return (int32_t)((uint32_t)(uint16_t)lo | (uint32_t)hi << 16); }

// One layer for kGroup samples, 16-bit: x [kGroup][sx] pairs, out [kGroup][so].
__attribute__((target("avx2"))) void layer_avx2(const int16_t *w, const int32_t *bias, int pairs, int out_pad,
                                                int shift, bool hidden, const int32_t *x, int sx, int32_t *out,
                                                int so)
{
    const __m128i sh = _mm_cvtsi32_si128(shift);
    const __m256i lo = _mm256_set1_epi32(hidden ? 0 : -32767), hi = _mm256_set1_epi32(hidden ? 127 : 32767);
    for (int nb = 0; nb < out_pad; nb += 8) {
        __m256i a0 = _mm256_loadu_si256((const __m256i *)(bias + nb)), a1 = a0, a2 = a0, a3 = a0;
        const int16_t *wp = w + (size_t)nb * 2;
        for (int p = 0; p < pairs; p++, wp += (size_t)out_pad * 2) {
            const __m256i wv = _mm256_loadu_si256((const __m256i *)wp);
            a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_set1_epi32(x[p]), wv));
            a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_set1_epi32(x[sx + p]), wv));
            a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_set1_epi32(x[2 * sx + p]), wv));
            a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_set1_epi32(x[3 * sx + p]), wv));
        }
        // floor(acc / 2^shift) is the arithmetic shift; then the clamp.
        const __m256i *acc[kGroup] = {&a0, &a1, &a2, &a3};
        for (int s = 0; s < kGroup; s++)
            _mm256_storeu_si256((__m256i *)(out + (size_t)s * so + nb),
                                _mm256_min_epi32(hi, _mm256_max_epi32(lo, _mm256_sra_epi32(*acc[s], sh))));
    }
}

// GCC 12's own AVX-512 headers trip -Wmaybe-uninitialized (their
// _mm512_undefined_* operands), not this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// One layer for kGroup samples, 8-bit: x [kGroup][sx] quads of unsigned bytes.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void layer_vnni(const int8_t *w, const int32_t *bias,
                                                                       int quads, int out_pad, int shift,
                                                                       bool hidden, const int32_t *x, int sx,
                                                                       int32_t *out, int so)
{
    const __m128i sh = _mm_cvtsi32_si128(shift);
    const __m512i lo = _mm512_set1_epi32(hidden ? 0 : -32767), hi = _mm512_set1_epi32(hidden ? 127 : 32767);
    for (int nb = 0; nb < out_pad; nb += 16) {
        __m512i a0 = _mm512_loadu_si512(bias + nb), a1 = a0, a2 = a0, a3 = a0;
        const int8_t *wp = w + (size_t)nb * 4;
        for (int q = 0; q < quads; q++, wp += (size_t)out_pad * 4) {
            const __m512i wv = _mm512_loadu_si512(wp);
            a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(x[q]), wv);
            a1 = _mm512_dpbusd_epi32(a1, _mm512_set1_epi32(x[sx + q]), wv);
            a2 = _mm512_dpbusd_epi32(a2, _mm512_set1_epi32(x[2 * sx + q]), wv);
            a3 = _mm512_dpbusd_epi32(a3, _mm512_set1_epi32(x[3 * sx + q]), wv);
        }
        const __m512i *acc[kGroup] = {&a0, &a1, &a2, &a3};
        for (int s = 0; s < kGroup; s++)
            _mm512_storeu_si512(out + (size_t)s * so + nb,
                                _mm512_min_epi32(hi, _mm512_max_epi32(lo, _mm512_sra_epi32(*acc[s], sh))));
    }
}
// Hidden outputs (0..127, one per int32, rows of so) of kGroup samples as the
// next layer's quads (rows of sx): each output's low byte, in order; quads is
// a multiple of 4 (16 outputs a store).
__attribute__((target("avx512f,avx512bw"))) void pack_quads_vnni(const int32_t *act, int so, int quads, int32_t *x,
                                                                 int sx)
{
    for (int s = 0; s < kGroup; s++)
        for (int q = 0; q < quads; q += 4)
            _mm_storeu_si128((__m128i *)(x + (size_t)s * sx + q),
                             _mm512_cvtepi32_epi8(_mm512_loadu_si512(act + (size_t)s * so + 4 * q)));
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// Four bytes in one int32, the operand vpdpbusd takes with four weights.
inline int32_t quad(uint32_t b0, uint32_t b1, uint32_t b2, uint32_t b3)
{
    return (int32_t)(b0 | b1 << 8 | b2 << 16 | b3 << 24);
}

} // namespace

void IntMlpKernel::run(const float *in, int batch, int32_t *logits, uint8_t *ok) const
{
    if (isa_ == kAvx512Vnni)
        run_vnni(in, batch, logits, ok);
    else if (isa_ == kAvx2)
        run_avx2(in, batch, logits, ok);
    else
        std::fill(ok, ok + batch, 0);
}

void IntMlpKernel::run_vnni(const float *in, int batch, int32_t *logits, uint8_t *ok) const
{
    const int Q = widest_quads_, O = widest_out_; // strides
    thread_local std::vector<int32_t> quads, act; // scratch, grown once per thread
    quads.resize((size_t)kGroup * Q);
    act.resize((size_t)kGroup * O);
    for (int i0 = 0; i0 < batch; i0 += kGroup) {
        const int n = std::min(kGroup, batch - i0);
        std::fill(quads.begin(), quads.end(), 0);
        for (int s = 0; s < n; s++) {
            const float *x = in + (size_t)(i0 + s) * inputs_;
            bool fits = true;
            for (int k = 0; k < inputs_; k++)
                fits &= x[k] >= -128.f && x[k] <= 127.f;
            ok[i0 + s] = fits;
            if (!fits)
                continue; // computed, then ignored
            auto u = [&](int k) { return k < inputs_ ? (uint32_t)((int32_t)x[k] + 128) : 128u; };
            for (int k = 0; k < inputs_; k += 4) // x + 128; padding 128 stands for x = 0
                quads[(size_t)s * Q + k / 4] = quad(u(k), u(k + 1), u(k + 2), u(k + 3));
        }
        // A whole group whose last layer has no padding writes its logits in place.
        const bool direct = n == kGroup && layers_.back().out_pad == outputs_;
        for (size_t l = 0; l < layers_.size(); l++) {
            const Layer &L = layers_[l];
            const bool last = l + 1 == layers_.size();
            int32_t *out = last && direct ? logits + (size_t)i0 * outputs_ : act.data();
            layer_vnni(L.w8.data(), L.bias.data(), L.quads, L.out_pad, L.shift, L.hidden, quads.data(), Q, out,
                       last && direct ? outputs_ : O);
            if (last)
                break;
            const int next = layers_[l + 1].quads; // hidden outputs are 0..127: bytes as they are
            if (next % 4 == 0) {
                pack_quads_vnni(act.data(), O, next, quads.data(), Q);
                continue;
            }
            for (int s = 0; s < kGroup; s++) {
                const int32_t *a = &act[(size_t)s * O];
                for (int q = 0; q < next; q++)
                    quads[(size_t)s * Q + q] = quad(a[4 * q], a[4 * q + 1], a[4 * q + 2], a[4 * q + 3]);
            }
        }
        for (int s = 0; s < n && !direct; s++)
            memcpy(logits + (size_t)(i0 + s) * outputs_, &act[(size_t)s * O], sizeof(int32_t) * outputs_);
    }
}

void IntMlpKernel::run_avx2(const float *in, int batch, int32_t *logits, uint8_t *ok) const
{
    const int P = widest_pairs_, O = widest_out_; // strides
    thread_local std::vector<int32_t> pairs, act; // scratch, grown once per thread
    pairs.resize((size_t)kGroup * P);
    act.resize((size_t)kGroup * O);
    for (int i0 = 0; i0 < batch; i0 += kGroup) {
        const int n = std::min(kGroup, batch - i0);
        std::fill(pairs.begin(), pairs.end(), 0);
        for (int s = 0; s < n; s++) {
            const float *x = in + (size_t)(i0 + s) * inputs_;
            bool fits = true;
            for (int k = 0; k < inputs_; k++)
                fits &= x[k] >= -32767.f && x[k] <= 32767.f;
            ok[i0 + s] = fits;
            if (!fits)
                continue; // zeros: computed, then ignored
            for (int k = 0; k < inputs_; k += 2)
                pairs[(size_t)s * P + k / 2] = pair((int32_t)x[k], k + 1 < inputs_ ? (int32_t)x[k + 1] : 0);
        }
        for (size_t l = 0; l < layers_.size(); l++) {
            const Layer &L = layers_[l];
            layer_avx2(L.w.data(), L.bias.data(), L.pairs, L.out_pad, L.shift, L.hidden, pairs.data(), P, act.data(), O);
            if (l + 1 == layers_.size())
                break;
            const int next_pairs = layers_[l + 1].pairs; // its in is L.out; act is 0 past it
            for (int s = 0; s < kGroup; s++) // outputs -> the next layer's pairs
                for (int p = 0; p < next_pairs; p++)
                    pairs[(size_t)s * P + p] = pair(act[(size_t)s * O + 2 * p], act[(size_t)s * O + 2 * p + 1]);
        }
        for (int s = 0; s < n; s++)
            memcpy(logits + (size_t)(i0 + s) * outputs_, &act[(size_t)s * O], sizeof(int32_t) * outputs_);
    }
}

#else

IntMlpKernel::Isa IntMlpKernel::best() { return kNone; }

void IntMlpKernel::run(const float *, int batch, int32_t *, uint8_t *ok) const { std::fill(ok, ok + batch, 0); }

#endif

} // namespace lmc
