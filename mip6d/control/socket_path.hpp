#pragma once
// Making a unix socket path ready to bind without trampling on a live daemon:
// a socket file left by a crashed daemon is removed, but one that someone
// still answers on, or anything that is not a socket, is left alone.

#include <filesystem>

namespace roam6::mip6d::control {

// Creates the parent directory if needed and removes a stale socket file.
// Throws std::runtime_error, naming the path, when a process is listening on
// it or when the path exists and is not a socket.
void prepare_socket_path(const std::filesystem::path& path);

// True when a connect() to the unix socket at `path` is accepted or queued.
bool socket_is_answered(const std::filesystem::path& path);

}  // namespace roam6::mip6d::control
