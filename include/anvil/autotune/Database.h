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
  // Threads the kernels were timed with: a schedule tuned for one thread is
  // not the best for two (its parallel loops are sized for one core).
  int threads = 1;
  // target [+ " threads=N" when not 1] + "@" + FNV-1a of the fingerprint (16
  // hex digits): results are kept per machine kind and thread count.
  std::string key() const;
};

// The fingerprint of this machine as canonical JSON (sorted keys):
// {"cpus":N,"flags":[sorted ISA flags],"model":"cpu model name"}.
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
  // Filled by best() and top(): the latest re-measure's median divided by its
  // scale (in the trials' terms), if the record was re-measured, and how many
  // re-measures it has.
  std::optional<double> remeasured_us;
  int remeasures = 0;
  // What the record costs now: its latest re-measurement, else its own median.
  double cost_us() const { return remeasured_us.value_or(median_us); }
};

// A later timing of a record's trace on the same machine and target. The
// fastest of a thousand noisy trials is biased low (it is fast and lucky), so
// the tuner times its best few again, back to back, and the latest
// re-measure is what a record costs from then on: its median divided by
// `scale`, how much slower the machine ran during the re-measuring pass than
// during the trials (the pass's lower-median ratio of re-measured to trial
// medians). Divided so, re-measured costs compare with the costs of records
// never re-measured: timed while another process loads the machine, every
// re-measure would otherwise lose to any old record.
struct Remeasure {
  int64_t record_id = 0;
  std::vector<double> costs_us;
  double median_us = 0;
  bool ok = false;  // a failed re-measure (crash, timeout) makes the record invalid
  std::string error_kind;
  std::string error_text;
  int64_t timestamp = 0;  // unix seconds; 0: now
  double scale = 1.0;     // > 0
};

// One line of `anvil db list`: the records of one workload on one target.
struct WorkloadSummary {
  std::string workload_key;
  std::string target_key;
  int64_t records = 0;
  int64_t ok_records = 0;
  std::optional<double> best_us;  // the lowest valid cost_us(), if any record is valid
};

class Database {
 public:
  // Opens or creates the database at `path` (its folder is created). Throws
  // UserError naming the file when it exists but is not an Anvil tuning
  // database: not SQLite, another application id, another schema version
  // (PRAGMA application_id / user_version), or corrupt (PRAGMA quick_check,
  // which reads the whole file: ~0.2 s for 50 MB). Those checks run on a
  // read-only connection, so such a file is left untouched.
  // One Database per thread; several processes may open the same file and
  // write at once (WAL mode, a busy timeout of 30 s).
  static Database open(const std::string& path);
  ~Database();
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;

  // Appends a measured batch in one transaction (BEGIN IMMEDIATE … COMMIT,
  // rolled back on failure): after a crash either the whole batch is there or
  // none of it. Waits (busy timeout) while another process writes. Records'
  // workload_key/target_key may be empty; when set they must match `w`/`t`.
  // A timestamp of 0 is replaced by the current time, an empty anvil_version
  // by this build's version.
  void commit_batch(const Workload& w, const TargetRecord& t, const std::vector<TuningRecord>& records);
  // Every record of `w` on `t`, in commit order.
  std::vector<TuningRecord> records(const Workload& w, const TargetRecord& t) const;
  // The fastest valid record, if any: the lowest cost_us() among records that
  // succeeded and whose latest re-measure (if any) succeeded.
  std::optional<TuningRecord> best(const Workload& w, const TargetRecord& t) const;
  // The k fastest valid records in that order (ties: the older first).
  std::vector<TuningRecord> top(const Workload& w, const TargetRecord& t, int k) const;
  // Appends re-measures of existing records in one transaction; a record id
  // that is not in the database is a UserError and nothing is written.
  void commit_remeasures(const std::vector<Remeasure>& remeasures);
  // The re-measures of one record, oldest first.
  std::vector<Remeasure> remeasures(int64_t record_id) const;
  // Every workload key with at least one record for `t`.
  std::vector<std::string> workloads(const TargetRecord& t) const;
  int64_t count() const;  // records of every workload and target
  // Every target with records (or once had them), ordered by key.
  std::vector<TargetRecord> targets() const;
  // One line per (workload, target) with records, ordered by workload key.
  std::vector<WorkloadSummary> summary() const;

  // JSON lines, one record per line with its workload and target:
  // {"workload":key,"target":{"target":..,"fingerprint":..},"trace":"<trace JSON text>",
  //  "costs_us":[..],"median_us":..,"ok":..,"error_kind":..,"error_text":..,
  //  "build_s":..,"run_s":..,"anvil_version":..,"format_version":..,"timestamp":..,
  //  (the target object also has "threads":N when N is not 1)
  //  "remeasures":[{"costs_us":[..],"median_us":..,"ok":..,"error_kind":..,"error_text":..,
  //                 "timestamp":..,"scale":..}, ..]}   (only for re-measured records)
  void export_jsonl(const std::string& path) const;
  // Imports an export in one transaction, skipping records already present
  // with every field equal (their missing re-measures are added); returns the
  // number of records imported. A malformed line is
  // a UserError naming the file and line number, and nothing is imported.
  int64_t import_jsonl(const std::string& path);
  // Keeps the `keep` fastest valid records (by cost_us()) per workload and
  // target and deletes every other record (failed ones included) with its
  // re-measures; returns the number of records removed.
  int64_t prune(int keep);

  const std::string& path() const;

 private:
  struct Impl;
  explicit Database(Impl* impl);
  Impl* impl_;
};

}  // namespace anvil
