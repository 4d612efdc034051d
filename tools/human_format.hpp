#pragma once
// roam6-decode's human output: one indented block per frame, rendered from
// the same JSON object as --json so the two forms always agree. Every field
// of the object appears; the first line of each layer reads like tcpdump.

#include <string>

#include "packet_decoder.hpp"

namespace roam6::tools {

std::string render_human(const Json& frame);

}  // namespace roam6::tools
