// Log lines in one write per turn of the event loop; warnings, errors and a
// full batch at once; nothing lost at the end.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "mip6d/runtime/batched_log_writer.hpp"

namespace roam6::mip6d {
namespace {

class BatchedLogWriterTest : public ::testing::Test {
 protected:
  BatchedLogWriter::Post post() {
    return [this](std::function<void()> f) { posted.push_back(std::move(f)); };
  }
  BatchedLogWriter::Output output() {
    return [this](std::string_view bytes) { writes.emplace_back(bytes); };
  }
  void end_of_turn() {
    while (!posted.empty()) {
      auto f = std::move(posted.front());
      posted.pop_front();
      f();
    }
  }

  std::deque<std::function<void()>> posted;
  std::vector<std::string> writes;
};

TEST_F(BatchedLogWriterTest, OneTurnsLinesLeaveInOneWriteAtItsEnd) {
  BatchedLogWriter writer(post(), output());
  Logger log(LogLevel::debug, writer.sink());
  LogRecord(log, LogLevel::info, "guest_resumed").kv("guest", "g1");
  LogRecord(log, LogLevel::debug, "tunnel").kv("active", "yes");
  LogRecord(log, LogLevel::info, "registration").kv("to", "bound");
  EXPECT_TRUE(writes.empty());
  EXPECT_EQ(posted.size(), 1u);  // one flush per turn, however many lines
  end_of_turn();
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0], "<6>guest_resumed guest=g1\n<7>tunnel active=yes\n<6>registration to=bound\n");
  end_of_turn();
  EXPECT_EQ(writes.size(), 1u);  // nothing new, nothing written

  LogRecord(log, LogLevel::info, "next_turn");
  end_of_turn();
  ASSERT_EQ(writes.size(), 2u);
  EXPECT_EQ(writes[1], "<6>next_turn\n");
}

TEST_F(BatchedLogWriterTest, AWarningOrErrorGoesAtOnceAfterWhatCameBefore) {
  BatchedLogWriter writer(post(), output());
  Logger log(LogLevel::debug, writer.sink());
  LogRecord(log, LogLevel::info, "before");
  LogRecord(log, LogLevel::warning, "datapath_table_refused");
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0], "<6>before\n<4>datapath_table_refused\n");
  LogRecord(log, LogLevel::error, "fatal");
  ASSERT_EQ(writes.size(), 2u);
  EXPECT_EQ(writes[1], "<3>fatal\n");
  end_of_turn();  // the flush posted for "before" finds nothing left
  EXPECT_EQ(writes.size(), 2u);
}

TEST_F(BatchedLogWriterTest, AFullBatchIsWrittenWithoutWaitingForTheTurnsEnd) {
  BatchedLogWriter writer(post(), output(), 64);
  Logger log(LogLevel::debug, writer.sink());
  const std::string long_value(40, 'x');
  LogRecord(log, LogLevel::info, "a").kv("v", long_value);
  EXPECT_TRUE(writes.empty());
  LogRecord(log, LogLevel::info, "b").kv("v", long_value);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0], "<6>a v=" + long_value + "\n<6>b v=" + long_value + "\n");
}

TEST_F(BatchedLogWriterTest, WhatIsLeftIsWrittenWhenTheWriterGoes) {
  {
    BatchedLogWriter writer(post(), output());
    writer.write(LogLevel::info, "stopped exit_status=0");
  }
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0], "<6>stopped exit_status=0\n");
  posted.clear();  // the loop never ran its flush: the writer is gone
}

TEST_F(BatchedLogWriterTest, OnARealLoopTheFlushRunsAfterTheHandlersAlreadyQueued) {
  boost::asio::io_context io;
  BatchedLogWriter writer([&io](std::function<void()> f) { boost::asio::post(io, std::move(f)); }, output());
  Logger log(LogLevel::info, writer.sink());
  // A burst of frames already queued, each logging as it is handled.
  for (int i = 0; i < 3; ++i)
    boost::asio::post(io, [&log, i] { LogRecord(log, LogLevel::info, "frame").kv("n", i); });
  io.run();
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0], "<6>frame n=0\n<6>frame n=1\n<6>frame n=2\n");
}

}  // namespace
}  // namespace roam6::mip6d
