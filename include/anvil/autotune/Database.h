// The tuning database: SQLite (WAL mode), tables for workloads, targets (with
// a hardware fingerprint) and records (trace, decisions, costs, errors, build
// and run times, versions, timestamp). One transaction per measured batch, so
// a killed tuner loses nothing it committed; several tuners may write at once.
// A file that is not a valid Anvil database is reported, never overwritten.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "anvil/autotune/Workload.h"

namespace anvil {

// The machine a target string runs on, as recorded with every result.
struct TargetRecord {
  std::string target;       // canonical target string, e.g. "llvm -mcpu=native"
  std::string fingerprint;  // JSON: cpu model, ISA features, cores (see host_fingerprint)
  std::string key() const;  // target + fingerprint hash: results are kept per machine kind
};

// The fingerprint of this machine (cpu model, flags, core count).
std::string host_fingerprint();

struct TuningRecord {
  int64_t id = 0;            // assigned by the database
  std::string workload_key;  // Workload::key()
  std::string target_key;    // TargetRecord::key()
  std::string trace_json;    // Trace::to_json()
  std::vector<double> costs_us;  // the timed samples (empty when failed)
  double median_us = 0;
  bool ok = false;
  std::string error_kind;  // "", "build", "crash", "timeout", "wrong_result", "runtime"
  std::string error_text;
  double build_seconds = 0;
  double run_seconds = 0;
  std::string anvil_version;
  int format_version = 0;
  int64_t timestamp = 0;  // unix seconds
};

class Database {
 public:
  // Opens or creates the database at `path` (its folder is created). Throws
  // UserError naming the file when it exists but is not an Anvil tuning
  // database (or is corrupt); the file is left untouched.
  static Database open(const std::string& path);
  ~Database();
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;

  // Appends a measured batch in one transaction.
  void commit_batch(const Workload& w, const TargetRecord& t, const std::vector<TuningRecord>& records);
  std::vector<TuningRecord> records(const Workload& w, const TargetRecord& t) const;
  // The fastest valid record, if any.
  std::optional<TuningRecord> best(const Workload& w, const TargetRecord& t) const;
  // Every workload key with at least one record for `t`.
  std::vector<std::string> workloads(const TargetRecord& t) const;
  int64_t count() const;

  // JSON lines, one record per line with its workload and target.
  void export_jsonl(const std::string& path) const;
  int64_t import_jsonl(const std::string& path);  // returns the number imported
  // Keeps the `keep` fastest valid records per workload and target; returns the number removed.
  int64_t prune(int keep);

  const std::string& path() const;

 private:
  struct Impl;
  explicit Database(Impl* impl);
  Impl* impl_;
};

}  // namespace anvil
