#pragma once
// One real etcd member (Debian's etcd-server) for the etcd store's tests:
// a private data directory, free loopback ports, killed with the fixture.
// The test fails (it does not skip) when /usr/bin/etcd is missing: the
// test command installs it.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "mip6d/etcd/etcd_client.hpp"
#include "store_temp_dir.hpp"

extern char** environ;

namespace roam6::mip6d::testing {

class EtcdProcess {
 public:
  EtcdProcess() {
    // Ports are picked below the kernel's ephemeral range (32768 and up), so
    // no client connection of a test running beside us can take one between
    // our check and etcd's bind; a member that still cannot bind (exits)
    // is started again on other ports.
    for (int attempt = 0; attempt < 5 && pid_ <= 0; ++attempt) {
      client_port_ = free_port();
      peer_port_ = free_port();
      if (client_port_ == peer_port_) continue;
      start();
    }
    if (pid_ <= 0) ADD_FAILURE() << "etcd did not start (5 attempts); see " << dir_.file("etcd.log");
  }
  ~EtcdProcess() { stop(); }
  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  [[nodiscard]] std::string endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }
  void pause() { ::kill(pid_, SIGSTOP); }
  // Killed and started again on the same data: every connection drops.
  void restart() {
    stop();
    start();
  }
  void resume() { ::kill(pid_, SIGCONT); }
  // Gone (its ports closed) until start_again().
  void kill() { stop(); }
  void start_again() { start(); }

  // Waits until the member answers a request (it elects itself leader);
  // forgets a member that exited (it could not bind its ports).
  void wait_ready() {
    etcd::EtcdClient probe({endpoint()}, std::chrono::milliseconds(200));
    for (int i = 0; i < 400; ++i) {
      if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      try {
        probe.call("/v3/kv/range", {{"key", "AA=="}});
        return;
      } catch (const etcd::EtcdError&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    ADD_FAILURE() << "etcd did not answer within 20 s";
  }

 private:
  static int free_port() {
    static unsigned next = 20000 + static_cast<unsigned>(::getpid()) % 6000 * 2;
    for (int tries = 0; tries < 1000; ++tries) {
      const int port = static_cast<int>(next);
      next = next + 1 >= 32000 ? 20000 : next + 1;
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<std::uint16_t>(port));
      const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      if (free) return port;
    }
    return 0;
  }

  void start() {
    const std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
    const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
    args_ = {"/usr/bin/etcd", "--name", "unit", "--data-dir", dir_.file("data-" + std::to_string(client_port_)).string(),
             "--listen-client-urls", client, "--advertise-client-urls", client,
             "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", "unit=" + peer, "--heartbeat-interval", "50", "--election-timeout", "500",
             "--logger", "zap", "--log-level", "error", "--log-outputs", dir_.file("etcd.log").string()};
    std::vector<char*> argv;
    for (auto& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
      ADD_FAILURE() << "cannot start /usr/bin/etcd (Debian package etcd-server)";
      return;
    }
    wait_ready();
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  StoreTempDir dir_;
  std::vector<std::string> args_;
  int client_port_ = 0;
  int peer_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace roam6::mip6d::testing
