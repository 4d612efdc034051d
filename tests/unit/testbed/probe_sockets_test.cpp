// The probe's two ends over loopback, each in its own thread.
#include <gtest/gtest.h>

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "testbed/probe/command_line.hpp"
#include "testbed/probe/probe_sockets.hpp"

namespace roam6::probe {
namespace {

TEST(ProbeSockets, EveryProbeComesBackOnceOverLoopback) {
  std::atomic<bool> stop_echo{false};
  EchoCounters counters;
  std::thread echo([&] { counters = run_echo(17447, stop_echo); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  SendSettings s;
  s.to = "::1";
  s.port = 17447;
  s.rate_hz = 2000;
  s.duration = std::chrono::milliseconds(300);
  s.drain = std::chrono::milliseconds(200);
  std::atomic<bool> never{false};
  const Timeline t = run_sender(s, never);
  stop_echo = true;
  echo.join();
  // ~600 probes at 2 kHz; how many exactly depends on the scheduler (a
  // late wake-up sends what is due, no catch-up burst: 242 were seen with
  // both cores saturated). What is checked is that each came back once.
  EXPECT_GT(t.records().size(), 100u);
  for (const auto& r : t.records()) {
    EXPECT_EQ(r.copies, 1u);
    ASSERT_TRUE(r.received_ns);
    EXPECT_GE(*r.received_ns, r.sent_ns);
  }
  EXPECT_EQ(counters.echoed, t.records().size());
}

std::atomic<bool> stop_by_signal{false};
extern "C" void on_stop_signal(int) { stop_by_signal.store(true); }

TEST(ProbeSockets, AStopSignalEndsAnIdleEchoAtOnceNotAtItsNextWakeUp) {
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = on_stop_signal;
  sigaction(SIGTERM, &action, &previous);
  std::atomic<bool> started{false};
  std::thread echo([&] {
    started = true;
    run_echo(17448, stop_by_signal);
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // well inside its wait
  const auto signalled = std::chrono::steady_clock::now();
  pthread_kill(echo.native_handle(), SIGTERM);
  echo.join();
  // Its wait would otherwise run up to 1 s; a lost signal, forever.
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::milliseconds(500));
  sigaction(SIGTERM, &previous, nullptr);
}

TEST(ProbeCommandLine, ModesAndMistakes) {
  auto line = parse_probe_command_line({"send", "--to", "2001:db8:a::100", "--rate", "5000", "--timeline", "t.csv"});
  ASSERT_EQ(line.action, ProbeCommandLine::Action::send) << line.error;
  EXPECT_EQ(line.send.rate_hz, 5000);
  EXPECT_EQ(parse_probe_command_line({"echo", "--port", "9"}).echo_port, 9);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"send"}, {"send", "--to"}, {"send", "--to", "::1", "--rate", "0"}, {"echo", "--timeline", "x"},
           {"report", "--timeline", "x"}, {"fly"}, {"send", "--to", "::1", "--size", "8"}}) {
    EXPECT_EQ(parse_probe_command_line(args).action, ProbeCommandLine::Action::usage_error);
  }
  SendSettings s;
  s.to = "not-an-address";
  std::atomic<bool> stop{false};
  EXPECT_THROW(run_sender(s, stop), std::invalid_argument);
}

}  // namespace
}  // namespace roam6::probe
