#pragma once
// The one exception a BindingStore throws. The daemon refuses to start when
// opening or loading the store fails, and counts a failed batch (its Binding
// Acknowledgements are not sent) when a write fails; `kind()` lets it word the
// log line and pick the counter without parsing the message.

#include <stdexcept>
#include <string>
#include <string_view>

namespace roam6::mip6d {

enum class StoreErrc {
  cannot_open,     // bad path, missing directory, permissions
  locked,          // another process (another mip6d) holds the store
  corrupt,         // not a database, damaged pages, or rows that make no sense
  full,            // disk (or quota) full
  io,              // any other I/O or SQLite failure
  schema_too_new,  // written by a newer mip6d; refusing rather than guessing
  misuse,          // calls out of order, e.g. put() outside begin()/commit()
  unavailable,     // a networked store (etcd) unreachable, without quorum or too slow
};

[[nodiscard]] constexpr std::string_view to_string(StoreErrc kind) noexcept {
  switch (kind) {
    case StoreErrc::cannot_open: return "cannot_open";
    case StoreErrc::locked: return "locked";
    case StoreErrc::corrupt: return "corrupt";
    case StoreErrc::full: return "full";
    case StoreErrc::io: return "io";
    case StoreErrc::schema_too_new: return "schema_too_new";
    case StoreErrc::misuse: return "misuse";
    case StoreErrc::unavailable: return "unavailable";
  }
  return "unknown";
}

class StoreError : public std::runtime_error {
 public:
  StoreError(StoreErrc kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  [[nodiscard]] StoreErrc kind() const noexcept { return kind_; }

 private:
  StoreErrc kind_;
};

}  // namespace roam6::mip6d
