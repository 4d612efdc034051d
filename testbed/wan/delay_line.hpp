#pragma once
// Frames waiting out their link's delay: each leaves at its own time, the
// earliest first (frames from different ports with different delays may
// overtake each other, as on real paths; frames of one path keep their
// order, since their delay is the same and ties leave in arrival order).
// Frame storage is recycled: no allocation per frame once warmed up.

#include <cstdint>
#include <queue>
#include <vector>

namespace roam6::wan {

struct DelayedFrame {
  std::uint64_t due_ns = 0;
  std::uint64_t order = 0;  // arrival order, breaks ties
  std::size_t out_port = 0;
  std::vector<std::uint8_t> bytes;
};

class DelayLine {
 public:
  explicit DelayLine(std::size_t limit) : limit_(limit) {}

  // False (and nothing queued) when `limit` frames already wait: a link
  // with a full queue drops, it does not grow without bound.
  bool push(std::uint64_t due_ns, std::size_t out_port, const std::uint8_t* data, std::size_t size);
  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
  // The earliest due time; only when not empty.
  [[nodiscard]] std::uint64_t next_due() const { return heap_.top().due_ns; }
  // Calls `deliver(out_port, bytes)` for every frame due at `now_ns`, in
  // due order.
  template <class Deliver>
  void release(std::uint64_t now_ns, Deliver&& deliver) {
    while (!heap_.empty() && heap_.top().due_ns <= now_ns) {
      DelayedFrame frame = std::move(const_cast<DelayedFrame&>(heap_.top()));
      heap_.pop();
      deliver(frame.out_port, frame.bytes);
      spare_.push_back(std::move(frame.bytes));
    }
  }

 private:
  struct Later {
    bool operator()(const DelayedFrame& a, const DelayedFrame& b) const {
      return a.due_ns != b.due_ns ? a.due_ns > b.due_ns : a.order > b.order;
    }
  };
  std::priority_queue<DelayedFrame, std::vector<DelayedFrame>, Later> heap_;
  std::vector<std::vector<std::uint8_t>> spare_;
  std::size_t limit_;
  std::uint64_t arrivals_ = 0;
};

}  // namespace roam6::wan
