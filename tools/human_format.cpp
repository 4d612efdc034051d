#include "human_format.hpp"

#include <cstdio>
#include <initializer_list>
#include <string_view>

namespace roam6::tools {

namespace {

// Fields shown in hex, with the number of digits.
int hex_width(std::string_view key) {
  if (key == "checksum" || key == "ethertype") return 4;
  if (key == "flow_label") return 5;
  if (key == "traffic_class" || key == "outer_traffic_class" || key == "other_flags" ||
      key == "reserved")
    return 2;
  if (key == "id") return 8;
  return 0;
}

std::string scalar_text(std::string_view key, const Json& v) {
  if (v.is_null()) return "none";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_unsigned()) {
    if (const int width = hex_width(key); width != 0) {
      char text[32];
      std::snprintf(text, sizeof text, "0x%0*llx", width,
                    static_cast<unsigned long long>(v.get<std::uint64_t>()));
      return text;
    }
    if (key == "flags") {
      char text[32];
      std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(v.get<std::uint64_t>()));
      return text;
    }
  }
  if (v.is_array()) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i != 0) s += ' ';
      s += scalar_text("", v[i]);
    }
    return s + "]";
  }
  return v.dump();
}

bool is_scalar_or_scalar_list(const Json& v) {
  if (v.is_object()) return false;
  if (v.is_array()) {
    for (const Json& e : v)
      if (e.is_object() || e.is_array()) return false;
  }
  return true;
}

bool skipped(std::string_view key, std::initializer_list<std::string_view> skip) {
  for (const std::string_view s : skip)
    if (s == key) return true;
  return false;
}

// "key=value key=value ..." for every scalar field not in `skip`; absent
// (null) fields are left out, errors are rendered on their own lines.
std::string fields(const Json& obj, std::initializer_list<std::string_view> skip = {}) {
  std::string s;
  for (const auto& [key, value] : obj.items()) {
    if (key == "errors" || skipped(key, skip) || value.is_null() || !is_scalar_or_scalar_list(value))
      continue;  // errors get lines of their own
    if (!s.empty()) s += ' ';
    s += key;
    s += '=';
    s += scalar_text(key, value);
  }
  return s;
}

class Out {
 public:
  void line(int indent, const std::string& text) {
    text_.append(static_cast<std::size_t>(indent) * 2, ' ');
    text_ += text;
    text_ += '\n';
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

std::string join(std::string_view head, const std::string& rest) {
  std::string s(head);
  if (!rest.empty()) {
    s += ' ';
    s += rest;
  }
  return s;
}

void render_packet(const Json& p, int indent, Out& out);

void render_extensions(const Json& e, int indent, Out& out) {
  out.line(indent, join("extensions", fields(e)));
  for (const auto& [key, value] : e.items()) {
    if (value.is_object()) out.line(indent + 1, join(key, fields(value)));
  }
}

void render_mobility(const Json& m, int indent, Out& out) {
  out.line(indent, join("mobility " + m.value("type_name", std::string("?")), fields(m, {"type_name"})));
  if (m.contains("option_counts")) out.line(indent + 1, join("option_counts", fields(m["option_counts"])));
  if (m.contains("options")) {
    for (const Json& o : m["options"]) {
      out.line(indent + 1, join("option @" + std::to_string(o.value("offset", 0)) + " " +
                                    o.value("name", std::string("?")),
                                fields(o, {"offset", "name"})));
    }
  }
}

void render_icmpv6(const Json& j, int indent, Out& out) {
  out.line(indent, join("icmpv6 " + j.value("type_name", std::string("?")), fields(j, {"type_name"})));
  if (j.contains("options")) {
    for (const Json& o : j["options"])
      out.line(indent + 1, join("option " + o.value("name", std::string("?")), fields(o, {"name"})));
  }
  if (j.contains("invoking")) {
    const Json& inv = j["invoking"];
    out.line(indent + 1, join("invoking packet", fields(inv)));
    render_packet(inv, indent + 2, out);
  }
}

void render_packet(const Json& p, int indent, Out& out) {
  for (const auto& [key, value] : p.items()) {
    if (key == "ipv6") {
      out.line(indent, join("ipv6 " + value.value("src", std::string("?")) + " > " +
                                value.value("dst", std::string("?")),
                            fields(value, {"src", "dst", "version"})));
    } else if (key == "extensions") {
      render_extensions(value, indent, out);
    } else if (key == "upper") {
      out.line(indent, join("upper " + value.value("name", std::string("?")), fields(value, {"name"})));
    } else if (key == "mobility") {
      render_mobility(value, indent, out);
    } else if (key == "icmpv6") {
      render_icmpv6(value, indent, out);
    } else if (key == "tunnel") {
      out.line(indent, join("tunnel ip6ip6", fields(value)));
      if (value.contains("inner")) {
        out.line(indent + 1, "inner packet");
        render_packet(value["inner"], indent + 2, out);
      }
    } else if (key == "udp" || key == "tcp") {
      out.line(indent, join(key, fields(value)));
    } else if (key == "not_decoded") {
      out.line(indent, "not decoded: " + value.get<std::string>());
    } else if (key == "errors") {
      for (const Json& e : value) {
        out.line(indent, "error [" + e.value("layer", std::string("?")) + "] " +
                             e.value("error", std::string("?")) + ": " +
                             e.value("description", std::string()));
      }
    }
  }
}

}  // namespace

std::string render_human(const Json& frame) {
  Out out;
  std::string head = "frame " + std::to_string(frame.value("frame", std::uint64_t{0})) + ": " +
                     std::to_string(frame.value("length", std::uint64_t{0})) + " bytes";
  if (frame.contains("original_length"))
    head += " of " + std::to_string(frame["original_length"].get<std::uint64_t>());
  if (frame.contains("timestamp")) head += " at " + frame["timestamp"].get<std::string>();
  out.line(0, head);
  if (frame.contains("ethernet")) {
    const Json& e = frame["ethernet"];
    out.line(1, join("ethernet " + e.value("src", std::string("?")) + " > " +
                         e.value("dst", std::string("?")),
                     fields(e, {"src", "dst"})));
  }
  render_packet(frame, 1, out);
  return out.take();
}

}  // namespace roam6::tools
