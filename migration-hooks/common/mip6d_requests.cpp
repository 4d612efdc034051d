#include "migration-hooks/common/mip6d_requests.hpp"

#include "mip6d/mip6ctl/client.hpp"

namespace roam6::hooks {
namespace {

using mip6d::LogLevel;
using mip6d::LogRecord;

std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

// The mip6d error codes that are an answer, not a failure, and the log
// event that says so (nullptr: a failure):
//  - detaching a guest mip6d no longer knows (another of the signals was
//    first);
//  - guest.migrating for a guest that does not run here (unknown_guest,
//    invalid_argument) or to a mip6d older than the request
//    (unknown_command): the move goes on as without it.
const char* benign(const Mip6dRequest& request, const std::string& code) {
  if (request.command == "guest.detach" && code == "unknown_guest") return "mip6d_nothing_to_detach";
  if (request.command == "guest.migrating" &&
      (code == "unknown_guest" || code == "invalid_argument" || code == "unknown_command"))
    return "mip6d_migrating_ignored";
  return nullptr;
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
    const char* benign_event = benign(request, code);
    if (benign_event == nullptr) ++outcome.failures;
    LogRecord(log, benign_event != nullptr ? LogLevel::info : LogLevel::error,
              benign_event != nullptr ? benign_event : "mip6d_refused")
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
