#pragma once
// OVSDB's JSON-RPC (RFC 7047 section 3) has no framing: messages are JSON
// texts written back to back on the stream, so the only way to find where one
// ends is to follow the JSON itself. This cuts a byte stream into complete
// texts by counting brackets outside strings (escape aware), without parsing,
// so a message split over many reads or several in one read come out whole.
// A size cap keeps a runaway or hostile peer from growing the buffer without
// bound: crossing it is an error the caller answers by dropping the stream.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace roam6::vswitch::ovsdb {

class JsonStreamSplitter {
 public:
  struct Result {
    std::vector<std::string> messages;  // complete texts, in stream order
    std::string error;                  // non-empty: the stream is unusable, reset() before reuse
  };

  explicit JsonStreamSplitter(std::size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  // Consumes `bytes`. Texts completed by them are returned even when a later
  // byte of the same chunk is an error.
  Result feed(std::string_view bytes);
  void reset();

  // Bytes of an incomplete text held back for the next feed().
  [[nodiscard]] std::size_t buffered() const noexcept { return partial_.size(); }
  [[nodiscard]] std::size_t max_message_bytes() const noexcept { return max_message_bytes_; }

 private:
  std::size_t max_message_bytes_;
  std::string partial_;
  std::size_t depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  bool failed_ = false;
};

}  // namespace roam6::vswitch::ovsdb
