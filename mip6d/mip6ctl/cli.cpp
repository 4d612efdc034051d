#include "mip6d/mip6ctl/cli.hpp"

#include "mip6d/control/control_protocol.hpp"
#include "mip6d/mip6ctl/client.hpp"
#include "mip6d/mip6ctl/command_line.hpp"
#include "mip6d/mip6ctl/render.hpp"

namespace roam6::mip6d::mip6ctl {

std::string request_line(const std::string& command, const nlohmann::json& args) {
  return control::encode_request(control::Request{request_id, command, args});
}

int run(const std::vector<std::string>& arguments,
        const std::optional<std::string>& socket_from_environment, std::ostream& out,
        std::ostream& err) {
  const CommandLine line = parse_command_line(arguments, socket_from_environment);
  switch (line.action) {
    case CommandLine::Action::usage_error:
      err << "mip6ctl: " << line.error << '\n' << line.hint << '\n';
      return exit_usage;
    case CommandLine::Action::show_help:
      out << line.help_text;
      return exit_ok;
    case CommandLine::Action::send_request:
      break;
  }

  control::Reply reply;
  try {
    const auto reply_text = exchange(line.globals.socket_path, request_line(line.command, line.args),
                                     line.globals.timeout);
    reply = control::parse_reply(reply_text);
    if (reply.id != nlohmann::json(request_id)) {
      throw control::MalformedReply("the reply's id " + reply.id.dump() + " is not the request's (" +
                                    std::to_string(request_id) + ")");
    }
  } catch (const ClientFailure& e) {
    err << "mip6ctl: " << e.what() << '\n';
    return exit_unreachable;
  } catch (const control::MalformedReply& e) {
    err << "mip6ctl: unexpected reply from " << line.globals.socket_path << ": " << e.what() << '\n';
    return exit_unreachable;
  }

  if (!reply.ok) {
    if (line.globals.json_output) {
      out << nlohmann::json{{"code", reply.error_code}, {"message", reply.error_message}}.dump(2)
          << '\n';
    }
    err << "mip6ctl: " << reply.error_message << '\n';
    return exit_refused;
  }
  if (line.globals.json_output) {
    out << reply.result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    out << render_result(line.command, reply.result);
  }
  return exit_ok;
}

}  // namespace roam6::mip6d::mip6ctl
