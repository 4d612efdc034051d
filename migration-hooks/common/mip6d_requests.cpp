#include "migration-hooks/common/mip6d_requests.hpp"

#include "mip6d/mip6ctl/client.hpp"

namespace roam6::hooks {
namespace {

using mip6d::LogLevel;
using mip6d::LogRecord;

std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

// The mip6d error codes that are an answer, not a failure: detaching or
// resuming a guest mip6d no longer knows (another of the signals was first).
bool benign(const Mip6dRequest& request, const std::string& code) {
  return request.command == "guest.detach" && code == "unknown_guest";
}

}  // namespace

SendOutcome send_to_mip6d(const std::vector<Mip6dRequest>& requests, const std::string& socket_path,
                          std::chrono::steady_clock::time_point deadline, const std::string& context,
                          const mip6d::Logger& log) {
  SendOutcome outcome;
  unsigned id = 0;
  for (const Mip6dRequest& request : requests) {
    const std::string guest = request.args.value("name", std::string());
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ++outcome.failures;
      LogRecord(log, LogLevel::error, "mip6d_out_of_time").kv("command", request.command).kv("guest", quoted(guest))
          .kv("context", context);
      continue;
    }
    const nlohmann::json line = {{"id", ++id}, {"command", request.command}, {"args", request.args}};
    ++outcome.sent;
    std::string reply_text;
    try {
      reply_text = mip6d::mip6ctl::exchange(socket_path, line.dump() + "\n", left);
    } catch (const mip6d::mip6ctl::ClientFailure& e) {
      ++outcome.failures;
      LogRecord(log, LogLevel::error, "mip6d_unreachable").kv("command", request.command).kv("guest", quoted(guest))
          .kv("context", context).kv("reason", quoted(e.what()));
      continue;
    }
    const auto reply = nlohmann::json::parse(reply_text, nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) {
      ++outcome.failures;
      LogRecord(log, LogLevel::error, "mip6d_garbled").kv("command", request.command).kv("reply", quoted(reply_text));
      continue;
    }
    if (reply.value("ok", false)) {
      LogRecord(log, LogLevel::info, "mip6d_told").kv("command", request.command).kv("guest", quoted(guest))
          .kv("context", context);
      continue;
    }
    const auto error = reply.value("error", nlohmann::json::object());
    const std::string code = error.value("code", std::string("?"));
    const bool is_benign = benign(request, code);
    if (!is_benign) ++outcome.failures;
    LogRecord(log, is_benign ? LogLevel::info : LogLevel::error, is_benign ? "mip6d_nothing_to_detach" : "mip6d_refused")
        .kv("command", request.command).kv("guest", quoted(guest)).kv("context", context).kv("code", code)
        .kv("reason", quoted(error.value("message", std::string())));
  }
  return outcome;
}

std::optional<nlohmann::json> ask_mip6d(const Mip6dRequest& request, const std::string& socket_path,
                                        std::chrono::milliseconds timeout, const mip6d::Logger& log) {
  const nlohmann::json line = {{"id", 1}, {"command", request.command}, {"args", request.args}};
  try {
    const auto reply = nlohmann::json::parse(mip6d::mip6ctl::exchange(socket_path, line.dump() + "\n", timeout),
                                             nullptr, false);
    if (reply.is_object() && reply.value("ok", false) && reply.contains("result")) return reply["result"];
    LogRecord(log, LogLevel::debug, "mip6d_refused").kv("command", request.command).kv("reply", quoted(reply.dump()));
  } catch (const mip6d::mip6ctl::ClientFailure& e) {
    LogRecord(log, LogLevel::debug, "mip6d_unreachable").kv("command", request.command).kv("reason", quoted(e.what()));
  }
  return std::nullopt;
}

}  // namespace roam6::hooks
