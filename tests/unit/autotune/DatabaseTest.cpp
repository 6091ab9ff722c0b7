// Tests of the SQLite tuning database: round trips, best record, crash safety
// (SIGKILL mid-run), concurrent writers, corrupt files left untouched,
// JSON-lines export/import and pruning.
#include "anvil/autotune/Database.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "anvil/support/Error.h"

namespace anvil {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test, removed afterwards.
class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("anvil_db_test_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name = "tune.db") const { return (dir_ / name).string(); }
  fs::path dir_;
};

Workload matmul(int64_t n) { return Workload{"matmul", {n, n, n}, "float32"}; }
TargetRecord cpu() { return TargetRecord{"llvm -mcpu=native", host_fingerprint()}; }

TuningRecord record(const std::string& trace, double median, bool ok = true) {
  TuningRecord r;
  r.trace_json = trace;
  r.ok = ok;
  if (ok) {
    r.costs_us = {median * 0.9, median, median * 1.3};
    r.median_us = median;
  } else {
    r.error_kind = "crash";
    r.error_text = "SIGSEGV in candidate";
  }
  r.build_seconds = 0.25;
  r.run_seconds = 0.125;
  r.anvil_version = "0.1.0";
  r.format_version = 1;
  r.timestamp = 1700000000;
  return r;
}

std::string read_bytes(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string open_error(const std::string& p) {
  try {
    Database::open(p);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

// Writes `batches` batches of kBatch records in a child process; each batch's
// records carry their batch number in the trace. Batches are large enough that
// a kill often lands inside a transaction. After each commit the child
// writes one byte to `notify` (when >= 0).
constexpr int kBatch = 25;

void writer_child(const std::string& p, const std::string& tag, int batches, int notify) {
  int rc = 0;
  try {
    Database db = Database::open(p);
    for (int b = 0; b < batches; ++b) {
      std::vector<TuningRecord> batch;
      for (int i = 0; i < kBatch; ++i) batch.push_back(record(tag + ":" + std::to_string(b), 10.0 + i));
      db.commit_batch(matmul(64), cpu(), batch);
      if (notify >= 0 && write(notify, "x", 1) != 1) rc = 3;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer %s: %s\n", tag.c_str(), e.what());
    rc = 2;
  }
  _exit(rc);
}

// Records per batch number, from traces "tag:batch".
std::map<int, int> batch_sizes(const Database& db, const std::string& tag) {
  std::map<int, int> sizes;
  for (const TuningRecord& r : db.records(matmul(64), cpu())) {
    if (r.trace_json.rfind(tag + ":", 0) == 0) ++sizes[std::stoi(r.trace_json.substr(tag.size() + 1))];
  }
  return sizes;
}

TEST_F(DatabaseTest, RecordsRoundTripAndFolderIsCreated) {
  const std::string p = (dir_ / "nested" / "folder" / "anvil.db").string();
  {
    Database db = Database::open(p);
    EXPECT_EQ(db.path(), p);
    db.commit_batch(matmul(64), cpu(), {record("{\"steps\":[]}", 12.5), record("t2", 0, false)});
  }
  Database db = Database::open(p);  // reopened: read back from the file
  ASSERT_EQ(db.count(), 2);
  std::vector<TuningRecord> rs = db.records(matmul(64), cpu());
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].workload_key, matmul(64).key());
  EXPECT_EQ(rs[0].target_key, cpu().key());
  EXPECT_EQ(rs[0].trace_json, "{\"steps\":[]}");
  EXPECT_EQ(rs[0].costs_us, (std::vector<double>{12.5 * 0.9, 12.5, 12.5 * 1.3}));
  EXPECT_DOUBLE_EQ(rs[0].median_us, 12.5);
  EXPECT_TRUE(rs[0].ok);
  EXPECT_DOUBLE_EQ(rs[0].build_seconds, 0.25);
  EXPECT_DOUBLE_EQ(rs[0].run_seconds, 0.125);
  EXPECT_EQ(rs[0].anvil_version, "0.1.0");
  EXPECT_EQ(rs[0].format_version, 1);
  EXPECT_EQ(rs[0].timestamp, 1700000000);
  EXPECT_FALSE(rs[1].ok);
  EXPECT_EQ(rs[1].error_kind, "crash");
  EXPECT_EQ(rs[1].error_text, "SIGSEGV in candidate");
  EXPECT_TRUE(rs[1].costs_us.empty());
  EXPECT_LT(rs[0].id, rs[1].id);
  // What the producer left empty is filled in: the time and this build's version.
  TuningRecord bare;
  bare.trace_json = "bare";
  bare.ok = false;
  db.commit_batch(matmul(64), cpu(), {bare});
  TuningRecord filled = db.records(matmul(64), cpu()).back();
  EXPECT_EQ(filled.trace_json, "bare");
  EXPECT_NE(filled.anvil_version, "");
  EXPECT_GT(filled.timestamp, 1700000000);
  // Other workloads and targets see nothing.
  EXPECT_TRUE(db.records(matmul(32), cpu()).empty());
  EXPECT_TRUE(db.records(matmul(64), TargetRecord{"c -mcpu=native", host_fingerprint()}).empty());
  EXPECT_EQ(db.workloads(cpu()), std::vector<std::string>{matmul(64).key()});
}

TEST_F(DatabaseTest, BestIsTheFastestValidRecord) {
  Database db = Database::open(path());
  EXPECT_FALSE(db.best(matmul(64), cpu()).has_value());
  // A failed record with a (meaningless) tiny median must not win.
  TuningRecord failed = record("failed", 0, false);
  failed.median_us = 0.001;
  db.commit_batch(matmul(64), cpu(), {record("slow", 30), failed, record("fast", 7.5)});
  db.commit_batch(matmul(64), cpu(), {record("medium", 9)});
  db.commit_batch(matmul(32), cpu(), {record("other workload", 1)});
  std::optional<TuningRecord> best = db.best(matmul(64), cpu());
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->trace_json, "fast");
  EXPECT_DOUBLE_EQ(best->median_us, 7.5);
  EXPECT_FALSE(db.best(matmul(64), TargetRecord{"llvm -mcpu=native", "{\"other\":1}"}).has_value());
  std::vector<WorkloadSummary> summary = db.summary();
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[1].workload_key, matmul(64).key());
  EXPECT_EQ(summary[1].records, 4);
  EXPECT_EQ(summary[1].ok_records, 3);
  EXPECT_DOUBLE_EQ(summary[1].best_us.value(), 7.5);
}

TEST_F(DatabaseTest, CommitBatchRejectsRecordsOfAnotherWorkloadAndKeepsNothing) {
  Database db = Database::open(path());
  TuningRecord wrong = record("b", 2);
  wrong.workload_key = matmul(32).key();
  try {
    db.commit_batch(matmul(64), cpu(), {record("a", 1), wrong});
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("record 1 is for workload"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db.count(), 0);
}

TEST_F(DatabaseTest, FingerprintAndTargetKey) {
  const std::string fp = host_fingerprint();
  EXPECT_EQ(fp.rfind("{\"cpus\":", 0), 0u) << fp;
  EXPECT_NE(fp.find("\"flags\":["), std::string::npos);
  EXPECT_NE(fp.find("\"model\":"), std::string::npos);
  TargetRecord a{"llvm -mcpu=native", fp}, b{"llvm -mcpu=native", fp + " "};
  EXPECT_EQ(a.key().rfind("llvm -mcpu=native@", 0), 0u);
  EXPECT_EQ(a.key().size(), std::string("llvm -mcpu=native@").size() + 16);
  EXPECT_NE(a.key(), b.key());
  EXPECT_EQ(a.key(), (TargetRecord{"llvm -mcpu=native", fp}).key());
  // FNV-1a of the empty string is the offset basis.
  EXPECT_EQ((TargetRecord{"c", ""}).key(), "c@cbf29ce484222325");
}

// Starts a writer, lets it acknowledge `acks` commits, kills it with SIGKILL
// `delay_us` later (usually inside a transaction) and returns how many commits it
// acknowledged in all.
int kill_writer_after(const std::string& p, const std::string& tag, int acks, int delay_us) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fds[0]);
    writer_child(p, tag, 1000000, fds[1]);
  }
  close(fds[1]);
  int seen = 0;
  char c;
  while (seen < acks && read(fds[0], &c, 1) == 1) ++seen;
  // Reading the acknowledgement may run us before the writer goes on: give it
  // time to be inside its next transaction.
  usleep(delay_us);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the writer died of SIGKILL";
  // Acknowledgements sent before the kill and not read yet count too.
  while (read(fds[0], &c, 1) == 1) ++seen;
  close(fds[0]);
  return seen;
}

