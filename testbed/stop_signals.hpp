#pragma once
// SIGINT and SIGTERM, the testbed's "stop" signals, held back from the
// calling thread except while it waits in ppoll() with wait_mask(): a stop
// signal then ends the wait at once (EINTR), and one that comes between the
// check of the stop flag and the wait stays pending until the wait instead
// of being lost. So a program needs no periodic wake-up to notice a stop:
// a thousand idle relays and echo responders used to wake 5 times a second
// each, and the testbed's teardown waited up to 200 ms per program.

#include <pthread.h>
#include <signal.h>

namespace roam6::testbed {

class StopSignalsDuringWaits {
 public:
  StopSignalsDuringWaits() {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, &previous_);
    wait_mask_ = previous_;
    sigdelset(&wait_mask_, SIGINT);
    sigdelset(&wait_mask_, SIGTERM);
  }
  ~StopSignalsDuringWaits() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  StopSignalsDuringWaits(const StopSignalsDuringWaits&) = delete;
  StopSignalsDuringWaits& operator=(const StopSignalsDuringWaits&) = delete;

  // The mask to give ppoll().
  [[nodiscard]] const sigset_t* wait_mask() const noexcept { return &wait_mask_; }

 private:
  sigset_t previous_{};
  sigset_t wait_mask_{};
};

}  // namespace roam6::testbed
