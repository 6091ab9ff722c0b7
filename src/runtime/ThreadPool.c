/* The runtime's thread pool for the parallel loops of compiled kernels: a
 * fixed set of pthreads started on first use, each taking one contiguous
 * chunk of the tasks while the calling thread runs chunk 0.
 *
 * Waking a sleeping thread costs 30-80 us on a virtual machine, more than
 * many whole kernels take, and a kernel runs several parallel loops back to
 * back. So a worker that finished its chunk spins (with a pause) for a while
 * before it sleeps on a condition variable, and the caller spins the same way
 * while it waits for the chunks; a posted job takes the mutex only to wake
 * threads that went to sleep. ANVIL_SPIN_US sets how long (default 2000 us;
 * 0 sleeps at once), as OMP_WAIT_POLICY/GOMP_SPINCOUNT do for OpenMP.
 *
 * One parallel_for owns the pool at a time (pool_mu). A caller that finds the
 * pool busy (another application thread, or a body that calls parallel_for
 * again) runs its tasks serially instead of waiting, so no combination of
 * callers can deadlock. Resizing is requested by anvil_set_num_threads and
 * applied by the next parallel_for that owns the pool. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "RuntimeInternal.h"

enum { kMaxThreads = 1024 };

typedef struct {
  int64_t first_failed_task; /* INT64_MAX when none failed */
  int32_t result;
} ChunkResult;

typedef struct {
  pthread_mutex_t pool_mu; /* held by the parallel_for that owns the pool */
  pthread_mutex_t mu;      /* guards sleeping, and the waits on the condition variables */
  pthread_cond_t work_cv;  /* a new job, or shutdown */
  pthread_cond_t done_cv;  /* pending reached 0 */
  pthread_t* workers;
  int num_workers; /* threads besides the caller */
  uint64_t start_generation; /* generation when the workers were created */
  /* Read while spinning, so accessed with __atomic builtins. */
  uint64_t generation; /* a new job when it changes (release: the job's fields are set) */
  int shutdown;
  int pending;  /* workers still running the current job */
  int sleeping; /* workers waiting on work_cv (under mu) */
  /* The current job. */
  int64_t num_tasks;
  int num_chunks;
  AnvilParallelBody body;
  void* closure;
  ChunkResult* results; /* one per chunk */
} Pool;

static Pool pool = {
    .pool_mu = PTHREAD_MUTEX_INITIALIZER,
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .work_cv = PTHREAD_COND_INITIALIZER,
    .done_cv = PTHREAD_COND_INITIALIZER,
};

/* Threads requested (0: not decided yet; read ANVIL_NUM_THREADS on first use). */
static int requested_threads;
/* Set in pool workers and in a caller while it runs a parallel_for: a nested
 * call runs serially. */
static _Thread_local int in_parallel;