TEST_F(DatabaseTest, KilledWriterLosesNoCommittedBatch) {
  Database::open(path());  // created before the fork: the children only open it
  // Three kills: where in a transaction each lands is up to the scheduler.
  int64_t total = 0;
  for (int round = 0; round < 3; ++round) {
    const std::string tag = "k" + std::to_string(round);
    int acked = kill_writer_after(path(), tag, 5, 100 + 400 * round);
    ASSERT_GE(acked, 5) << tag;
    Database db = Database::open(path());
    std::map<int, int> sizes = batch_sizes(db, tag);
    EXPECT_GE(static_cast<int>(sizes.size()), acked) << tag << ": every acknowledged batch is there";
    int expect_batch = 0;
    for (auto [batch, n] : sizes) {
      EXPECT_EQ(batch, expect_batch++) << tag << ": batches are contiguous";
      EXPECT_EQ(n, kBatch) << tag << " batch " << batch << " is complete";
    }
    total += static_cast<int64_t>(sizes.size()) * kBatch;
    EXPECT_EQ(db.count(), total);
  }
  // And the database still takes writes.
  Database db = Database::open(path());
  db.commit_batch(matmul(64), cpu(), {record("after", 1)});
  EXPECT_EQ(db.best(matmul(64), cpu())->trace_json, "after");
}

