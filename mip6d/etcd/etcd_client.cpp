#include "mip6d/etcd/etcd_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <optional>

namespace roam6::mip6d::etcd {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// etcd's gateway answers an error as {"error": "...", "code": N}.
std::string error_of(const http::response<http::string_body>& response) {
  const auto body = nlohmann::json::parse(response.body(), nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string())
    return body["error"].get<std::string>();
  return "HTTP " + std::to_string(response.result_int());
}

}  // namespace

tcp::endpoint parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return {asio::ip::make_address(host), static_cast<unsigned short>(std::stoul(text.substr(colon + 1)))};
}

struct EtcdClient::Connection {
  std::vector<std::string> endpoints;
  std::vector<tcp::endpoint> addresses;
  std::chrono::milliseconds timeout;
  std::size_t current = 0;
  asio::io_context io;
  beast::tcp_stream stream{io};
  bool open = false;
  beast::flat_buffer buffer;

  // Runs the posted operations until they finish or `deadline` passes (the
  // stream's expiry then cancels them with beast::error::timeout).
  void run() {
    io.restart();
    io.run();
  }

  beast::error_code connect(Clock::time_point deadline) {
    stream.close();
    open = false;
    buffer.clear();
    beast::error_code result;
    stream.expires_at(deadline);
    stream.async_connect(addresses[current], [&](beast::error_code ec) { result = ec; });
    run();
    open = !result;
    return result;
  }

  // One request on the open connection; the answer or why there is none.
  std::optional<http::response<http::string_body>> exchange(const http::request<http::string_body>& request,
                                                            Clock::time_point deadline, beast::error_code& ec) {
    http::response<http::string_body> response;
    stream.expires_at(deadline);
    http::async_write(stream, request, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) return std::nullopt;
    http::async_read(stream, buffer, response, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) return std::nullopt;
    if (!response.keep_alive()) {
      stream.close();
      open = false;
    }
    return response;
  }
};

EtcdClient::EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout)
    : connection_(std::make_unique<Connection>()) {
  if (endpoints.empty()) throw std::invalid_argument("etcd: no endpoint");
  connection_->timeout = timeout;
  for (const auto& e : endpoints) connection_->addresses.push_back(parse_endpoint(e));
  connection_->endpoints = std::move(endpoints);
}

EtcdClient::~EtcdClient() = default;

const std::string& EtcdClient::endpoint() const noexcept { return connection_->endpoints[connection_->current]; }

nlohmann::json EtcdClient::call(std::string_view path, const nlohmann::json& body) {
  Connection& c = *connection_;
  const Clock::time_point deadline = Clock::now() + c.timeout;
  http::request<http::string_body> request{http::verb::post, std::string(path), 11};
  request.set(http::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = body.dump();
  request.prepare_payload();

  std::string failures;
  // Each member once; a kept-alive connection the member closed while idle
  // gets one fresh retry before it counts as a failure.
  for (std::size_t tried = 0; tried < c.endpoints.size() && Clock::now() < deadline; ++tried) {
    request.set(http::field::host, c.endpoints[c.current]);
    beast::error_code ec;
    bool fresh = !c.open;
    if (!c.open) ec = c.connect(deadline);
    std::optional<http::response<http::string_body>> response;
    if (!ec) response = c.exchange(request, deadline, ec);
    if (ec && !fresh && ec != beast::error::timeout) {
      ec = c.connect(deadline);
      if (!ec) response = c.exchange(request, deadline, ec);
    }
    std::string why;
    if (ec) {
      why = ec == beast::error::timeout ? "no answer within " + std::to_string(c.timeout.count()) + " ms"
                                        : ec.message();
    } else if (response->result() != http::status::ok) {
      why = error_of(*response);
    } else {
      auto answer = nlohmann::json::parse(response->body(), nullptr, false);
      if (!answer.is_discarded() && answer.is_object()) return answer;
      why = "unreadable answer";
    }
    failures += (failures.empty() ? "" : "; ") + c.endpoints[c.current] + ": " + why;
    c.stream.close();
    c.open = false;
    c.current = (c.current + 1) % c.endpoints.size();
  }
  if (failures.empty()) failures = "no answer within " + std::to_string(c.timeout.count()) + " ms";
  throw EtcdError("etcd " + std::string(path) + ": " + failures);
}

}  // namespace roam6::mip6d::etcd
