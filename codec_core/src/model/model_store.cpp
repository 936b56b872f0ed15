#include "model_store.h"

#include <algorithm>
#include <cstdlib>
#include <dirent.h>
#include <unistd.h>
#include <mutex>
#include <map>

#include "errors.h"

namespace lmc {

static const char *default_model_name(uint32_t kind)
{
    return kind == kModelAudio     ? "audio-a.lmcm"
           : kind == kModelGen     ? "gen-ip.lmcm"
           : kind == kModelRestore ? "restore-s.lmcm"
                                   : "video-s.lmcm";
}

std::vector<std::string> model_search_dirs(const char *model_dir)
{
    if (model_dir && *model_dir)
        return {model_dir};
    std::vector<std::string> dirs;
    if (const char *env = getenv("LMC_MODEL_DIR"); env && *env)
        dirs.push_back(env);
    dirs.push_back(LMC_INSTALLED_MODEL_DIR);
    dirs.push_back(LMC_SOURCE_MODEL_DIR);
    return dirs;
}

static std::string join(const std::vector<std::string> &dirs)
{
    std::string s;
    for (const auto &d : dirs)
        s += (s.empty() ? "" : ", ") + d;
    return s;
}

// Loaded models are shared by every codec in the process: a player opening
// ten streams reads a model once.
static std::shared_ptr<const Model> cached_load(const std::string &path)
{
    static std::mutex mu;
    static std::map<std::string, std::weak_ptr<const Model>> cache;
    std::lock_guard<std::mutex> lock(mu);
    if (auto m = cache[path].lock())
        return m;
    auto m = load_model_file(path);
    cache[path] = m;
    return m;
}

std::shared_ptr<const Model> load_model_for_encoder(const char *path, uint32_t kind,
                                                    const char *model_dir)
{
    std::shared_ptr<const Model> model;
    if (path && *path) {
        model = cached_load(path);
    } else {
        auto dirs = model_search_dirs(model_dir);
        for (const auto &d : dirs) {
            std::string p = d + "/" + default_model_name(kind);
            Sha256 h;
            if (peek_model_hash(p, &h)) {
                model = cached_load(p);
                break;
            }
        }
        if (!model)
            fail(LMC_ERR_MODEL_NOT_FOUND, std::string("default model ") + default_model_name(kind) +
                                              " not found in: " + join(dirs));
    }
    if (model->kind != kind)
        fail(LMC_ERR_MODEL_INVALID, "model file " + model->path + " is " + model_kind_name(model->kind) +
                                        " model, the wrong kind: this needs " + model_kind_name(kind) + " model");
    return model;
}

// The models LMC has shipped, so that a decoder without one can say which
// file it needs: identity (what streams pin) -> file name and the whole
// file's SHA-256 (what sha256sum prints).
struct ShippedModel {
    const char *identity, *file, *file_sha256;
};
static const ShippedModel kShipped[] = {
    {"a0687aaa9993cecedc75c04f7bea2eaa4d5bcdfeefd2071d5c8a62d392260fe5", "video-s.lmcm",
     "2a330e1083e7ac39666b73ff04ef80a807d9473c005e5c6601161a68a62e04eb"},
    {"0146153f7e24473a630161b93cc8dbbf4ae6dfa10229a18c2dd088eb205f3f61", "video-l.lmcm",
     "d7db116adfe090bf37a15db66d681f63ada029d2653fdf29610cb371340e9613"},
    {"56c7e515a9876beff06456901b3a07188db30bffdccc01d97bce41c861534a5b", "video-xl.lmcm",
     "aa542279daba4c0d82417c41ccaca2289d7e4904f0a3a08a195f1aec1028c231"},
    // the networks of liblmc 0.14 (feature set 3; their streams name these)
    {"4193caeae678b4d8831b31743b067e08cfb7f2facee04a273d93b32773f9d885", "video-s-0.14.lmcm",
     "c244edfce9c8d516f692c7da26a8299a2eab52ee9b67710f241ee269ab873592"},
    {"fdf9ccce49375efefa6c7cc3b32cb721ed446f8847d766fa81861aff027cc7ce", "video-l-0.14.lmcm",
     "a504dcdebda2261a4a4e5c32987113ffaac8b200fb95e014114d3bf9d3298b47"},
    {"6177fcf80a6f3cb3c2ec718baeedeb8eb5b89b91246c3b478236e0f913e560f9", "video-xl-0.14.lmcm",
     "8aa84ea2e3d8174b4e99d81c0f4861729969fa5e938a46df74bfce9a4f26cc75"},
    // video-s and video-l of liblmc 0.5 to 0.13 (their streams name these)
    {"ce0fa07f94eeea917e17a773d82dd15b9a69579fa2cfcd5b9d841f3bb9a7ea93", "video-s-0.13.lmcm",
     "da6d5e8176274384879b0ef61153ed859cdd65136202629c458da46889353ae9"},
    {"6adc032604bf95288431f99ce27976ef8338a487dd655cd5a7136dcee04ceec3", "video-l-0.13.lmcm",
     "e49ee02d72cc335e4b188d53e54e38dc1fca337fba1dfd63671e87a247448ad9"},
    {"9002fb87934aa22a5720b124f113a90960c9baf3ad67175f1dc4b84545a775c8", "video-h16.lmcm",
     "7aa45a32f525853e435f136fa1e77f9be80a08ccc709bada4c4482c42b86d9dd"},
    {"113862b03042af45fa75c25f4971c3e004c6eff7b274281f7d8df7c2865fed06", "video-s1.lmcm",
     "e83595962f98d244f51d529bc09101c01dc283e0a3f304e69bed81a5935bd075"},
    {"b2c68d157985e7bcd80f12eb86639810e082cb611a6d49e161c3b97513f959e3", "audio-s.lmcm",
     "f9d7d01cba137349f0045e33c2ad2b5ea71f134c83b5704ff90332939df17ada"},
    {"8a9aef21b6bc1cac7987037e0fb391fc6baea66dd004bbd4970f11442e8066b1", "audio-a.lmcm",
     "a3e3072442024abe54e393624df7fca46330897c2f0b2d1d0c9daec9bb3cc74a"},
};

static const ShippedModel *shipped(const Sha256 &hash)
{
    const std::string id = to_hex(hash);
    for (const ShippedModel &m : kShipped)
        if (id == m.identity)
            return &m;
    return nullptr;
}

static std::string describe_wanted(const Sha256 &hash)
{
    if (const ShippedModel *m = shipped(hash))
        return std::string("model file ") + m->file + " (sha256 " + m->file_sha256 + ")";
    return "a model file whose last 32 bytes are " + to_hex(hash) + " (the SHA-256 of the rest of the file)";
}

// For a shipped model that was not found: files of its name that are not it
// (another version, or damaged or truncated, which changes the last bytes).
static std::string impostors(const Sha256 &hash, const std::vector<std::string> &dirs)
{
    const ShippedModel *m = shipped(hash);
    std::string found;
    for (const auto &d : dirs) {
        if (!m)
            break;
        const std::string path = d + "/" + m->file;
        Sha256 h;
        if (peek_model_hash(path, &h))
            found += "; " + path + " is another file (damaged, truncated or another version)";
        else if (access(path.c_str(), F_OK) == 0)
            found += "; " + path + " is too short to be a model";
    }
    return found;
}

std::shared_ptr<const Model> find_model_by_hash(const Sha256 &hash, const char *model_dir)
{
    auto dirs = model_search_dirs(model_dir);
    // A damaged copy (its last 32 bytes intact) must not hide a good one
    // further down the search path: remember why it failed and go on.
    std::string damaged;
    for (const auto &d : dirs) {
        DIR *dir = opendir(d.c_str());
        if (!dir)
            continue;
        std::vector<std::string> names;
        while (struct dirent *e = readdir(dir)) {
            std::string n = e->d_name;
            if (n.size() > 5 && n.compare(n.size() - 5, 5, ".lmcm") == 0)
                names.push_back(n);
        }
        closedir(dir);
        std::sort(names.begin(), names.end()); // the same choice on every file system
        for (const auto &n : names) {
            Sha256 h;
            if (!peek_model_hash(d + "/" + n, &h) || h != hash)
                continue;
            try {
                return cached_load(d + "/" + n);
            } catch (const Error &e) {
                if (e.status() != LMC_ERR_MODEL_INVALID)
                    throw;
                damaged += std::string("; ") + e.what();
            }
        }
    }
    fail(damaged.empty() ? LMC_ERR_MODEL_NOT_FOUND : LMC_ERR_MODEL_INVALID,
         "stream needs " + describe_wanted(hash) + ", not found in: " + join(dirs) + damaged +
             impostors(hash, dirs));
}

} // namespace lmc
