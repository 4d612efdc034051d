#pragma once
// Typed, error-collecting access to a parsed TOML document, for the config
// loader only. Every read records the key's path and position so later checks
// can point at it, reports a missing or mistyped key instead of stopping, and
// marks the key as known so leftover (misspelt) keys can be reported.

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mip6d/config/config_error.hpp"

namespace roam6::mip6d::config_internal {

// Where something is in the document: "guests[2].mac" at 14:7.
struct Location {
  std::string path;
  std::optional<SourcePosition> position;
};

// A value read from the document. Empty when it was absent or invalid; an
// invalid value has already been reported, so checks that combine fields just
// skip empty ones instead of reporting follow-on errors.
template <class T>
struct Field {
  Location where;
  std::optional<T> value;
  bool given = false;  // the key is in the document, valid or not

  explicit operator bool() const noexcept { return value.has_value(); }
  // Checked: reading an empty field is a loader bug, and must not be
  // undefined behaviour.
  const T& operator*() const { return value.value(); }
  const T* operator->() const { return &value.value(); }
};

class ErrorCollector {
 public:
  explicit ErrorCollector(std::string file) : file_(std::move(file)) {}

  void add(const Location& where, std::string problem);
  [[nodiscard]] bool empty() const noexcept { return errors_.empty(); }
  // Sorted by position; errors without one (whole-file problems) first.
  [[nodiscard]] std::vector<ConfigError> take_in_file_order();

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

std::optional<SourcePosition> position_of(const toml::source_region& region);
std::string child_path(std::string_view parent, std::string_view key);
std::string element_path(std::string_view array_path, std::size_t index);

enum class Presence : std::uint8_t { required, optional };

class TableReader {
 public:
  // `where` locates the table itself; "missing key" errors point at it.
  // `positions`, when given, receives the position of every key read (and of
  // every table in it), for messages about the configuration after loading.
  TableReader(const toml::table& table, Location where, ErrorCollector& errors,
              KeyPositions* positions = nullptr)
      : table_(&table), where_(std::move(where)), errors_(&errors), positions_(positions) {}

  [[nodiscard]] const Location& where() const noexcept { return where_; }
  [[nodiscard]] ErrorCollector& errors() const noexcept { return *errors_; }

  // Strings are never allowed to be empty: every string in the format names
  // something.
  Field<std::string> string(std::string_view key, Presence presence);
  Field<std::int64_t> integer(std::string_view key, Presence presence, std::int64_t min,
                              std::int64_t max);
  Field<bool> boolean(std::string_view key, Presence presence);

  // A string turned into a T by `convert(text, problem)`, which returns
  // nullopt and fills `problem` when the text is unacceptable.
  template <class T, class Convert>
  Field<T> string_as(std::string_view key, Presence presence, Convert convert) {
    Field<std::string> text = string(key, presence);
    Field<T> field{std::move(text.where), std::nullopt, text.given};
    if (text) field.value = convert_or_report(*text, field.where, convert);
    return field;
  }

  // A non-empty array of strings, each converted as by string_as; empty when
  // any element is bad (each bad element is reported at "key[i]").
  template <class T, class Convert>
  Field<std::vector<T>> string_list_as(std::string_view key, Presence presence, Convert convert) {
    Field<std::vector<T>> field{location_of(key), std::nullopt, contains(key)};
    const toml::array* array = array_at(key, presence, field.where);
    if (array == nullptr) return field;
    std::vector<T> values;
    bool all_good = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      const Location where{element_path(field.where.path, i), position_of(element.source())};
      const std::string* text = string_in(element, where);
      std::optional<T> value = text ? convert_or_report(*text, where, convert) : std::nullopt;
      if (value) {
        values.push_back(std::move(*value));
      } else {
        all_good = false;
      }
    }
    if (all_good) field.value = std::move(values);
    return field;
  }

  std::optional<TableReader> table(std::string_view key, Presence presence);
  // `[[key]]` sections (or an array of inline tables); elements that are not
  // tables are reported and left out.
  std::vector<TableReader> array_of_tables(std::string_view key);

  [[nodiscard]] bool contains(std::string_view key) const { return table_->contains(key); }

  // The path of `key` and the position of its value, or of this table when
  // the key is absent.
  [[nodiscard]] Location location_of(std::string_view key) const;

  // Reports every key no read asked for. Call after all reads.
  void report_unknown_keys();

 private:
  void note_position(const Location& where);
  // Marks `key` as known; reports it when required and absent.
  const toml::node* lookup(std::string_view key, Presence presence, const Location& where);
  const toml::array* array_at(std::string_view key, Presence presence, const Location& where);
  // The string in `node`, or nullptr after reporting why it is not one.
  const std::string* string_in(const toml::node& node, const Location& where);

  template <class Convert>
  auto convert_or_report(const std::string& text, const Location& where, Convert& convert) {
    std::string problem;
    auto value = convert(std::string_view(text), problem);
    if (!value) errors_->add(where, problem.empty() ? "invalid value '" + text + "'" : problem);
    return value;
  }

  const toml::table* table_;
  Location where_;
  ErrorCollector* errors_;
  KeyPositions* positions_;
  std::vector<std::string> known_keys_;
};

}  // namespace roam6::mip6d::config_internal
