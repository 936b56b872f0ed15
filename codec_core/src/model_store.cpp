#include "model_store.h"

#include <cstdlib>
#include <dirent.h>
#include <mutex>
#include <map>

#include "errors.h"

namespace lmc {

static const char *default_model_name(uint32_t kind)
{
    return kind == kModelAudio ? "audio-s.lmcm" : "video-s.lmcm";
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
        fail(LMC_ERR_MODEL_INVALID, "model file " + model->path + " is a " +
                                        (model->kind == kModelAudio ? "audio" : "video") +
                                        " model, wrong kind for this codec");
    return model;
}

std::shared_ptr<const Model> find_model_by_hash(const Sha256 &hash, const char *model_dir)
{
    auto dirs = model_search_dirs(model_dir);
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
        for (const auto &n : names) {
            Sha256 h;
            if (peek_model_hash(d + "/" + n, &h) && h == hash)
                return cached_load(d + "/" + n);
        }
    }
    fail(LMC_ERR_MODEL_NOT_FOUND, "stream needs model sha256 " + to_hex(hash) +
                                      ", not found in: " + join(dirs));
}

} // namespace lmc
