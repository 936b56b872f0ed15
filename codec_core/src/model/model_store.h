// Where models live: the encoder takes a path (or the shipped default), the
// decoder looks a model up by the hash its stream header names.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model_file.h"

namespace lmc {

// Directories searched, in order: model_dir if given (then only it), else
// $LMC_MODEL_DIR, the installed share/lmc/models and the source tree models/.
std::vector<std::string> model_search_dirs(const char *model_dir);

// Loads the named file, or the default model of `kind` when path is empty.
std::shared_ptr<const Model> load_model_for_encoder(const char *path, uint32_t kind,
                                                    const char *model_dir);

// Finds the model with this hash; LMC_ERR_MODEL_NOT_FOUND names the hash.
std::shared_ptr<const Model> find_model_by_hash(const Sha256 &hash, const char *model_dir);

} // namespace lmc
