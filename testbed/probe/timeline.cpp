#include "testbed/probe/timeline.hpp"

#include <charconv>
#include <istream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace roam6::probe {

std::uint32_t Timeline::sent(std::uint64_t sent_ns) {
  records_.push_back({sent_ns, std::nullopt, 0, false});
  return static_cast<std::uint32_t>(records_.size() - 1);
}

void Timeline::echoed(std::uint32_t sequence, std::uint64_t received_ns) {
  if (sequence >= records_.size()) {
    ++foreign_;
    return;
  }
  ProbeRecord& r = records_[sequence];
  if (r.copies++ > 0) return;  // a duplicate: counted, the first time kept
  r.received_ns = received_ns;
  if (highest_echoed_ && sequence < *highest_echoed_) r.reordered = true;
  if (!highest_echoed_ || sequence > *highest_echoed_) highest_echoed_ = sequence;
}

void Timeline::write_csv(std::ostream& out) const {
  out << "sequence,sent_ns,received_ns,copies,reordered\n";
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const ProbeRecord& r = records_[i];
    out << i << ',' << r.sent_ns << ',';
    if (r.received_ns) out << *r.received_ns;
    out << ',' << r.copies << ',' << (r.reordered ? 1 : 0) << '\n';
  }
}

namespace {

std::uint64_t number(std::string_view field, std::size_t line) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || error != std::errc{} || end != field.data() + field.size())
    throw std::runtime_error("timeline line " + std::to_string(line) + ": '" + std::string(field) + "' is not a number");
  return value;
}

}  // namespace

Timeline Timeline::read_csv(std::istream& in) {
  Timeline t;
  std::string text;
  std::size_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (line == 1 && text.starts_with("sequence,")) continue;
    if (text.empty()) continue;
    std::vector<std::string_view> fields;
    std::string_view rest = text;
    for (std::size_t comma; (comma = rest.find(',')) != std::string_view::npos; rest.remove_prefix(comma + 1))
      fields.push_back(rest.substr(0, comma));
    fields.push_back(rest);
    if (fields.size() != 5) throw std::runtime_error("timeline line " + std::to_string(line) + ": 5 fields expected");
    if (number(fields[0], line) != t.records_.size())
      throw std::runtime_error("timeline line " + std::to_string(line) + ": sequence numbers must count up from 0");
    ProbeRecord r;
    r.sent_ns = number(fields[1], line);
    if (!fields[2].empty()) r.received_ns = number(fields[2], line);
    r.copies = static_cast<std::uint32_t>(number(fields[3], line));
    r.reordered = number(fields[4], line) != 0;
    t.records_.push_back(r);
  }
  return t;
}

}  // namespace roam6::probe
