// The runtime's thread pool (anvil_parallel_for): every task runs exactly once
// whatever the thread count, chunks go to distinct threads with the caller
// taking part, nested and concurrent calls work, the first failure wins, and
// calls work whether the workers are still spinning or asleep.
#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "anvil/runtime.h"

namespace {

struct Counts {
  std::vector<std::atomic<int>> runs;
  std::mutex mu;
  std::set<std::thread::id> threads;
  explicit Counts(size_t n) : runs(n) {}
};

int32_t count_task(int64_t task, int64_t num_tasks, void* closure) {
  auto* c = static_cast<Counts*>(closure);
  if (num_tasks != static_cast<int64_t>(c->runs.size())) return 99;
  c->runs[task].fetch_add(1, std::memory_order_relaxed);
  // One lookup per chunk is enough to see which threads ran; every 4096th
  // task keeps the lock off the hot path.
  if (task % 4096 == 0) {
    std::lock_guard<std::mutex> lock(c->mu);
    c->threads.insert(std::this_thread::get_id());
  }
  return 0;
}

TEST(ThreadPool, MillionTasksRunOnceWithOneTwoFourThreads) {
  for (int threads : {1, 2, 4}) {
    anvil_set_num_threads(threads);
    EXPECT_EQ(anvil_get_num_threads(), threads);
    const int64_t n = 1000000;
    Counts c(n);
    ASSERT_EQ(anvil_parallel_for(n, count_task, &c), 0) << threads << " threads";
    int64_t sum = 0, bad = 0;
    for (int64_t t = 0; t < n; ++t) {
      int r = c.runs[t].load();
      bad += r != 1;
      sum += r * t;
    }
    EXPECT_EQ(bad, 0) << threads << " threads";
    EXPECT_EQ(sum, n * (n - 1) / 2);
    // One contiguous chunk per thread: each thread sees at least one task
    // divisible by 4096, so the chunks ran on `threads` distinct threads,
    // the caller among them.
    EXPECT_EQ(c.threads.size(), static_cast<size_t>(threads));
    EXPECT_TRUE(c.threads.count(std::this_thread::get_id()));
  }
}

TEST(ThreadPool, DefaultSizeIsAvailableCores) {
  anvil_set_num_threads(0);
  int n = anvil_get_num_threads();
  EXPECT_GE(n, 1);
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_EQ(n, CPU_COUNT(&set));
  anvil_set_num_threads(-3);
  EXPECT_EQ(anvil_get_num_threads(), n);
}

TEST(ThreadPool, NoTasksAndNullBody) {
  Counts c(0);
  EXPECT_EQ(anvil_parallel_for(0, count_task, &c), 0);
  EXPECT_EQ(anvil_parallel_for(-5, count_task, &c), 0);
  EXPECT_EQ(anvil_parallel_for(10, nullptr, nullptr), ANVIL_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(anvil_last_error(), "anvil_parallel_for: body is NULL");
}

struct Nested {
  std::atomic<int64_t> inner_sum{0};
  std::atomic<int> wrong_thread{0};
};

int32_t inner_task(int64_t task, int64_t, void* closure) {
  auto* p = static_cast<std::pair<Nested*, std::thread::id>*>(closure);
  if (std::this_thread::get_id() != p->second) p->first->wrong_thread++;
  p->first->inner_sum += task;
  return 0;
}

int32_t outer_task(int64_t, int64_t, void* closure) {
  std::pair<Nested*, std::thread::id> inner{static_cast<Nested*>(closure), std::this_thread::get_id()};
  return anvil_parallel_for(100, inner_task, &inner);
}

TEST(ThreadPool, NestedCallsRunSeriallyInTheCallingThread) {
  anvil_set_num_threads(4);
  Nested n;
  ASSERT_EQ(anvil_parallel_for(64, outer_task, &n), 0);
  EXPECT_EQ(n.inner_sum.load(), 64 * (99 * 100 / 2));
  EXPECT_EQ(n.wrong_thread.load(), 0);
}

struct Failing {
  std::atomic<int64_t> ran{0};
  int64_t n;
};

int32_t failing_task(int64_t task, int64_t, void* closure) {
  auto* f = static_cast<Failing*>(closure);
  f->ran++;
  if (task == 500) return 7;
  if (task == f->n - 1) return 9;  // in the last chunk: a later task, later failure
  return 0;
}

TEST(ThreadPool, FirstNonzeroResultIsReturned) {
  for (int threads : {1, 2, 4}) {
    anvil_set_num_threads(threads);
    Failing f;
    f.n = 100000;
    EXPECT_EQ(anvil_parallel_for(f.n, failing_task, &f), 7) << threads << " threads";
    // A failure stops its chunk: with one thread nothing after task 500 runs.
    if (threads == 1) EXPECT_EQ(f.ran.load(), 501);
    else EXPECT_LT(f.ran.load(), f.n);
  }
}

int32_t sum_task(int64_t task, int64_t, void* closure) {
  static_cast<std::atomic<int64_t>*>(closure)->fetch_add(task, std::memory_order_relaxed);
  return 0;
}

TEST(ThreadPool, ConcurrentCallersFromFourThreads) {
  anvil_set_num_threads(2);
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&wrong, i] {
      for (int rep = 0; rep < 50; ++rep) {
        std::atomic<int64_t> sum{0};
        int64_t n = 10000 + i * 7 + rep;
        if (anvil_parallel_for(n, sum_task, &sum) != 0 || sum.load() != n * (n - 1) / 2) wrong++;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// Workers spin for ANVIL_SPIN_US after a job and then sleep; calls that come
// back to back, after a short pause, and after the spin has surely ended all
// run every task once (the test also runs with ANVIL_SPIN_US=0 and =50).
TEST(ThreadPool, CallsBackToBackAndAfterTheWorkersSlept) {
  anvil_set_num_threads(3);
  for (int pause_us : {0, 20, 200, 5000}) {
    for (int rep = 0; rep < 20; ++rep) {
      Counts c(3000 + rep);
      ASSERT_EQ(anvil_parallel_for(static_cast<int64_t>(c.runs.size()), count_task, &c), 0);
      int64_t bad = 0;
      for (auto& r : c.runs) bad += r.load() != 1;
      ASSERT_EQ(bad, 0) << "pause " << pause_us << " us, call " << rep;
      if (pause_us) std::this_thread::sleep_for(std::chrono::microseconds(pause_us));
    }
  }
}

TEST(ThreadPool, ResizesBetweenCalls) {
  for (int threads : {4, 2, 3, 1, 2}) {
    anvil_set_num_threads(threads);
    Counts c(40000);
    ASSERT_EQ(anvil_parallel_for(40000, count_task, &c), 0);
    EXPECT_EQ(c.threads.size(), static_cast<size_t>(threads));
  }
}

}  // namespace