TEST_F(DatabaseTest, TwoWritersAtOnceLoseNothing) {
  // Neither process creates the file first: both race through creation too.
  pid_t a = fork();
  ASSERT_GE(a, 0);
  if (a == 0) writer_child(path(), "a", 50, -1);
  pid_t b = fork();
  ASSERT_GE(b, 0);
  if (b == 0) writer_child(path(), "b", 50, -1);
  for (pid_t pid : {a, b}) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "writer " << pid << " failed (see its stderr)";
  }
  Database db = Database::open(path());
  EXPECT_EQ(db.count(), 2 * 50 * kBatch);
  for (const char* tag : {"a", "b"}) {
    std::map<int, int> sizes = batch_sizes(db, tag);
    EXPECT_EQ(sizes.size(), 50u) << tag;
    for (auto [batch, n] : sizes) EXPECT_EQ(n, kBatch) << tag << " batch " << batch;
  }
}

TEST_F(DatabaseTest, RandomBytesAreReportedAndLeftUntouched) {
  fs::create_directories(dir_);
  std::mt19937 rng(7);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  { std::ofstream(path(), std::ios::binary) << bytes; }
  std::string err = open_error(path());
  EXPECT_NE(err.find(path()), std::string::npos) << err;
  EXPECT_NE(err.find("is not an SQLite database"), std::string::npos) << err;
  EXPECT_EQ(read_bytes(path()), bytes);
  EXPECT_FALSE(fs::exists(path() + "-wal"));
}

TEST_F(DatabaseTest, TruncatedDatabaseIsReportedAndLeftUntouched) {
  {
    Database db = Database::open(path());
    for (int b = 0; b < 20; ++b) {
      std::vector<TuningRecord> batch;
      for (int i = 0; i < 20; ++i) batch.push_back(record(std::string(200, 'a' + b % 26) + std::to_string(i), 5 + i));
      db.commit_batch(matmul(64 + b), cpu(), batch);
    }
  }  // closed: the WAL is checkpointed into the file
  std::string whole = read_bytes(path());
  ASSERT_GT(whole.size(), 40000u);
  std::string half = whole.substr(0, whole.size() / 2);
  { std::ofstream(path(), std::ios::binary | std::ios::trunc) << half; }
  std::string err = open_error(path());
  EXPECT_NE(err.find(path()), std::string::npos) << err;
  EXPECT_NE(err.find("is corrupt"), std::string::npos) << err;
  EXPECT_EQ(read_bytes(path()), half);
}

