#include "mip6d/etcd/etcd_watch.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "mip6d/etcd/etcd_client.hpp"
#include "mip6d/etcd/etcd_codec.hpp"

namespace roam6::mip6d::etcd {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;

// Lives as long as an operation on it is pending (shared_from_this), so
// stop() can drop it while a read is outstanding.
struct EtcdWatch::Session : std::enable_shared_from_this<EtcdWatch::Session> {
  Session(asio::io_context& io, OnResult r, OnEnd e) : stream(io), on_result(std::move(r)), on_end(std::move(e)) {}

  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  std::unique_ptr<http::response_parser<http::empty_body>> parser;
  std::string pending;  // body bytes not yet ending a line
  // The parser keeps a reference to it: it lives here, with the parser.
  std::function<std::size_t(std::uint64_t, beast::string_view, beast::error_code&)> chunk_body;
  OnResult on_result;
  OnEnd on_end;
  bool stopped = false;

  void finish(const std::string& why) {
    if (stopped) return;
    stopped = true;
    beast::error_code ignored;
    stream.socket().close(ignored);
    auto end = std::move(on_end);
    if (end) end(why);
  }

  void take_lines() {
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      const std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (line.empty() || stopped) continue;
      const json answer = json::parse(line, nullptr, false);
      if (answer.is_object() && answer.contains("result")) {
        on_result(answer["result"]);
      } else if (answer.is_object() && answer.contains("error")) {
        finish("etcd: " + answer["error"].dump());
        return;
      }
    }
  }

  void read_more() {
    auto self = shared_from_this();
    http::async_read_some(stream, buffer, *parser, [self](beast::error_code ec, std::size_t) {
      if (self->stopped) return;
      if (ec) return self->finish(ec.message());
      self->take_lines();
      if (self->stopped) return;
      if (self->parser->is_done()) return self->finish("etcd ended the watch");
      self->read_more();
    });
  }
};

EtcdWatch::EtcdWatch(asio::io_context& io, std::string endpoint, std::chrono::milliseconds connect_timeout)
    : io_(io), endpoint_(std::move(endpoint)), connect_timeout_(connect_timeout) {}

EtcdWatch::~EtcdWatch() { stop(); }

void EtcdWatch::stop() {
  if (!session_) return;
  session_->stopped = true;
  beast::error_code ignored;
  session_->stream.socket().close(ignored);
  session_.reset();
}

void EtcdWatch::start(const std::string& key, const std::string& range_end, std::int64_t start_revision,
                      OnResult on_result, OnEnd on_end) {
  stop();
  auto s = std::make_shared<Session>(io_, std::move(on_result), std::move(on_end));
  session_ = s;
  tcp::endpoint target;
  try {
    target = parse_endpoint(endpoint_);
  } catch (const std::exception&) {
    asio::post(io_, [s] { s->finish("bad endpoint"); });
    return;
  }

  s->request = {http::verb::post, "/v3/watch", 11};
  s->request.set(http::field::host, endpoint_);
  s->request.set(http::field::content_type, "application/json");
  s->request.body() = json{{"create_request",
                            {{"key", to_base64(key)},
                             {"range_end", to_base64(range_end)},
                             {"start_revision", std::to_string(start_revision)}}}}
                          .dump();
  s->request.prepare_payload();
  s->parser = std::make_unique<http::response_parser<http::empty_body>>();
  s->parser->body_limit(boost::none);
  // The body goes to us as it comes, chunk by chunk, never to a body object.
  s->chunk_body = [raw = s.get()](std::uint64_t, beast::string_view body, beast::error_code&) -> std::size_t {
    raw->pending.append(body.data(), body.size());
    return body.size();
  };
  s->parser->on_chunk_body(s->chunk_body);

  s->stream.expires_after(connect_timeout_);
  s->stream.async_connect(target, [s](beast::error_code e) {
    if (s->stopped) return;
    if (e) return s->finish("connect: " + e.message());
    http::async_write(s->stream, s->request, [s](beast::error_code e2, std::size_t) {
      if (s->stopped) return;
      if (e2) return s->finish("request: " + e2.message());
      http::async_read_header(s->stream, s->buffer, *s->parser, [s](beast::error_code e3, std::size_t) {
        if (s->stopped) return;
        if (e3) return s->finish("answer: " + e3.message());
        if (s->parser->get().result() != http::status::ok)
          return s->finish("HTTP " + std::to_string(s->parser->get().result_int()));
        s->stream.expires_never();  // a watch waits as long as nothing changes
        s->read_more();
      });
    });
  });
}

}  // namespace roam6::mip6d::etcd
