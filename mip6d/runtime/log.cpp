#include "mip6d/runtime/log.hpp"

#include <cstdio>

namespace roam6::mip6d {

int syslog_priority(LogLevel level) noexcept {
  return level == LogLevel::error ? 3 : level == LogLevel::warning ? 4 : level == LogLevel::info ? 6 : 7;
}

namespace {
void write_stderr(LogLevel level, std::string_view line) {
  std::fprintf(stderr, "<%d>%.*s\n", syslog_priority(level), static_cast<int>(line.size()), line.data());
}
}  // namespace

Logger::Logger(LogLevel threshold, Sink sink)
    : threshold_(threshold), sink_(sink ? std::move(sink) : Sink(write_stderr)) {}

void Logger::write(LogLevel level, std::string_view line) const {
  if (enabled(level)) sink_(level, line);
}

LogRecord::LogRecord(const Logger& logger, LogLevel level, std::string_view event)
    : logger_(logger), level_(level) {
  if (logger.enabled(level)) {
    out_.emplace();
    *out_ << event;
  }
}

LogRecord::~LogRecord() {
  if (out_) logger_.write(level_, out_->str());
}

}  // namespace roam6::mip6d
