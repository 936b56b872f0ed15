#include "model_file.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sys/stat.h>

#include "byte_io.h"
#include "errors.h"

namespace lmc {

static void invalid(const std::string &path, const std::string &why)
{
    fail(LMC_ERR_MODEL_INVALID, "model file " + path + ": " + why);
}

std::shared_ptr<const Model> parse_model(const std::vector<uint8_t> &bytes, const std::string &path)
{
    if (bytes.size() < 64 || memcmp(bytes.data(), "LMCM", 4) != 0)
        invalid(path, "not an LMC model file (bad magic)");
    size_t body = bytes.size() - 32;
    auto model = std::make_shared<Model>();
    model->path = path;
    model->hash = sha256(bytes.data(), body);
    model->file_hash = sha256(bytes.data(), bytes.size());
    if (memcmp(model->hash.data(), bytes.data() + body, 32) != 0)
        invalid(path, "SHA-256 mismatch (file damaged)");
    try {
        ByteReader r(bytes.data() + 4, body - 4);
        const uint32_t version = r.u32();
        if (version != 1 && version != 2)
            invalid(path, "unsupported model file version");
        model->kind = r.u32();
        model->feature_set = r.u32();
        if (version == 2) {
            const bool inter = model->kind == kModelGen && model->feature_set == kFeaturesGenInterV1;
            const bool gen = (model->kind == kModelGen && model->feature_set == kFeaturesGenIntraV1) || inter;
            const bool restore = model->kind == kModelRestore && model->feature_set == kFeaturesRestoreV1;
            if (!gen && !restore)
                invalid(path, "a version-2 model of an unknown kind or feature set");
            if (r.u32() != (inter ? 8u : gen ? 4u : 1u))
                invalid(path, inter ? "a gen model with inter frames holds eight networks"
                              : gen ? "a gen model holds four networks"
                                    : "a restoration model holds one network");
            const uint8_t *name = r.bytes(32);
            model->name.assign((const char *)name, strnlen((const char *)name, 32));
            if (gen) {
                auto g = std::make_shared<GenModel>();
                g->intra = parse_gen_coder(r, path, false);
                if (inter)
                    g->inter = std::make_shared<GenCoderModel>(parse_gen_coder(r, path, true));
                model->gen = g;
            }
            else
                model->restore = std::make_shared<RestoreModel>(parse_restore_model(r, path));
            if (r.left() != 0)
                invalid(path, "trailing bytes");
            return model;
        }
        if (model->kind == kModelGen || model->kind == kModelRestore)
            invalid(path, std::string(model_kind_name(model->kind)) + " model in a version-1 file");
        model->inputs = (int)r.u32();
        model->outputs = (int)r.u32();
        uint32_t num_layers = r.u32();
        const uint8_t *name = r.bytes(32);
        model->name.assign((const char *)name, strnlen((const char *)name, 32));
        if (num_layers < 1 || num_layers > 16 || model->inputs < 1 || model->inputs > 1024 ||
            model->outputs < 2 || model->outputs > 256)
            invalid(path, "implausible network shape");
        int prev = model->inputs;
        for (uint32_t l = 0; l < num_layers; l++) {
            ModelLayer layer;
            layer.in = (int)r.u32();
            layer.out = (int)r.u32();
            layer.shift = (int)r.u32();
            uint32_t act = r.u32();
            bool last = l + 1 == num_layers;
            if (layer.in != prev || layer.out < 1 || layer.out > 4096 || layer.shift > 31 ||
                act != (last ? 0u : 1u) || (last && layer.out != model->outputs))
                invalid(path, "inconsistent layer " + std::to_string(l));
            layer.hidden = !last;
            const uint8_t *w = r.bytes((size_t)layer.in * layer.out);
            layer.weight.assign((const int8_t *)w, (const int8_t *)w + (size_t)layer.in * layer.out);
            layer.bias.resize(layer.out);
            for (int n = 0; n < layer.out; n++)
                layer.bias[n] = (int32_t)r.u32();
            // Exactness bound: every partial sum of a row stays below 2^24, so
            // float32 GEMMs compute it exactly in any order (format.md 1).
            for (int n = 0; n < layer.out; n++) {
                int64_t bound = std::llabs((int64_t)layer.bias[n]);
                for (int k = 0; k < layer.in; k++) {
                    int8_t v = layer.weight[(size_t)n * layer.in + k];
                    if (v == -128)
                        invalid(path, "weight -128 is outside [-127, 127]");
                    bound += 127 * std::abs((int)v);
                }
                if (bound >= (1 << 24))
                    invalid(path, "layer " + std::to_string(l) + " exceeds the 2^24 exactness bound");
            }
            prev = layer.out;
            model->layers.push_back(std::move(layer));
        }
        if (r.left() != 0)
            invalid(path, "trailing bytes");
    } catch (const Error &e) {
        if (e.status() == LMC_ERR_INVALID_DATA)
            invalid(path, "truncated");
        throw;
    }
    return model;
}

const char *model_kind_name(uint32_t kind)
{
    return kind == kModelAudio     ? "an audio"
           : kind == kModelGen     ? "a gen (learned lossy)"
           : kind == kModelRestore ? "a restoration"
                                   : "a video";
}

// Larger than any network the format can describe usefully; a path that is
// a device or a directory is refused before anything is read.
constexpr long long kMaxModelFileBytes = 64ll << 20;

static std::vector<uint8_t> read_file(const std::string &path)
{
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        fail(LMC_ERR_MODEL_NOT_FOUND, "cannot open model file " + path + ": " + strerror(errno));
    if (S_ISDIR(st.st_mode))
        invalid(path, "is a directory, not a model file (use -model_dir for directories)");
    if (!S_ISREG(st.st_mode))
        invalid(path, "is not a regular file");
    if (st.st_size > kMaxModelFileBytes)
        invalid(path, std::to_string(st.st_size) + " bytes, larger than any LMC model (" +
                          std::to_string(kMaxModelFileBytes >> 20) + " MiB)");
    std::ifstream f(path, std::ios::binary);
    if (!f)
        fail(LMC_ERR_MODEL_NOT_FOUND, "cannot open model file " + path);
    std::vector<uint8_t> bytes((size_t)st.st_size);
    f.read((char *)bytes.data(), (std::streamsize)bytes.size());
    if (f.gcount() != (std::streamsize)bytes.size())
        invalid(path, "could not be read in full");
    return bytes;
}

std::shared_ptr<const Model> load_model_file(const std::string &path)
{
    return parse_model(read_file(path), path);
}

bool peek_model_hash(const std::string &path, Sha256 *hash)
{
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f)
        return false;
    std::streamoff size = f.tellg();
    if (size < 64)
        return false;
    f.seekg(size - 32);
    f.read((char *)hash->data(), 32);
    return (bool)f;
}

} // namespace lmc