static int available_cpus(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

static int clamp_threads(int n) {
  if (n <= 0) n = available_cpus();
  return n > kMaxThreads ? kMaxThreads : n;
}

static int default_threads(void) {
  const char* env = getenv("ANVIL_NUM_THREADS");
  if (env && *env) {
    char* end = NULL;
    long n = strtol(env, &end, 10);
    if (end && *end == 0) return clamp_threads(n <= 0 ? 0 : n > kMaxThreads ? kMaxThreads : (int)n);
  }
  return clamp_threads(0);
}

void anvil_set_num_threads(int num_threads) {
  __atomic_store_n(&requested_threads, clamp_threads(num_threads), __ATOMIC_RELAXED);
}

int anvil_get_num_threads(void) {
  int n = __atomic_load_n(&requested_threads, __ATOMIC_RELAXED);
  if (n == 0) {
    int zero = 0;
    n = default_threads();
    /* Another thread may have decided first; keep its value. */
    if (!__atomic_compare_exchange_n(&requested_threads, &zero, n, 0, __ATOMIC_RELAXED,
                                     __ATOMIC_RELAXED))
      n = zero;
  }
  return n;
}

/* Runs chunk `c` of the current job: tasks [begin, end), stopping at the first
 * failure. */
static void run_chunk(int64_t num_tasks, int num_chunks, int c, AnvilParallelBody body,
                      void* closure, ChunkResult* result) {
  int64_t q = num_tasks / num_chunks, r = num_tasks % num_chunks;
  int64_t begin = c * q + (c < r ? c : r);
  int64_t end = begin + q + (c < r ? 1 : 0);
  result->first_failed_task = INT64_MAX;
  result->result = 0;
  for (int64_t t = begin; t < end; ++t) {
    int32_t rc = body(t, num_tasks, closure);
    if (rc != 0) {
      result->first_failed_task = t;
      result->result = rc;
      return;
    }
  }
}

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* How long a thread spins before it sleeps, in microseconds: ANVIL_SPIN_US,
 * read once. */
static double spin_us(void) {
  static int64_t value = -1;
  int64_t v = __atomic_load_n(&value, __ATOMIC_RELAXED);
  if (v >= 0) return (double)v;
  v = 2000;
  const char* env = getenv("ANVIL_SPIN_US");
  if (env && *env) {
    char* end = NULL;
    long long n = strtoll(env, &end, 10);
    if (end && *end == 0 && n >= 0) v = n > 1000000 ? 1000000 : (int64_t)n;
  }
  __atomic_store_n(&value, v, __ATOMIC_RELAXED);
  return (double)v;
}

/* Spins (for at most spin_us()) until ready(arg); returns whether it became
 * ready, 0 when the caller should sleep instead. */
static int spin_until(int (*ready)(const void*), const void* arg) {
  double limit = spin_us();
  if (limit <= 0) return 0;
  double start = now_us();
  for (unsigned i = 1;; ++i) {
    if (ready(arg)) return 1;
    cpu_relax();
    if ((i & 255) == 0 && now_us() - start > limit) return 0;
  }
}

/* A job newer than generation *seen was posted, or the pool shuts down. */
static int job_posted(const void* seen) {
  return __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE) != *(const uint64_t*)seen ||
         __atomic_load_n(&pool.shutdown, __ATOMIC_ACQUIRE);
}

/* Every worker finished its chunk of the current job. */
static int job_done(const void* unused) {
  (void)unused;
  return __atomic_load_n(&pool.pending, __ATOMIC_ACQUIRE) == 0;
}

static void* worker_main(void* arg) {
  int index = (int)(intptr_t)arg; /* chunk index: 1 .. num_workers */
  in_parallel = 1;
  /* Not pool.generation: a job posted before this thread first runs must
   * still count as new. */
  pthread_mutex_lock(&pool.mu);
  uint64_t seen = pool.start_generation;
  pthread_mutex_unlock(&pool.mu);
  for (;;) {
    if (!spin_until(job_posted, &seen)) {
      pthread_mutex_lock(&pool.mu);
      ++pool.sleeping;
      while (!__atomic_load_n(&pool.shutdown, __ATOMIC_ACQUIRE) &&
             __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE) == seen)
        pthread_cond_wait(&pool.work_cv, &pool.mu);
      --pool.sleeping;
      pthread_mutex_unlock(&pool.mu);
    }
    if (__atomic_load_n(&pool.shutdown, __ATOMIC_ACQUIRE)) break;
    seen = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE);
    if (index < pool.num_chunks)
      run_chunk(pool.num_tasks, pool.num_chunks, index, pool.body, pool.closure, &pool.results[index]);
    if (__atomic_sub_fetch(&pool.pending, 1, __ATOMIC_ACQ_REL) == 0) {
      /* The caller may be asleep on done_cv: it checks pending under mu. */
      pthread_mutex_lock(&pool.mu);
      pthread_cond_signal(&pool.done_cv);
      pthread_mutex_unlock(&pool.mu);
    }
  }
  return NULL;
}

/* Stops and joins every worker. Called with pool_mu held. */
static void stop_workers(void) {
  pthread_mutex_lock(&pool.mu);
  __atomic_store_n(&pool.shutdown, 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&pool.work_cv);
  pthread_mutex_unlock(&pool.mu);
  for (int i = 0; i < pool.num_workers; ++i) pthread_join(pool.workers[i], NULL);
  free(pool.workers);
  pool.workers = NULL;
  pool.num_workers = 0;
  __atomic_store_n(&pool.shutdown, 0, __ATOMIC_RELEASE);
}

/* Makes the pool hold `want` workers; keeps fewer if threads cannot be made.
 * Called with pool_mu held. */