TEST_F(DatabaseTest, SqliteFileOfAnotherApplicationIsReportedAndLeftUntouched) {
  fs::create_directories(dir_);
  for (const char* pragma : {"PRAGMA application_id=12345", "PRAGMA user_version=0"}) {
    const std::string p = path(std::string("other") + pragma[7] + ".db");
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(p.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "CREATE TABLE photos(id INTEGER, name TEXT); INSERT INTO photos VALUES (1, 'x');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, pragma, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(other);
    std::string before = read_bytes(p);
    std::string err = open_error(p);
    EXPECT_NE(err.find(p), std::string::npos) << err;
    EXPECT_NE(err.find("another application"), std::string::npos) << err;
    EXPECT_EQ(read_bytes(p), before);
  }
}

// One integer or text answer of `sql` on a raw connection.
std::string query(const std::string& p, const char* sql) {
  sqlite3* raw = nullptr;
  std::string out;
  if (sqlite3_open(p.c_str(), &raw) == SQLITE_OK)
    sqlite3_exec(
        raw, sql,
        [](void* o, int, char** v, char**) {
          *static_cast<std::string*>(o) += v[0] ? v[0] : "NULL";
          return 0;
        },
        &out, nullptr);
  sqlite3_close(raw);
  return out;
}

TEST_F(DatabaseTest, FileIsAnAnvilDatabaseInWalMode) {
  { Database::open(path()); }
  EXPECT_EQ(query(path(), "PRAGMA application_id"), std::to_string(0x414E564C));  // "ANVL"
  EXPECT_EQ(query(path(), "PRAGMA user_version"), "1");
  EXPECT_EQ(query(path(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query(path(), "SELECT value FROM meta WHERE key = 'schema_version'"), "1");
  EXPECT_EQ(query(path(), "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records'"),
            "records_best");
}

TEST_F(DatabaseTest, NewerSchemaVersionIsReported) {
  { Database::open(path()); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version=7", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  std::string err = open_error(path());
  EXPECT_NE(err.find("has schema version 7, this Anvil reads version 1"), std::string::npos) << err;
}

TEST_F(DatabaseTest, ExportImportRoundTripSkipsDuplicates) {
  const std::string jsonl = path("records.jsonl");
  TargetRecord other{"c -mcpu=native", "{\"cpus\":2,\"flags\":[\"sse2\"],\"model\":\"elsewhere\"}"};
  {
    Database db = Database::open(path());
    db.commit_batch(matmul(64), cpu(), {record("{\"a\":\"q\\\"uote\\nline\"}", 1.0 / 3.0), record("x", 0, false)});
    db.commit_batch(matmul(32), other, {record("y", 2.5)});
    db.export_jsonl(jsonl);
  }
  std::string text = read_bytes(jsonl);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);

  Database copy = Database::open(path("copy.db"));
  EXPECT_EQ(copy.import_jsonl(jsonl), 3);
  EXPECT_EQ(copy.import_jsonl(jsonl), 0) << "exact duplicates are skipped";
  EXPECT_EQ(copy.count(), 3);
  std::vector<TuningRecord> rs = copy.records(matmul(64), cpu());
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].trace_json, "{\"a\":\"q\\\"uote\\nline\"}");
  EXPECT_EQ(rs[0].median_us, 1.0 / 3.0) << "doubles survive bit for bit";
  EXPECT_EQ(rs[0].costs_us, (std::vector<double>{1.0 / 3.0 * 0.9, 1.0 / 3.0, 1.0 / 3.0 * 1.3}));
  EXPECT_FALSE(rs[1].ok);
  EXPECT_EQ(rs[1].error_text, "SIGSEGV in candidate");
  ASSERT_EQ(copy.records(matmul(32), other).size(), 1u);
  EXPECT_EQ(copy.targets().size(), 2u);
  // Exporting the copy gives the same file.
  copy.export_jsonl(path("again.jsonl"));
  EXPECT_EQ(read_bytes(path("again.jsonl")), text);
}

TEST_F(DatabaseTest, MalformedImportLineNamesItsLineAndImportsNothing) {
  Database db = Database::open(path());
  db.commit_batch(matmul(64), cpu(), {record("t", 3)});
  db.export_jsonl(path("good.jsonl"));
  std::string good = read_bytes(path("good.jsonl"));
  struct Case {
    std::string line, message;
  };
  for (const Case& c : {Case{"{not json", "parse error"}, Case{"[1, 2]", "not a JSON object"},
                        Case{"{\"workload\": \"x\"}", "missing field 'target'"}}) {
    { std::ofstream(path("bad.jsonl")) << good << "\n" << c.line << "\n"; }
    Database fresh = Database::open(path("fresh-" + std::to_string(c.line.size()) + ".db"));
    try {
      fresh.import_jsonl(path("bad.jsonl"));
      FAIL() << "expected a UserError for " << c.line;
    } catch (const UserError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(path("bad.jsonl") + ":3: "), std::string::npos) << what;
      EXPECT_NE(what.find(c.message), std::string::npos) << what;
    }
    EXPECT_EQ(fresh.count(), 0) << "a bad file imports nothing";
  }
  // A malformed workload key is reported with the workload's own message.
  std::string bad_key = good;
  bad_key.replace(bad_key.find("\\\"op\\\""), 6, "\\\"on\\\"");  // \"op\" inside the key string
  { std::ofstream(path("bad.jsonl")) << bad_key; }
  try {
    db.import_jsonl(path("bad.jsonl"));
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(":1: workload key"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db.count(), 1);
}

TEST_F(DatabaseTest, PruneKeepsTheFastest) {
  Database db = Database::open(path());
  db.commit_batch(matmul(64), cpu(), {record("40", 40), record("10", 10), record("f", 0, false), record("20", 20)});
  db.commit_batch(matmul(64), cpu(), {record("5", 5), record("30", 30)});
  db.commit_batch(matmul(32), cpu(), {record("other", 99)});
  EXPECT_EQ(db.prune(2), 4);  // 40, 20, 30 and the failed one
  std::vector<TuningRecord> rs = db.records(matmul(64), cpu());
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].trace_json, "10");
  EXPECT_EQ(rs[1].trace_json, "5");
  EXPECT_EQ(db.records(matmul(32), cpu()).size(), 1u) << "kept per workload";
  EXPECT_EQ(db.prune(2), 0);
  EXPECT_THROW(db.prune(-1), UserError);
}

