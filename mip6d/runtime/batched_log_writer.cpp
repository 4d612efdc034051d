#include "mip6d/runtime/batched_log_writer.hpp"

#include <unistd.h>

#include <cerrno>

namespace roam6::mip6d {

namespace {
void write_all_to_stderr(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: nothing better to do
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}
}  // namespace

BatchedLogWriter::BatchedLogWriter(Post post, Output output, std::size_t limit)
    : post_(std::move(post)), output_(output ? std::move(output) : Output(write_all_to_stderr)), limit_(limit) {}

BatchedLogWriter::~BatchedLogWriter() { flush(); }

void BatchedLogWriter::write(LogLevel level, std::string_view line) {
  batch_ += '<';
  batch_ += std::to_string(syslog_priority(level));
  batch_ += '>';
  batch_ += line;
  batch_ += '\n';
  if (level <= LogLevel::warning || batch_.size() >= limit_) {
    flush();
    return;
  }
  if (flush_posted_) return;
  flush_posted_ = true;
  post_([this] {
    flush_posted_ = false;
    flush();
  });
}

void BatchedLogWriter::flush() {
  if (batch_.empty()) return;
  output_(batch_);
  batch_.clear();
}

Logger::Sink BatchedLogWriter::sink() {
  return [this](LogLevel level, std::string_view line) { write(level, line); };
}

}  // namespace roam6::mip6d
