#pragma once
// One-line structured log records ("event key=value ..."), written to a sink
// that the daemon points at stderr (journald adds the time) and tests capture.

#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "mip6d/config/config.hpp"

namespace roam6::mip6d {

// The syslog priority of a level (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG):
// the "<N>" prefix journald reads on stderr, and syslog(3)'s argument.
[[nodiscard]] int syslog_priority(LogLevel level) noexcept;

class Logger {
 public:
  using Sink = std::function<void(LogLevel, std::string_view)>;
  explicit Logger(LogLevel threshold = LogLevel::info, Sink sink = {});

  [[nodiscard]] bool enabled(LogLevel level) const noexcept { return level <= threshold_; }
  void set_threshold(LogLevel level) noexcept { threshold_ = level; }
  void write(LogLevel level, std::string_view line) const;

 private:
  LogLevel threshold_;
  Sink sink_;
};

// Builds one record: LogRecord(logger, LogLevel::info, "binding_created")
//   .kv("hoa", hoa).kv("coa", coa);  -- written when it goes out of scope.
class LogRecord {
 public:
  LogRecord(const Logger& logger, LogLevel level, std::string_view event);
  ~LogRecord();
  LogRecord(const LogRecord&) = delete;
  LogRecord& operator=(const LogRecord&) = delete;

  template <class T>
  LogRecord& kv(std::string_view key, const T& value) {
    if (out_) {
      *out_ << ' ' << key << '=';
      if constexpr (requires { value.to_string(); }) {
        *out_ << value.to_string();
      } else if constexpr (std::is_same_v<T, std::uint8_t>) {
        *out_ << static_cast<unsigned>(value);
      } else {
        *out_ << value;
      }
    }
    return *this;
  }

 private:
  const Logger& logger_;
  LogLevel level_;
  // Only built when the level is enabled: a disabled record (e.g. a debug
  // line per dropped packet) costs no allocation.
  std::optional<std::ostringstream> out_;
};

}  // namespace roam6::mip6d