Remeasure remeasure(int64_t record_id, double median, bool ok = true) {
  Remeasure m;
  m.record_id = record_id;
  m.ok = ok;
  if (ok) {
    m.costs_us = {median, median * 1.1};
    m.median_us = median;
  } else {
    m.error_kind = "timeout";
    m.error_text = "killed after 10 s";
  }
  m.timestamp = 1700000100;
  return m;
}

int64_t id_of(const Database& db, const Workload& w, const std::string& trace) {
  for (const TuningRecord& r : db.records(w, cpu()))
    if (r.trace_json == trace) return r.id;
  ADD_FAILURE() << "no record " << trace;
  return 0;
}

// The fastest of many noisy trials is biased low: a re-measure replaces a
// record's cost, and the latest one counts.
TEST_F(DatabaseTest, RemeasuredRecordsRankByTheirLatestTiming) {
  Database db = Database::open(path());
  db.commit_batch(matmul(64), cpu(), {record("lucky", 5), record("steady", 6), record("slow", 8)});
  const int64_t lucky = id_of(db, matmul(64), "lucky"), steady = id_of(db, matmul(64), "steady");
  EXPECT_EQ(db.best(matmul(64), cpu())->trace_json, "lucky");

  db.commit_remeasures({remeasure(lucky, 9)});
  std::vector<TuningRecord> top = db.top(matmul(64), cpu(), 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].trace_json, "steady");
  EXPECT_EQ(top[1].trace_json, "slow");
  EXPECT_EQ(top[2].trace_json, "lucky");
  EXPECT_DOUBLE_EQ(top[2].cost_us(), 9);
  EXPECT_DOUBLE_EQ(top[2].median_us, 5) << "the trial's own timing is kept";
  EXPECT_EQ(top[2].remeasures, 1);
  EXPECT_FALSE(top[0].remeasured_us.has_value());
  EXPECT_EQ(db.top(matmul(64), cpu(), 1).size(), 1u);
  EXPECT_DOUBLE_EQ(db.summary().at(0).best_us.value(), 6);

  db.commit_remeasures({remeasure(lucky, 4)});
  EXPECT_EQ(db.best(matmul(64), cpu())->trace_json, "lucky") << "the latest re-measure counts";
  EXPECT_DOUBLE_EQ(db.best(matmul(64), cpu())->cost_us(), 4);
  ASSERT_EQ(db.remeasures(lucky).size(), 2u);
  EXPECT_DOUBLE_EQ(db.remeasures(lucky)[0].median_us, 9);

  // A record whose latest re-measure failed is no longer valid.
  db.commit_remeasures({remeasure(lucky, 0, false)});
  EXPECT_EQ(db.best(matmul(64), cpu())->trace_json, "steady");
  EXPECT_EQ(db.top(matmul(64), cpu(), 10).size(), 2u);
  EXPECT_EQ(db.summary().at(0).ok_records, 3) << "the trials themselves still count as valid records";

  // A re-measure of an unknown record is refused and nothing of its batch is kept.
  try {
    db.commit_remeasures({remeasure(steady, 1), remeasure(424242, 1)});
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("no record 424242"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(db.remeasures(steady).empty());
  EXPECT_THROW(db.commit_remeasures({remeasure(steady, -1)}), UserError) << "ok with a negative median";
  EXPECT_THROW(db.top(matmul(64), cpu(), -1), UserError);
}

// Re-measured while the machine ran 1.5x slower: the costs are divided by the
// pass's scale, so they compare with records timed during the trials.
TEST_F(DatabaseTest, RemeasuresAreComparedInTheTrialsTerms) {
  Database db = Database::open(path());
  db.commit_batch(matmul(64), cpu(), {record("lucky", 5), record("steady", 6), record("slow", 8)});
  Remeasure lucky = remeasure(id_of(db, matmul(64), "lucky"), 9), steady = remeasure(id_of(db, matmul(64), "steady"), 8.1);
  lucky.scale = steady.scale = 1.5;
  db.commit_remeasures({lucky, steady});
  std::vector<TuningRecord> top = db.top(matmul(64), cpu(), 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].trace_json, "steady");
  EXPECT_DOUBLE_EQ(top[0].cost_us(), 5.4);
  EXPECT_EQ(top[1].trace_json, "lucky");
  EXPECT_DOUBLE_EQ(top[1].cost_us(), 6);
  EXPECT_EQ(top[2].trace_json, "slow") << "never re-measured, yet not behind every re-measured record";
  EXPECT_DOUBLE_EQ(db.remeasures(top[0].id).at(0).scale, 1.5);
  EXPECT_DOUBLE_EQ(db.summary().at(0).best_us.value(), 5.4);
  Remeasure bad = remeasure(top[2].id, 3);
  bad.scale = 0;
  EXPECT_THROW(db.commit_remeasures({bad}), UserError);
}

