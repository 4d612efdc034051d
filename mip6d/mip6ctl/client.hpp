#pragma once
// mip6ctl's one exchange with the daemon: connect to the control socket, send
// one request line, read one reply line, all within a deadline.

#include <chrono>
#include <stdexcept>
#include <string>

namespace roam6::mip6d::mip6ctl {

// The daemon could not be reached or did not answer in time; the message
// says which, for a person.
class ClientFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sends `request_line` (newline included) and returns the reply line without
// its newline. Throws ClientFailure.
std::string exchange(const std::string& socket_path, const std::string& request_line,
                     std::chrono::milliseconds timeout);

}  // namespace roam6::mip6d::mip6ctl
