// The SQLite tuning database (see Database.h): schema, validation of existing
// files before anything is written to them, batched commits, JSON-lines
// export/import and pruning.
#include "anvil/autotune/Database.h"

#include <sqlite3.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "anvil/support/Error.h"

namespace anvil {

namespace {

// "ANVL": PRAGMA application_id of every Anvil tuning database.
constexpr int32_t kApplicationId = 0x414E564C;
// PRAGMA user_version: bump when the schema changes incompatibly.
constexpr int32_t kSchemaVersion = 1;
#ifndef ANVIL_VERSION_STRING
#error "ANVIL_VERSION_STRING is set by src/autotune/CMakeLists.txt"
#endif

// How long a writer waits for another process's transaction before failing.
constexpr int kBusyTimeoutMs = 30000;

std::string fnv1a_hex(const std::string& text) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64-bit offset basis
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// One prepared statement; finalized when it goes out of scope.
class SqlStatement {
 public:
  SqlStatement(sqlite3* db, const std::string& path, const char* sql) : db_(db), path_(path) {
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) fail("prepare", rc);
  }
  ~SqlStatement() { sqlite3_finalize(stmt_); }
  SqlStatement(const SqlStatement&) = delete;
  SqlStatement& operator=(const SqlStatement&) = delete;

  SqlStatement& bind(int i, const std::string& v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  SqlStatement& bind(int i, int64_t v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  SqlStatement& bind(int i, double v) {
    check(sqlite3_bind_double(stmt_, i, v));
    return *this;
  }
  // True while a row is available.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("step", rc);
  }
  void run() {
    while (step()) {
    }
    sqlite3_reset(stmt_);
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double f64(int col) const { return sqlite3_column_double(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, col)) : "";
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail("bind", rc);
  }
  [[noreturn]] void fail(const char* what, int rc) {
    std::string msg = sqlite3_errmsg(db_), code = sqlite3_errstr(rc);
    throw UserError("tuning database " + path_ + ": " + what + " failed: " + msg +
                    (msg == code ? "" : " (" + code + ")"));
  }
  sqlite3* db_;
  std::string path_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const std::string& path, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw UserError("tuning database " + path + ": " + msg + " (running: " + sql + ")");
  }
}

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS workloads(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS targets(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, target TEXT NOT NULL,
                                   fingerprint TEXT NOT NULL, threads INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS records(
  id INTEGER PRIMARY KEY,
  workload_id INTEGER NOT NULL REFERENCES workloads(id),
  target_id INTEGER NOT NULL REFERENCES targets(id),
  trace TEXT NOT NULL,
  costs TEXT NOT NULL,
  median_us REAL NOT NULL,
  ok INTEGER NOT NULL,
  error_kind TEXT NOT NULL,
  error_text TEXT NOT NULL,
  build_s REAL NOT NULL,
  run_s REAL NOT NULL,
  anvil_version TEXT NOT NULL,
  format_version INTEGER NOT NULL,
  timestamp INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS records_best ON records(workload_id, target_id, ok, median_us);
INSERT OR IGNORE INTO meta(key, value) VALUES ('application', 'anvil-tuning-database');
)sql";

// Later timings of a record's trace (Database::commit_remeasures). Additive to
// schema version 1: created in older files when they are opened.
const char* kRemeasureSchema = R"sql(
CREATE TABLE IF NOT EXISTS remeasures(
  id INTEGER PRIMARY KEY,
  record_id INTEGER NOT NULL REFERENCES records(id),
  costs TEXT NOT NULL,
  median_us REAL NOT NULL,
  ok INTEGER NOT NULL,
  error_kind TEXT NOT NULL,
  error_text TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  scale REAL NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS remeasures_record ON remeasures(record_id, id);
)sql";

// A valid record's cost: its latest re-measurement's median when it has one.
// Joined as `v`; records whose latest re-measurement failed are not valid.
const char* kLatestRemeasureJoin =
    " LEFT JOIN remeasures v ON v.id = (SELECT max(id) FROM remeasures WHERE record_id = r.id)";
const char* kValidRecord = "r.ok = 1 AND (v.id IS NULL OR v.ok = 1)";
const char* kRecordCost = "COALESCE(v.median_us / v.scale, r.median_us)";

// The columns of `records` as read back, in the order record_from_row expects.
const char* kRecordColumns =
    "r.id, w.key, t.key, r.trace, r.costs, r.median_us, r.ok, r.error_kind, r.error_text, r.build_s, "
    "r.run_s, r.anvil_version, r.format_version, r.timestamp";
// kRecordColumns plus the latest re-measurement (needs kLatestRemeasureJoin).
const char* kRecordColumnsRemeasured =
    "r.id, w.key, t.key, r.trace, r.costs, r.median_us, r.ok, r.error_kind, r.error_text, r.build_s, "
    "r.run_s, r.anvil_version, r.format_version, r.timestamp, v.median_us / v.scale, "
    "(SELECT count(*) FROM remeasures WHERE record_id = r.id)";

TuningRecord record_from_row(const SqlStatement& s) {
  TuningRecord r;
  r.id = s.i64(0);
  r.workload_key = s.text(1);
  r.target_key = s.text(2);
  r.trace_json = s.text(3);
  r.costs_us = nlohmann::json::parse(s.text(4)).get<std::vector<double>>();
  r.median_us = s.f64(5);
  r.ok = s.i64(6) != 0;
  r.error_kind = s.text(7);
  r.error_text = s.text(8);
  r.build_seconds = s.f64(9);
  r.run_seconds = s.f64(10);
  r.anvil_version = s.text(11);
  r.format_version = static_cast<int>(s.i64(12));
  r.timestamp = s.i64(13);
  return r;
}

// A row of kRecordColumnsRemeasured.
TuningRecord remeasured_record_from_row(const SqlStatement& s) {
  TuningRecord r = record_from_row(s);
  if (!s.is_null(14)) r.remeasured_us = s.f64(14);
  r.remeasures = static_cast<int>(s.i64(15));
  return r;
}

int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t pragma_int(sqlite3* db, const std::string& path, const char* sql) {
  SqlStatement s(db, path, sql);
  return s.step() ? s.i64(0) : 0;
}

// Checks an existing file without writing to it: SQLite header, application
// id, schema version, and PRAGMA quick_check. Returns true when the file is an
// empty SQLite database that may be initialised.
bool validate_existing(const std::string& path) {
  {
    std::ifstream in(path, std::ios::binary);
    ANVIL_USER_CHECK(in, "tuning database " << path << ": cannot be read");
    char header[16] = {};
    in.read(header, sizeof header);
    if (in.gcount() == 0) return true;  // an empty file is an empty SQLite database
    ANVIL_USER_CHECK(in.gcount() == 16 && std::string(header, 16) == std::string("SQLite format 3\0", 16),
                     "tuning database " << path << ": is not an SQLite database (left untouched; "
                                        << "pass another path with --db or move the file away)");
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  struct Closer {
    sqlite3* db;
    ~Closer() { sqlite3_close_v2(db); }
  } closer{db};
  ANVIL_USER_CHECK(rc == SQLITE_OK, "tuning database " << path << ": cannot be opened: " << sqlite3_errstr(rc));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  auto corrupt = [&](const std::string& why) {
    return UserError("tuning database " + path + ": is corrupt (" + why +
                     "); left untouched: restore it from an export or move it away");
  };
  // After a failed read: corruption, or (say, locked for 30 s) something else.
  // The statements' own messages name the path already: keep SQLite's words only.
  auto read_failed = [&] {
    int code = sqlite3_errcode(db) & 0xff;
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return corrupt(sqlite3_errmsg(db));
    return UserError("tuning database " + path + ": cannot be read: " + sqlite3_errmsg(db));
  };
  int64_t app_id = 0, version = 0, tables = 0;
  try {
    app_id = pragma_int(db, path, "PRAGMA application_id");
    version = pragma_int(db, path, "PRAGMA user_version");
    tables = pragma_int(db, path, "SELECT count(*) FROM sqlite_master");
  } catch (const UserError&) {
    throw read_failed();
  }
  if (app_id == 0 && version == 0 && tables == 0) return true;  // created but not yet initialised
  ANVIL_USER_CHECK(app_id == kApplicationId,
                   "tuning database " << path << ": is an SQLite database of another application (application id "
                                      << app_id << ", Anvil's is " << kApplicationId << " \"ANVL\"); left untouched");
  ANVIL_USER_CHECK(version == kSchemaVersion, "tuning database " << path << ": has schema version " << version
                                                                 << ", this Anvil reads version " << kSchemaVersion
                                                                 << "; left untouched");
  std::string result;
  try {
    SqlStatement s(db, path, "PRAGMA quick_check(1)");
    if (s.step()) result = s.text(0);
  } catch (const UserError&) {
    throw read_failed();
  }
  if (result != "ok") throw corrupt("quick_check: " + result);
  return false;
}

// Switching a new file to WAL needs an exclusive lock, and SQLite answers BUSY
// at once rather than wait for it (waiting could deadlock two connections that
// both read first): retry while another process creates the file too.
void enable_wal(sqlite3* db, const std::string& path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (int attempt = 0;; ++attempt) {
    std::string mode;
    char* err = nullptr;
    int rc = sqlite3_exec(
        db, "PRAGMA journal_mode=WAL",
        [](void* out, int, char** values, char**) {
          *static_cast<std::string*>(out) = values[0] ? values[0] : "";
          return 0;
        },
        &mode, &err);
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    if (rc == SQLITE_OK) {
      ANVIL_USER_CHECK(mode == "wal", "tuning database " << path << ": cannot use WAL mode (journal mode is '"
                                                         << mode << "'); is it on a network file system?");
      return;
    }
    ANVIL_USER_CHECK((rc & 0xff) == SQLITE_BUSY && std::chrono::steady_clock::now() < deadline,
                     "tuning database " << path << ": cannot switch to WAL mode: " << msg);
    usleep(static_cast<useconds_t>(std::min(1000 * (attempt + 1), 20000)));
  }
}

}  // namespace

std::string TargetRecord::key() const {
  return target + (threads == 1 ? "" : " threads=" + std::to_string(threads)) + "@" + fnv1a_hex(fingerprint);
}

std::string host_fingerprint() {
  static const std::string fingerprint = [] {
    std::ifstream in("/proc/cpuinfo");
    std::string line, model;
    std::set<std::string> flags;
    bool have_flags = false;
    while (std::getline(in, line)) {
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      name.erase(name.find_last_not_of(" \t") + 1);
      std::string value = colon + 1 < line.size() ? line.substr(colon + 1) : "";
      value.erase(0, value.find_first_not_of(" \t") == std::string::npos ? value.size()
                                                                           : value.find_first_not_of(" \t"));
      // x86 says "model name"/"flags"; AArch64 says "Features" and has no model name.
      if (model.empty() && (name == "model name" || name == "Hardware" || name == "CPU part")) model = value;
      if (!have_flags && (name == "flags" || name == "Features")) {
        std::istringstream words(value);
        std::string w;
        while (words >> w) flags.insert(w);
        have_flags = true;
      }
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    nlohmann::json j = {{"model", model.empty() ? "unknown" : model},
                        {"flags", std::vector<std::string>(flags.begin(), flags.end())},
                        {"cpus", cpus}};
    return j.dump();  // keys sorted, flags sorted: canonical
  }();
  return fingerprint;
}

struct Database::Impl {
  std::string path;
  sqlite3* db = nullptr;
  ~Impl() { sqlite3_close_v2(db); }

  void exec(const char* sql) { anvil::exec(db, path, sql); }

  // Runs `body` inside BEGIN IMMEDIATE … COMMIT, rolling back on any failure.
  template <typename F>
  void transaction(F&& body) {
    exec("BEGIN IMMEDIATE");
    try {
      body();
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  int64_t workload_id(const std::string& key, const std::string& hash) {
    SqlStatement(db, path, "INSERT OR IGNORE INTO workloads(key, hash) VALUES (?1, ?2)").bind(1, key).bind(2, hash).run();
    SqlStatement s(db, path, "SELECT id FROM workloads WHERE key = ?1");
    s.bind(1, key);
    ANVIL_ASSERT(s.step(), "workload row missing after insert");
    return s.i64(0);
  }
  int64_t target_id(const TargetRecord& t) {
    SqlStatement(db, path,
                 "INSERT OR IGNORE INTO targets(key, target, fingerprint, threads) VALUES (?1, ?2, ?3, ?4)")
        .bind(1, t.key())
        .bind(2, t.target)
        .bind(3, t.fingerprint)
        .bind(4, int64_t(t.threads))
        .run();
    SqlStatement s(db, path, "SELECT id FROM targets WHERE key = ?1");
    s.bind(1, t.key());
    ANVIL_ASSERT(s.step(), "target row missing after insert");
    return s.i64(0);
  }

  // Binds the record's fields to ?3..?14 in the records column order.
  static void bind_record(SqlStatement& s, const TuningRecord& r) {
    s.bind(3, r.trace_json)
        .bind(4, nlohmann::json(r.costs_us).dump())
        .bind(5, r.median_us)
        .bind(6, int64_t(r.ok ? 1 : 0))
        .bind(7, r.error_kind)
        .bind(8, r.error_text)
        .bind(9, r.build_seconds)
        .bind(10, r.run_seconds)
        .bind(11, r.anvil_version)
        .bind(12, int64_t(r.format_version))
        .bind(13, r.timestamp);
  }
  // Binds a re-measure to ?1..?8 in the remeasures column order; a timestamp
  // of 0 becomes `now`.
  static void bind_remeasure(SqlStatement& s, const Remeasure& m, int64_t now) {
    s.bind(1, m.record_id)
        .bind(2, nlohmann::json(m.costs_us).dump())
        .bind(3, m.median_us)
        .bind(4, int64_t(m.ok ? 1 : 0))
        .bind(5, m.error_kind)
        .bind(6, m.error_text)
        .bind(7, m.timestamp == 0 ? now : m.timestamp)
        .bind(8, m.scale);
  }
};

Database::Database(Impl* impl) : impl_(impl) {}
Database::~Database() { delete impl_; }
Database::Database(Database&& o) noexcept : impl_(o.impl_) { o.impl_ = nullptr; }
Database& Database::operator=(Database&& o) noexcept {
  if (this != &o) {
    delete impl_;
    impl_ = o.impl_;
    o.impl_ = nullptr;
  }
  return *this;
}

const std::string& Database::path() const { return impl_->path; }

Database Database::open(const std::string& path) {
  namespace fs = std::filesystem;
  ANVIL_USER_CHECK(!path.empty(), "tuning database: empty path");
  std::error_code ec;
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    ANVIL_USER_CHECK(!ec, "tuning database " << path << ": cannot create folder " << parent.string() << ": "
                                             << ec.message());
  }
  ANVIL_USER_CHECK(!fs::exists(path) || fs::is_regular_file(path),
                   "tuning database " << path << ": is not a regular file");
  if (fs::exists(path)) validate_existing(path);

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  int rc = sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  ANVIL_USER_CHECK(rc == SQLITE_OK, "tuning database " << path << ": cannot be opened: " << sqlite3_errstr(rc));
  sqlite3_busy_timeout(impl->db, kBusyTimeoutMs);
  // WAL lets readers and one writer work at once; synchronous=NORMAL keeps every
  // committed transaction across a killed process (only a power cut may lose the
  // last ones, never corrupt the file).
  enable_wal(impl->db, path);
  impl->exec("PRAGMA synchronous=NORMAL");
  // Several processes may create the file at once: initialise under the write
  // lock, and check again what the winner wrote.
  impl->transaction([&] {
    int64_t app_id = pragma_int(impl->db, path, "PRAGMA application_id");
    int64_t version = pragma_int(impl->db, path, "PRAGMA user_version");
    int64_t tables = pragma_int(impl->db, path, "SELECT count(*) FROM sqlite_master");
    if (app_id == 0 && version == 0 && tables == 0) {
      impl->exec(kSchema);
      impl->exec(("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '" +
                   std::to_string(kSchemaVersion) + "')")
                     .c_str());
      impl->exec(("PRAGMA application_id=" + std::to_string(kApplicationId)).c_str());
      impl->exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    } else {
      ANVIL_USER_CHECK(app_id == kApplicationId && version == kSchemaVersion,
                       "tuning database " << path << ": is not an Anvil tuning database of schema version "
                                          << kSchemaVersion << " (application id " << app_id
                                          << ", version " << version << ")");
    }
    // targets tables written before records were kept per thread count.
    if (pragma_int(impl->db, path, "SELECT count(*) FROM pragma_table_info('targets') WHERE name = 'threads'") == 0)
      impl->exec("ALTER TABLE targets ADD COLUMN threads INTEGER NOT NULL DEFAULT 1");
    impl->exec(kRemeasureSchema);
    // remeasures tables written before re-measures carried their pass's scale.
    if (pragma_int(impl->db, path, "SELECT count(*) FROM pragma_table_info('remeasures') WHERE name = 'scale'") == 0)
      impl->exec("ALTER TABLE remeasures ADD COLUMN scale REAL NOT NULL DEFAULT 1");
  });
  return Database(impl.release());
}

void Database::commit_batch(const Workload& w, const TargetRecord& t, const std::vector<TuningRecord>& records) {
  const std::string wkey = w.key(), tkey = t.key();
  for (size_t i = 0; i < records.size(); ++i) {
    const TuningRecord& r = records[i];
    ANVIL_USER_CHECK(r.workload_key.empty() || r.workload_key == wkey,
                     "commit_batch: record " << i << " is for workload " << r.workload_key << ", not " << wkey);
    ANVIL_USER_CHECK(r.target_key.empty() || r.target_key == tkey,
                     "commit_batch: record " << i << " is for target " << r.target_key << ", not " << tkey);
    ANVIL_USER_CHECK(!r.ok || r.median_us > 0, "commit_batch: record " << i << " is ok but has median "
                                                                        << r.median_us << " us");
  }
  const int64_t now = now_unix();
  impl_->transaction([&] {
    int64_t wid = impl_->workload_id(wkey, w.hash());
    int64_t tid = impl_->target_id(t);
    SqlStatement s(impl_->db, impl_->path,
           "INSERT INTO records(workload_id, target_id, trace, costs, median_us, ok, error_kind, error_text, "
           "build_s, run_s, anvil_version, format_version, timestamp) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    for (const TuningRecord& r : records) {
      s.reset();
      s.bind(1, wid).bind(2, tid);
      Impl::bind_record(s, r);
      if (r.anvil_version.empty()) s.bind(11, std::string(ANVIL_VERSION_STRING));
      if (r.timestamp == 0) s.bind(13, now);
      s.run();
    }
  });
}

std::vector<TuningRecord> Database::records(const Workload& w, const TargetRecord& t) const {
  SqlStatement s(impl_->db, impl_->path,
         (std::string("SELECT ") + kRecordColumns +
          " FROM records r JOIN workloads w ON r.workload_id = w.id JOIN targets t ON r.target_id = t.id"
          " WHERE w.key = ?1 AND t.key = ?2 ORDER BY r.id")
             .c_str());
  s.bind(1, w.key()).bind(2, t.key());
  std::vector<TuningRecord> out;
  while (s.step()) out.push_back(record_from_row(s));
  return out;
}

std::optional<TuningRecord> Database::best(const Workload& w, const TargetRecord& t) const {
  std::vector<TuningRecord> one = top(w, t, 1);
  if (one.empty()) return std::nullopt;
  return std::move(one.front());
}

std::vector<TuningRecord> Database::top(const Workload& w, const TargetRecord& t, int k) const {
  ANVIL_USER_CHECK(k >= 0, "top: k must be >= 0, got " << k);
  SqlStatement s(impl_->db, impl_->path,
         (std::string("SELECT ") + kRecordColumnsRemeasured +
          " FROM records r JOIN workloads w ON r.workload_id = w.id JOIN targets t ON r.target_id = t.id" +
          kLatestRemeasureJoin + " WHERE w.key = ?1 AND t.key = ?2 AND " + kValidRecord + " ORDER BY " +
          kRecordCost + ", r.id LIMIT ?3")
             .c_str());
  s.bind(1, w.key()).bind(2, t.key()).bind(3, int64_t(k));
  std::vector<TuningRecord> out;
  while (s.step()) out.push_back(remeasured_record_from_row(s));
  return out;
}

void Database::commit_remeasures(const std::vector<Remeasure>& remeasures) {
  for (size_t i = 0; i < remeasures.size(); ++i)
    ANVIL_USER_CHECK((!remeasures[i].ok || remeasures[i].median_us > 0) && remeasures[i].scale > 0,
                     "commit_remeasures: re-measure " << i << " is ok but has median " << remeasures[i].median_us
                                                      << " us, or a scale of " << remeasures[i].scale);
  const int64_t now = now_unix();
  impl_->transaction([&] {
    SqlStatement known(impl_->db, impl_->path, "SELECT 1 FROM records WHERE id = ?1");
    SqlStatement ins(impl_->db, impl_->path,
                     "INSERT INTO remeasures(record_id, costs, median_us, ok, error_kind, error_text, timestamp, "
                     "scale) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    for (const Remeasure& m : remeasures) {
      known.reset();
      known.bind(1, m.record_id);
      ANVIL_USER_CHECK(known.step(), "commit_remeasures: no record " << m.record_id << " in " << impl_->path
                                                                     << " (pruned meanwhile?)");
      known.reset();
      ins.reset();
      Impl::bind_remeasure(ins, m, now);
      ins.run();
    }
  });
}

std::vector<Remeasure> Database::remeasures(int64_t record_id) const {
  SqlStatement s(impl_->db, impl_->path,
                 "SELECT record_id, costs, median_us, ok, error_kind, error_text, timestamp, scale FROM remeasures "
                 "WHERE record_id = ?1 ORDER BY id");
  s.bind(1, record_id);
  std::vector<Remeasure> out;
  while (s.step()) {
    Remeasure m;
    m.record_id = s.i64(0);
    m.costs_us = nlohmann::json::parse(s.text(1)).get<std::vector<double>>();
    m.median_us = s.f64(2);
    m.ok = s.i64(3) != 0;
    m.error_kind = s.text(4);
    m.error_text = s.text(5);
    m.timestamp = s.i64(6);
    m.scale = s.f64(7);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::string> Database::workloads(const TargetRecord& t) const {
  SqlStatement s(impl_->db, impl_->path,
         "SELECT DISTINCT w.key FROM records r JOIN workloads w ON r.workload_id = w.id "
         "JOIN targets t ON r.target_id = t.id WHERE t.key = ?1 ORDER BY w.key");
  s.bind(1, t.key());
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<TargetRecord> Database::targets() const {
  SqlStatement s(impl_->db, impl_->path, "SELECT target, fingerprint, threads FROM targets ORDER BY key");
  std::vector<TargetRecord> out;
  while (s.step()) out.push_back(TargetRecord{s.text(0), s.text(1), static_cast<int>(s.i64(2))});
  return out;
}

std::vector<WorkloadSummary> Database::summary() const {
  SqlStatement s(impl_->db, impl_->path,
         (std::string("SELECT w.key, t.key, count(*), sum(r.ok), min(CASE WHEN ") + kValidRecord + " THEN " +
          kRecordCost + " END) FROM records r JOIN workloads w ON r.workload_id = w.id JOIN targets t ON "
          "r.target_id = t.id" + kLatestRemeasureJoin + " GROUP BY w.key, t.key ORDER BY w.key, t.key")
             .c_str());
  std::vector<WorkloadSummary> out;
  while (s.step()) {
    WorkloadSummary ws;
    ws.workload_key = s.text(0);
    ws.target_key = s.text(1);
    ws.records = s.i64(2);
    ws.ok_records = s.i64(3);
    if (ws.ok_records > 0) ws.best_us = s.f64(4);
    out.push_back(ws);
  }
  return out;
}

int64_t Database::count() const { return pragma_int(impl_->db, impl_->path, "SELECT count(*) FROM records"); }

void Database::export_jsonl(const std::string& path) const {
  SqlStatement s(impl_->db, impl_->path,
         (std::string("SELECT ") + kRecordColumns +
          ", t.target, t.fingerprint, t.threads FROM records r JOIN workloads w ON r.workload_id = w.id "
          "JOIN targets t ON r.target_id = t.id ORDER BY r.id")
             .c_str());
  // Written next to the destination and renamed, so a failed export never
  // leaves half a file where a good one was.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    ANVIL_USER_CHECK(out, "export: cannot write '" << tmp << "'");
    while (s.step()) {
      TuningRecord r = record_from_row(s);
      nlohmann::json j = {{"workload", r.workload_key},
                          {"target", {{"target", s.text(14)}, {"fingerprint", s.text(15)}}},
                          {"trace", r.trace_json},
                          {"costs_us", r.costs_us},
                          {"median_us", r.median_us},
                          {"ok", r.ok},
                          {"error_kind", r.error_kind},
                          {"error_text", r.error_text},
                          {"build_s", r.build_seconds},
                          {"run_s", r.run_seconds},
                          {"anvil_version", r.anvil_version},
                          {"format_version", r.format_version},
                          {"timestamp", r.timestamp}};
      std::vector<Remeasure> later = remeasures(r.id);
      if (!later.empty()) {
        nlohmann::json list = nlohmann::json::array();
        for (const Remeasure& m : later)
          list.push_back({{"costs_us", m.costs_us},
                          {"median_us", m.median_us},
                          {"ok", m.ok},
                          {"error_kind", m.error_kind},
                          {"error_text", m.error_text},
                          {"timestamp", m.timestamp},
                          {"scale", m.scale}});
        j["remeasures"] = std::move(list);
      }
      if (s.i64(16) != 1) j["target"]["threads"] = s.i64(16);
      out << j.dump() << '\n';
    }
    out.flush();
    ANVIL_USER_CHECK(out, "export: writing '" << tmp << "' failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  ANVIL_USER_CHECK(!ec, "export: cannot move '" << tmp << "' to '" << path << "': " << ec.message());
}

int64_t Database::import_jsonl(const std::string& path) {
  std::ifstream in(path);
  ANVIL_USER_CHECK(in, "import: cannot read '" << path << "'");
  struct Item {
    Workload workload;
    TargetRecord target;
    TuningRecord record;
    std::vector<Remeasure> remeasures;
  };
  // Every line is checked before anything is written: a bad file imports nothing.
  std::vector<Item> items;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      nlohmann::json j = nlohmann::json::parse(line);
      ANVIL_USER_CHECK(j.is_object(), "not a JSON object");
      for (const char* field : {"workload", "target", "trace", "costs_us", "median_us", "ok"})
        ANVIL_USER_CHECK(j.contains(field), "missing field '" << field << "'");
      Item it;
      it.workload = Workload::from_key(j.at("workload").get<std::string>());
      it.target.target = j.at("target").at("target").get<std::string>();
      it.target.fingerprint = j.at("target").at("fingerprint").get<std::string>();
      it.target.threads = j.at("target").value("threads", 1);
      ANVIL_USER_CHECK(it.target.threads >= 1, "target threads must be positive, got " << it.target.threads);
      TuningRecord& r = it.record;
      r.trace_json = j.at("trace").get<std::string>();
      r.costs_us = j.at("costs_us").get<std::vector<double>>();
      r.median_us = j.at("median_us").get<double>();
      r.ok = j.at("ok").get<bool>();
      r.error_kind = j.value("error_kind", "");
      r.error_text = j.value("error_text", "");
      r.build_seconds = j.value("build_s", 0.0);
      r.run_seconds = j.value("run_s", 0.0);
      r.anvil_version = j.value("anvil_version", "");
      r.format_version = j.value("format_version", 0);
      r.timestamp = j.value("timestamp", int64_t(0));
      if (j.contains("remeasures")) {
        for (const nlohmann::json& jm : j.at("remeasures")) {
          Remeasure m;
          m.costs_us = jm.at("costs_us").get<std::vector<double>>();
          m.median_us = jm.at("median_us").get<double>();
          m.ok = jm.at("ok").get<bool>();
          m.error_kind = jm.value("error_kind", "");
          m.error_text = jm.value("error_text", "");
          m.timestamp = jm.value("timestamp", int64_t(0));
          m.scale = jm.value("scale", 1.0);
          ANVIL_USER_CHECK(m.scale > 0, "re-measure scale must be positive, got " << m.scale);
          it.remeasures.push_back(std::move(m));
        }
      }
      items.push_back(std::move(it));
    } catch (const std::exception& e) {  // nlohmann's parse/type errors and ours
      throw UserError("import: " + path + ":" + std::to_string(n) + ": " + e.what());
    }
  }
  int64_t imported = 0;
  impl_->transaction([&] {
    SqlStatement dup(impl_->db, impl_->path,
             "SELECT id FROM records WHERE workload_id = ?1 AND target_id = ?2 AND trace = ?3 AND costs = ?4 "
             "AND median_us = ?5 AND ok = ?6 AND error_kind = ?7 AND error_text = ?8 AND build_s = ?9 "
             "AND run_s = ?10 AND anvil_version = ?11 AND format_version = ?12 AND timestamp = ?13 LIMIT 1");
    SqlStatement ins(impl_->db, impl_->path,
             "INSERT INTO records(workload_id, target_id, trace, costs, median_us, ok, error_kind, error_text, "
             "build_s, run_s, anvil_version, format_version, timestamp) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    // A record already present gets the re-measures it lacks.
    SqlStatement dup_remeasure(impl_->db, impl_->path,
                               "SELECT 1 FROM remeasures WHERE record_id = ?1 AND costs = ?2 AND median_us = ?3 "
                               "AND ok = ?4 AND error_kind = ?5 AND error_text = ?6 AND timestamp = ?7 AND scale = ?8 "
                               "LIMIT 1");
    SqlStatement ins_remeasure(impl_->db, impl_->path,
                               "INSERT INTO remeasures(record_id, costs, median_us, ok, error_kind, error_text, "
                               "timestamp, scale) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    for (const Item& it : items) {
      int64_t wid = impl_->workload_id(it.workload.key(), it.workload.hash());
      int64_t tid = impl_->target_id(it.target);
      dup.reset();
      dup.bind(1, wid).bind(2, tid);
      Impl::bind_record(dup, it.record);
      int64_t record_id = dup.step() ? dup.i64(0) : 0;
      dup.reset();
      if (record_id == 0) {
        ins.reset();
        ins.bind(1, wid).bind(2, tid);
        Impl::bind_record(ins, it.record);
        ins.run();
        record_id = sqlite3_last_insert_rowid(impl_->db);
        ++imported;
      }
      for (Remeasure m : it.remeasures) {
        m.record_id = record_id;
        dup_remeasure.reset();
        Impl::bind_remeasure(dup_remeasure, m, 0);
        bool known = dup_remeasure.step();
        dup_remeasure.reset();
        if (known) continue;
        ins_remeasure.reset();
        Impl::bind_remeasure(ins_remeasure, m, 0);
        ins_remeasure.run();
      }
    }
  });
  return imported;
}

int64_t Database::prune(int keep) {
  ANVIL_USER_CHECK(keep >= 0, "prune: keep must be >= 0, got " << keep);
  int64_t removed = 0;
  impl_->transaction([&] {
    // Ranked by cost as best() ranks them (the latest re-measurement counts).
    SqlStatement s(impl_->db, impl_->path,
           (std::string("DELETE FROM records WHERE id NOT IN (SELECT id FROM (SELECT r.id AS id, ROW_NUMBER() OVER "
                        "(PARTITION BY r.workload_id, r.target_id ORDER BY ") +
            kRecordCost + ", r.id) AS rank FROM records r" + kLatestRemeasureJoin + " WHERE " + kValidRecord +
            ") WHERE rank <= ?1)")
               .c_str());
    s.bind(1, int64_t(keep));
    s.run();
    removed = sqlite3_changes64(impl_->db);
    impl_->exec("DELETE FROM remeasures WHERE record_id NOT IN (SELECT id FROM records)");
  });
  return removed;
}

}  // namespace anvil