TEST_F(DatabaseTest, RemeasuresSurviveExportImportAndPrune) {
  {
    Database db = Database::open(path());
    db.commit_batch(matmul(64), cpu(), {record("lucky", 5), record("steady", 6), record("slow", 8)});
    Remeasure later = remeasure(id_of(db, matmul(64), "lucky"), 9);
    later.scale = 1.25;  // cost 7.2: still behind steady
    db.commit_remeasures({later});
    db.export_jsonl(path("records.jsonl"));
    EXPECT_EQ(db.prune(1), 2);  // by cost: steady stays, lucky (now 9) and slow go
    std::vector<TuningRecord> rs = db.records(matmul(64), cpu());
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].trace_json, "steady");
    EXPECT_EQ(query(path(), "SELECT count(*) FROM remeasures"), "0") << "re-measures of pruned records go too";
  }
  Database copy = Database::open(path("copy.db"));
  EXPECT_EQ(copy.import_jsonl(path("records.jsonl")), 3);
  EXPECT_EQ(copy.best(matmul(64), cpu())->trace_json, "steady");
  const int64_t lucky = id_of(copy, matmul(64), "lucky");
  ASSERT_EQ(copy.remeasures(lucky).size(), 1u);
  EXPECT_EQ(copy.remeasures(lucky)[0].timestamp, 1700000100);
  EXPECT_DOUBLE_EQ(copy.remeasures(lucky)[0].scale, 1.25);
  EXPECT_EQ(copy.import_jsonl(path("records.jsonl")), 0);
  EXPECT_EQ(copy.remeasures(lucky).size(), 1u) << "re-importing adds no duplicate re-measure";
  copy.export_jsonl(path("again.jsonl"));
  EXPECT_EQ(read_bytes(path("again.jsonl")), read_bytes(path("records.jsonl")));
}

