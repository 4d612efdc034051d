#include "mip6d/mip6ctl/command_line.hpp"

#include <charconv>
#include <cmath>
#include <span>

#include "mip6d/mip6ctl/command_table.hpp"
#include "mip6d/mip6ctl/help.hpp"

namespace roam6::mip6d::mip6ctl {
namespace {

// Long enough for any sane wait, short enough that milliseconds cannot overflow.
constexpr double longest_timeout_seconds = 3600;

std::chrono::milliseconds parse_timeout(std::string_view text) {
  double seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(seconds) || seconds <= 0 || seconds > longest_timeout_seconds) {
    throw UsageError("--timeout: expected seconds, more than 0 and at most 3600, got '" +
                     std::string(text) + "'");
  }
  const auto milliseconds = static_cast<std::chrono::milliseconds::rep>(std::ceil(seconds * 1000));
  return std::chrono::milliseconds(milliseconds);
}

std::string joined(std::span<const std::string> words) {
  std::string text;
  for (const auto& word : words) {
    if (!text.empty()) text += ' ';
    text += word;
  }
  return text;
}

// The command spelled by the leading words, longest first.
const CommandSpec* leading_command(std::span<const std::string> words) {
  for (std::size_t n = words.size(); n > 0; --n) {
    if (const auto* spec = find_command(words.first(n))) return spec;
  }
  return nullptr;
}

std::string hint_for(std::span<const std::string> words) {
  if (const auto* spec = leading_command(words)) {
    return "Try 'mip6ctl help " + spec->display_name() + "' for more information.";
  }
  if (!words.empty() && is_command_group(words.front())) {
    return "Try 'mip6ctl help " + words.front() + "' for more information.";
  }
  return "Try 'mip6ctl --help' for more information.";
}

std::string subcommand_names(std::string_view group) {
  std::string names;
  for (const auto* spec : commands_in_group(group)) {
    if (!names.empty()) names += ", ";
    names += spec->words.back();
  }
  return names;
}

// Words after the command's own (an operand, as in "guest attach vm1
// --help") do not change which help is meant.
std::string help_for(std::span<const std::string> topic) {
  if (topic.empty()) return manual_page();
  if (const auto* spec = leading_command(topic)) return command_help(*spec);
  if (is_command_group(topic.front())) return group_help(topic.front());
  throw UsageError("no help for '" + joined(topic) + "': no such command");
}

struct Tokens {
  std::vector<std::string> words;  // commands and operands, in order
  OptionValues options;            // command options
  bool help = false;
  std::optional<std::string> socket;
};

// Fills `tokens` as it goes, so that on a UsageError the words read so far
// can still point the hint at the right command.
void split_tokens(const std::vector<std::string>& arguments, GlobalOptions& globals, Tokens& tokens) {
  bool only_operands = false;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (only_operands || argument == "-" || !argument.starts_with('-')) {
      tokens.words.push_back(argument);
      continue;
    }
    if (argument == "--") {
      only_operands = true;
      continue;
    }
    if (argument == "-h" || argument == "--help") {
      tokens.help = true;
      continue;
    }
    if (!argument.starts_with("--")) throw UsageError("unknown option '" + argument + "'");

    const auto equals = argument.find('=');
    const std::string name = argument.substr(0, equals);
    const std::optional<std::string> inline_value =
        equals == std::string::npos ? std::nullopt : std::optional(argument.substr(equals + 1));
    const auto take_value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= arguments.size()) throw UsageError("option " + name + " needs a value");
      return arguments[++i];
    };
    const auto take_no_value = [&] {
      if (inline_value) throw UsageError("option " + name + " takes no value");
    };

    if (name == "--socket") {
      tokens.socket = take_value();
      if (tokens.socket->empty()) throw UsageError("--socket: the path must not be empty");
    } else if (name == "--json") {
      take_no_value();
      globals.json_output = true;
    } else if (name == "--timeout") {
      globals.timeout = parse_timeout(take_value());
    } else if (const auto* option = find_any_option(name)) {
      std::string value;
      if (option->is_flag()) {
        take_no_value();
      } else {
        value = take_value();
      }
      if (!tokens.options.emplace(name, std::move(value)).second) {
        throw UsageError("option " + name + " given twice");
      }
    } else {
      throw UsageError("unknown option '" + name + "'");
    }
  }
}

CommandLine request_for(const Tokens& tokens, GlobalOptions globals) {
  const std::span<const std::string> words(tokens.words);
  if (words.empty()) throw UsageError("no command given");
  const auto* spec = leading_command(words);
  if (spec == nullptr) {
    if (is_command_group(words.front())) {
      if (words.size() == 1) {
        throw UsageError("'" + words.front() + "' needs a subcommand: " + subcommand_names(words.front()));
      }
      throw UsageError("unknown command '" + words.front() + " " + words[1] + "' (" + words.front() +
                       " takes: " + subcommand_names(words.front()) + ")");
    }
    throw UsageError("unknown command '" + words.front() + "'");
  }

  const auto operands = words.subspan(spec->words.size());
  const std::size_t wanted = spec->operand.empty() ? 0 : 1;
  if (operands.size() < wanted) {
    throw UsageError("'" + spec->display_name() + "' needs " + std::string(spec->operand));
  }
  if (operands.size() > wanted) throw UsageError("unexpected argument '" + operands[wanted] + "'");
  for (const auto& [name, value] : tokens.options) {
    bool allowed = false;
    for (const auto& option : spec->options) allowed = allowed || option.name == name;
    if (!allowed) {
      throw UsageError("option " + name + " does not apply to '" + spec->display_name() + "'");
    }
  }

  CommandLine line;
  line.action = CommandLine::Action::send_request;
  line.globals = std::move(globals);
  line.command = std::string(spec->protocol_command);
  line.args = spec->build_args(operands.empty() ? std::string_view() : operands.front(), tokens.options);
  return line;
}

}  // namespace

CommandLine parse_command_line(const std::vector<std::string>& arguments,
                               const std::optional<std::string>& socket_from_environment) {
  GlobalOptions globals;
  Tokens tokens;
  try {
    split_tokens(arguments, globals, tokens);
    if (tokens.socket) {
      globals.socket_path = *tokens.socket;
    } else if (socket_from_environment && !socket_from_environment->empty()) {
      globals.socket_path = *socket_from_environment;
    }

    const std::span<const std::string> words(tokens.words);
    if (tokens.help || (!words.empty() && words.front() == "help")) {
      const auto topic = !words.empty() && words.front() == "help" ? words.subspan(1) : words;
      CommandLine line;
      line.action = CommandLine::Action::show_help;
      line.globals = globals;
      line.help_text = help_for(topic);
      return line;
    }
    return request_for(tokens, globals);
  } catch (const UsageError& e) {
    CommandLine line;
    line.action = CommandLine::Action::usage_error;
    line.globals = globals;
    line.error = e.what();
    line.hint = hint_for(tokens.words);
    return line;
  }
}

}  // namespace roam6::mip6d::mip6ctl
