#pragma once
// Quiescent-state based reclamation (rte_rcu_qsbr) for the binding table.
//
// Readers (forwarding cores) register once and report a quiescent state
// between bursts, when they hold no record pointer. The writer takes a token
// after unpublishing something and may reuse it once has_passed(token): by
// then every reader that was online when the token was taken has been
// quiescent at least once, so none can still see the old object.
//
// A registered reader must keep reporting: the writer's wait() gives up after
// its limit rather than stall the control plane behind a stuck core.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

struct rte_rcu_qsbr;

namespace roam6::datapath {

class GracePeriods {
 public:
  // Throws BindingTableError when the memory cannot be had.
  explicit GracePeriods(std::uint32_t max_readers);
  ~GracePeriods();
  GracePeriods(const GracePeriods&) = delete;
  GracePeriods& operator=(const GracePeriods&) = delete;

  // Any thread; returns the lowest free reader index, online from now on.
  // Throws BindingTableError when all max_readers are taken.
  unsigned register_reader();
  // Throws BindingTableError for an index that is not registered.
  void unregister_reader(unsigned reader);
  // Out-of-range indexes are ignored (a reader that never registered holds
  // nothing the writer waits for).
  void quiescent(unsigned reader) noexcept;

  // Writer side.
  [[nodiscard]] std::uint64_t start() noexcept;
  [[nodiscard]] bool has_passed(std::uint64_t token) noexcept;
  // Spins until has_passed(token) or `limit` elapsed; false on timeout.
  [[nodiscard]] bool wait(std::uint64_t token, std::chrono::nanoseconds limit) noexcept;

  [[nodiscard]] std::uint32_t max_readers() const noexcept { return max_readers_; }

 private:
  std::uint32_t max_readers_;
  rte_rcu_qsbr* qsbr_ = nullptr;
  std::mutex registration_mutex_;
  std::vector<bool> registered_;
};

}  // namespace roam6::datapath