// Files written before re-measures existed get the table when opened.
TEST_F(DatabaseTest, OlderFileWithoutRemeasuresGetsTheTable) {
  {
    Database db = Database::open(path());
    db.commit_batch(matmul(64), cpu(), {record("a", 5)});
  }
  query(path(), "DROP TABLE remeasures");
  {
    // The first version of the table, before re-measures carried a scale.
    Database::open(path());
    query(path(), "DROP TABLE remeasures");
    query(path(), "CREATE TABLE remeasures(id INTEGER PRIMARY KEY, record_id INTEGER NOT NULL, costs TEXT NOT NULL, "
                  "median_us REAL NOT NULL, ok INTEGER NOT NULL, error_kind TEXT NOT NULL, error_text TEXT NOT NULL, "
                  "timestamp INTEGER NOT NULL)");
  }
  Database db = Database::open(path());
  std::optional<TuningRecord> best = db.best(matmul(64), cpu());
  ASSERT_TRUE(best.has_value());
  db.commit_remeasures({remeasure(best->id, 7)});
  EXPECT_DOUBLE_EQ(db.best(matmul(64), cpu())->cost_us(), 7);
}

// A schedule tuned for one thread is not the best for two: records are kept
// per thread count, and files from before get one thread for their targets.
TEST_F(DatabaseTest, RecordsAreKeptPerThreadCount) {
  TargetRecord two = cpu();
  two.threads = 2;
  EXPECT_EQ(cpu().key().find("threads"), std::string::npos) << "one-thread keys are as before";
  EXPECT_NE(two.key(), cpu().key());
  EXPECT_NE(two.key().find(" threads=2@"), std::string::npos) << two.key();
  {
    Database db = Database::open(path());
    db.commit_batch(matmul(64), cpu(), {record("one", 5)});
    db.commit_batch(matmul(64), two, {record("two", 3)});
    EXPECT_EQ(db.best(matmul(64), cpu())->trace_json, "one");
    EXPECT_EQ(db.best(matmul(64), two)->trace_json, "two");
    std::vector<TargetRecord> targets = db.targets();
    ASSERT_EQ(targets.size(), 2u);
    EXPECT_EQ(targets[0].threads + targets[1].threads, 3);
    db.export_jsonl(path("records.jsonl"));
  }
  Database copy = Database::open(path("copy.db"));
  EXPECT_EQ(copy.import_jsonl(path("records.jsonl")), 2);
  EXPECT_EQ(copy.best(matmul(64), two)->trace_json, "two");
  EXPECT_EQ(copy.records(matmul(64), cpu()).size(), 1u);

  // A targets table from before the column: its targets were timed with one thread.
  {
    Database db = Database::open(path("old.db"));
    db.commit_batch(matmul(64), cpu(), {record("old", 4)});
  }
  query(path("old.db"), "ALTER TABLE targets DROP COLUMN threads");
  Database old = Database::open(path("old.db"));
  EXPECT_EQ(old.best(matmul(64), cpu())->trace_json, "old");
  ASSERT_EQ(old.targets().size(), 1u);
  EXPECT_EQ(old.targets()[0].threads, 1);
}

}  // namespace
}  // namespace anvil