static void resize_workers(int want) {
  if (pool.num_workers == want) return;
  stop_workers();
  if (want == 0) return;
  pool.workers = calloc((size_t)want, sizeof(pthread_t));
  if (!pool.workers) return;
  pthread_mutex_lock(&pool.mu);
  pool.start_generation = __atomic_load_n(&pool.generation, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&pool.mu);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  /* Generated kernels keep small buffers on the stack (up to 64 KiB each). */
  pthread_attr_setstacksize(&attr, 8u << 20);
  for (int i = 0; i < want; ++i) {
    if (pthread_create(&pool.workers[i], &attr, worker_main, (void*)(intptr_t)(i + 1)) != 0)
      break;
    pool.num_workers = i + 1;
  }
  pthread_attr_destroy(&attr);
}

static int32_t run_serial(int64_t num_tasks, AnvilParallelBody body, void* closure) {
  for (int64_t t = 0; t < num_tasks; ++t) {
    int32_t rc = body(t, num_tasks, closure);
    if (rc != 0) return rc;
  }
  return 0;
}

int32_t anvil_parallel_for(int64_t num_tasks, AnvilParallelBody body, void* closure) {
  if (!body) {
    anvil_rt_fail(ANVIL_ERROR_INVALID_ARGUMENT, "anvil_parallel_for: body is NULL");
    return ANVIL_ERROR_INVALID_ARGUMENT;
  }
  if (num_tasks <= 0) return 0;
  int threads = anvil_get_num_threads();
  if (in_parallel || threads <= 1 || num_tasks == 1) return run_serial(num_tasks, body, closure);
  if (pthread_mutex_trylock(&pool.pool_mu) != 0) return run_serial(num_tasks, body, closure);

  resize_workers(threads - 1);
  int chunks = pool.num_workers + 1;
  if ((int64_t)chunks > num_tasks) chunks = (int)num_tasks;
  ChunkResult stack_results[64];
  ChunkResult* results =
      chunks <= 64 ? stack_results : malloc((size_t)chunks * sizeof(ChunkResult));
  if (!results || chunks <= 1) {
    pthread_mutex_unlock(&pool.pool_mu);
    return run_serial(num_tasks, body, closure);
  }

  /* Every worker is between jobs here (pending was 0), so the fields are
   * ours until the generation is published. */
  pool.num_tasks = num_tasks;
  pool.num_chunks = chunks;
  pool.body = body;
  pool.closure = closure;
  pool.results = results;
  __atomic_store_n(&pool.pending, pool.num_workers, __ATOMIC_RELAXED);
  __atomic_add_fetch(&pool.generation, 1, __ATOMIC_SEQ_CST);
  /* A worker about to sleep re-checks the generation under mu after
   * counting itself in sleeping, so this cannot miss it. */
  pthread_mutex_lock(&pool.mu);
  if (pool.sleeping > 0) pthread_cond_broadcast(&pool.work_cv);
  pthread_mutex_unlock(&pool.mu);

  in_parallel = 1;
  run_chunk(num_tasks, chunks, 0, body, closure, &results[0]);
  in_parallel = 0;

  if (!spin_until(job_done, NULL)) {
    pthread_mutex_lock(&pool.mu);
    while (__atomic_load_n(&pool.pending, __ATOMIC_ACQUIRE) > 0) pthread_cond_wait(&pool.done_cv, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
  }

  /* The failure of the lowest task wins, so the result does not depend on
   * which thread finished first. */
  int64_t first = INT64_MAX;
  int32_t rc = 0;
  for (int c = 0; c < chunks; ++c) {
    if (results[c].first_failed_task < first) {
      first = results[c].first_failed_task;
      rc = results[c].result;
    }
  }
  if (results != stack_results) free(results);
  pthread_mutex_unlock(&pool.pool_mu);
  return rc;
}

/* Joins the workers when the library is unloaded (dlclose of a module that
 * linked the runtime, or exit): a worker left running would execute unmapped
 * code. Skipped when a parallel_for is in flight (exit called from a body). */
__attribute__((destructor)) static void shutdown_pool(void) {
  if (pthread_mutex_trylock(&pool.pool_mu) != 0) return;
  stop_workers();
  pthread_mutex_unlock(&pool.pool_mu);
}
