#include "mip6d/mip6ctl/help.hpp"

#include <algorithm>

#include "mip6d/mip6ctl/command_line.hpp"

namespace roam6::mip6d::mip6ctl {
namespace {

constexpr std::size_t page_width = 78;

// `units` joined by spaces into lines of at most page_width columns. The
// first line starts with `first_line` (or `indent` spaces), the others with
// `continuation` spaces. A unit never breaks, so "[--port PORT]" stays whole.
std::string wrap_units(const std::vector<std::string>& units, std::size_t indent,
                       std::string_view first_line = {}, std::size_t continuation = 0) {
  if (continuation == 0) continuation = indent;
  std::string out;
  std::string line = first_line.empty() ? std::string(indent, ' ') : std::string(first_line);
  bool line_has_unit = false;
  for (const auto& unit : units) {
    if (line_has_unit && line.size() + 1 + unit.size() > page_width) {
      out += line + '\n';
      line.assign(continuation, ' ');
      line_has_unit = false;
    }
    if (line_has_unit) line += ' ';
    line += unit;
    line_has_unit = true;
  }
  if (line_has_unit) out += line + '\n';
  return out;
}

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::size_t position = 0;
  while (position < text.size()) {
    const auto start = text.find_first_not_of(' ', position);
    if (start == std::string_view::npos) break;
    auto end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    words.emplace_back(text.substr(start, end - start));
    position = end;
  }
  return words;
}

std::string wrap(std::string_view text, std::size_t indent, std::string_view first_line = {}) {
  return wrap_units(words_of(text), indent, first_line);
}

std::string option_usage(const OptionSpec& option) {
  return option.is_flag() ? std::string(option.name)
                          : std::string(option.name) + " " + std::string(option.value_name);
}

std::string options_section(const std::vector<OptionSpec>& options, std::size_t indent) {
  std::size_t width = 0;
  for (const auto& option : options) width = std::max(width, option_usage(option).size());
  std::string out;
  for (const auto& option : options) {
    auto label = std::string(indent, ' ') + option_usage(option);
    label.resize(indent + width + 2, ' ');
    out += wrap(option.help, indent + width + 2, label);
  }
  return out;
}

const std::vector<OptionSpec>& global_options() {
  static const std::vector<OptionSpec> options{
      {"--socket", "PATH",
       "control socket of the daemon (default: $MIP6CTL_SOCKET, else /run/roam6/mip6d.sock)"},
      {"--json", "", "print the reply's result as JSON instead of text"},
      {"--timeout", "SEC", "give up when no reply came within SEC seconds (default: 5)"},
      {"-h, --help", "", "show this manual, or the help of the command given with it"},
  };
  return options;
}

constexpr std::string_view exit_status_section =
    "EXIT STATUS\n"
    "    0  the daemon carried out the command\n"
    "    1  the daemon refused the command; its message goes to standard error\n"
    "    2  usage error: the command line is wrong (nothing was sent)\n"
    "    3  no answer: cannot connect to the socket, no reply within the timeout,\n"
    "       or a reply that does not follow the control protocol\n";

}  // namespace

bool is_command_group(std::string_view word) { return !commands_in_group(word).empty(); }

std::vector<const CommandSpec*> commands_in_group(std::string_view group) {
  std::vector<const CommandSpec*> members;
  for (const auto& spec : command_table()) {
    if (spec.words.size() > 1 && spec.words.front() == group) members.push_back(&spec);
  }
  return members;
}

std::vector<std::string> synopsis_units(const CommandSpec& spec) {
  std::vector<std::string> units{"mip6ctl"};
  for (const auto word : spec.words) units.emplace_back(word);
  if (!spec.operand.empty()) units.emplace_back(spec.operand);
  std::string flags;
  for (const auto& option : spec.options) {
    if (option.is_flag()) {
      flags += (flags.empty() ? "" : " | ") + std::string(option.name);
    } else {
      units.push_back("[" + option_usage(option) + "]");
    }
  }
  if (!flags.empty()) units.push_back("[" + flags + "]");
  return units;
}

std::string synopsis(const CommandSpec& spec) {
  std::string text;
  for (const auto& unit : synopsis_units(spec)) text += (text.empty() ? "" : " ") + unit;
  return text;
}

std::string command_help(const CommandSpec& spec) {
  std::string out = "NAME\n    mip6ctl " + spec.display_name() + " - " + std::string(spec.summary) +
                    "\n\nSYNOPSIS\n" + wrap_units(synopsis_units(spec), 4, {}, 8) +
                    "\nDESCRIPTION\n" + wrap(spec.description, 4) +
                    "\n    Sends the control command \"" + std::string(spec.protocol_command) +
                    "\".\n";
  if (!spec.options.empty()) out += "\nOPTIONS\n" + options_section(spec.options, 4);
  out += "\nEXAMPLES\n";
  for (const auto example : spec.examples) out += "    " + std::string(example) + '\n';
  return out;
}

std::string group_help(std::string_view group) {
  std::string out = "mip6ctl " + std::string(group) + " commands:\n";
  for (const auto* spec : commands_in_group(group)) {
    out += wrap_units(synopsis_units(*spec), 4, {}, 8) + wrap(spec->summary, 8);
  }
  out += "\nTry 'mip6ctl help " + std::string(group) + " COMMAND' for one of them.\n";
  return out;
}

std::string manual_page() {
  std::string out =
      "NAME\n"
      "    mip6ctl - control the roam6 Mobile IPv6 daemon, mip6d\n"
      "\n"
      "SYNOPSIS\n"
      "    mip6ctl [--socket PATH] [--json] [--timeout SEC] COMMAND [ARGUMENTS]\n"
      "    mip6ctl --help | help [COMMAND]\n"
      "\n"
      "DESCRIPTION\n";
  out += wrap(
      "mip6ctl sends one command to a running mip6d over its control socket and prints the "
      "reply: lists as aligned tables, everything else as \"key: value\" lines, or the reply's "
      "result as JSON with --json. Arguments are checked before anything is sent. A refusal "
      "is printed on standard error as \"mip6ctl: MESSAGE\" (with --json, the error object is "
      "also printed on standard output). Migration hooks use the guest commands; operators "
      "use the others to look inside the daemon.",
      4);
  out += "\nCOMMANDS\n";
  for (const auto& spec : command_table()) {
    auto units = synopsis_units(spec);
    units.erase(units.begin());  // "mip6ctl"
    out += wrap_units(units, 4, {}, 6);
    out += wrap(spec.summary, 8);
  }
  out += "\nOPTIONS\n" + options_section(global_options(), 4);
  out += "\n    Command options (see 'mip6ctl help COMMAND'):\n";
  for (const auto& spec : command_table()) {
    for (const auto& option : spec.options) {
      out += "    " + option_usage(option) + '\n' +
             wrap(spec.display_name() + ": " + std::string(option.help), 8);
    }
  }
  out += "\n" + std::string(exit_status_section);
  out += "\nENVIRONMENT\n"
         "    MIP6CTL_SOCKET  the control socket when --socket is not given\n"
         "\nEXAMPLES\n";
  for (const auto& spec : command_table()) out += "    " + std::string(spec.examples.front()) + '\n';
  out += "    MIP6CTL_SOCKET=/tmp/mip6d.sock mip6ctl --json stats\n";
  return out;
}

}  // namespace roam6::mip6d::mip6ctl
