#include "vswitch-plugin/ovsdb/json_stream_splitter.hpp"

#include <cstdio>

namespace roam6::vswitch::ovsdb {

namespace {
bool is_json_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string describe_byte(char c) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
  return text;
}
}  // namespace

void JsonStreamSplitter::reset() {
  partial_.clear();
  depth_ = 0;
  in_string_ = false;
  escaped_ = false;
  failed_ = false;
}

JsonStreamSplitter::Result JsonStreamSplitter::feed(std::string_view bytes) {
  Result result;
  if (failed_) {
    result.error = "stream already failed";
    return result;
  }
  auto fail = [&](std::string why) {
    failed_ = true;
    result.error = std::move(why);
    return std::move(result);
  };
  for (const char c : bytes) {
    if (depth_ == 0) {
      // Between texts: only whitespace may separate them, and every OVSDB
      // message is an object (arrays accepted too: they are JSON texts).
      if (is_json_whitespace(c)) continue;
      if (c != '{' && c != '[') {
        return fail("byte " + describe_byte(c) + " outside a JSON object");
      }
    }
    if (partial_.size() >= max_message_bytes_) {
      return fail("message longer than " + std::to_string(max_message_bytes_) + " bytes");
    }
    partial_.push_back(c);
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string_ = true;
        break;
      case '{':
      case '[':
        ++depth_;
        break;
      case '}':
      case ']':
        // depth_ > 0 here: at depth 0 only an opening bracket gets this far.
        if (--depth_ == 0) {
          result.messages.push_back(std::move(partial_));
          partial_.clear();
        }
        break;
      default:
        break;
    }
  }
  return result;
}

}  // namespace roam6::vswitch::ovsdb
