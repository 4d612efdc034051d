#pragma once
// One request line in, one reply line out: envelope checks, the handler call,
// and the mapping of every failure to an error reply. The ControlServer only
// moves lines; this is where the protocol's promises are kept.

#include <optional>
#include <string>
#include <string_view>

#include "mip6d/control/command_handler.hpp"

namespace roam6::mip6d::control {

// The reply line (newline included) for `line` (newline excluded; a trailing
// '\r' is dropped). nullopt for a blank line, which gets no reply. Never
// throws for anything the client sent or the handler threw.
std::optional<std::string> dispatch_line(std::string_view line, CommandHandler& handler);

}  // namespace roam6::mip6d::control
