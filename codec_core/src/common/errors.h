// Internal error type of liblmc. Everything inside the library reports
// failures by throwing lmc::Error; the C API (lmc_api.cpp) catches it and
// turns it into a status code plus message, so no exception leaves liblmc.
#pragma once

#include <stdexcept>
#include <string>

#include "lmc/lmc.h"

namespace lmc {

class Error : public std::runtime_error {
public:
    Error(int status, const std::string &message)
        : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

[[noreturn]] inline void fail(int status, const std::string &message)
{
    throw Error(status, message);
}

// Input checks on data from a stream: corrupt input is an error, never a crash.
inline void require_data(bool ok, const char *what)
{
    if (!ok)
        fail(LMC_ERR_INVALID_DATA, what);
}

} // namespace lmc
