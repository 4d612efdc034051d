#pragma once
// mip6ctl's commands as data: the words a person types, the protocol command
// they become, what they accept, and how their arguments turn into the
// request's "args". The parser and the help pages both read this table, so
// the two cannot disagree.

#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace roam6::mip6d::mip6ctl {

// Bad command-line input; the message is shown after "mip6ctl: ".
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string_view name;        // "--mac"
  std::string_view value_name;  // "MAC"; empty for a flag
  std::string_view help;
  [[nodiscard]] bool is_flag() const noexcept { return value_name.empty(); }
};

// Options as given on the command line: name ("--mac") -> value ("" for flags).
using OptionValues = std::map<std::string, std::string, std::less<>>;

struct CommandSpec {
  std::vector<std::string_view> words;  // {"guest", "attach"}
  std::string_view protocol_command;    // "guest.attach"
  std::string_view operand;             // "NAME"; empty when it takes none
  std::vector<OptionSpec> options;
  std::string_view summary;             // one line
  std::string_view description;         // a paragraph, wrapped by the help renderer
  std::vector<std::string_view> examples;
  // Checks the operand and options and builds "args"; throws UsageError.
  nlohmann::json (*build_args)(std::string_view operand, const OptionValues& options);

  [[nodiscard]] std::string display_name() const;  // "guest attach"
};

const std::vector<CommandSpec>& command_table();

// The command whose words are exactly `words`, or nullptr.
const CommandSpec* find_command(std::span<const std::string> words);
// Every option any command takes, for telling flags from valued options
// before the command is known; nullptr for an unknown name.
const OptionSpec* find_any_option(std::string_view name);

}  // namespace roam6::mip6d::mip6ctl
