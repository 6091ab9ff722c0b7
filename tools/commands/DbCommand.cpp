// `anvil db`: looks into and maintains the tuning database — list workloads,
// print the best trace, show records, export/import JSON lines, prune.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "Commands.h"
#include "anvil/autotune/Database.h"
#include "anvil/autotune/Tuner.h"
#include "anvil/support/Error.h"

namespace anvil::tools {

namespace {

struct DbOptions {
  std::string db = "tuning_logs/anvil.db";
  std::string op, shape, target, file;
  int keep = 10;
  int threads = 0;
};

// GFLOP/s of a workload at `us` microseconds, or a negative number when the
// workload cannot be built here (a record of an operator this build lacks).
double gflops(const std::string& workload_key, double us) {
  try {
    return instantiate(Workload::from_key(workload_key)).flops / (us * 1e3);
  } catch (const UserError&) {
    return -1;
  }
}

// The targets of the database, or those whose target string is `target`.
std::vector<TargetRecord> targets_of(const Database& db, const std::string& target) {
  std::vector<TargetRecord> out;
  for (const TargetRecord& t : db.targets())
    if (target.empty() || t.target == target) out.push_back(t);
  return out;
}

// Opens the database for reading: looking never creates one.
Database open_existing(const std::string& path) {
  ANVIL_USER_CHECK(std::filesystem::exists(path), "no tuning database at " << path
                                                      << " (pass one with --db, or fill it with `anvil db import`)");
  return Database::open(path);
}

Workload workload_from(const DbOptions& o) {
  ANVIL_USER_CHECK(!o.op.empty() && !o.shape.empty(), "give the workload with --op and --shape");
  Workload w;
  w.op = o.op;
  w.shape = parse_shape(o.shape);
  return w;
}

int run_list(const DbOptions& o) {
  Database db = open_existing(o.db);
  std::vector<WorkloadSummary> rows = db.summary();
  if (rows.empty()) {
    std::printf("%s: no records\n", o.db.c_str());
    return 0;
  }
  std::printf("%-56s %-36s %8s %8s %12s %10s\n", "workload", "target", "records", "valid", "best us", "GFLOP/s");
  for (const WorkloadSummary& s : rows) {
    std::string best = "-", rate = "-";
    if (s.best_us) {
      double g = gflops(s.workload_key, *s.best_us);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.2f", g);
      if (g >= 0) rate = buf;
      std::snprintf(buf, sizeof buf, "%.3f", *s.best_us);
      best = buf;
    }
    std::printf("%-56s %-36s %8lld %8lld %12s %10s\n", s.workload_key.c_str(), s.target_key.c_str(),
                static_cast<long long>(s.records), static_cast<long long>(s.ok_records), best.c_str(),
                rate.c_str());
  }
  return 0;
}

// Prints the best record's trace JSON on stdout (ready for `anvil run --trace`);
// which target and time it is goes to stderr.
int run_best(const DbOptions& o) {
  Workload w = workload_from(o);
  Database db = open_existing(o.db);
  // Records timed with another thread count are not comparable: the nearest
  // count to the one `anvil run` would use is chosen first.
  std::vector<std::pair<TargetRecord, TuningRecord>> candidates;
  std::vector<int> counts;
  for (const TargetRecord& t : targets_of(db, o.target))
    if (std::optional<TuningRecord> r = db.best(w, t)) {
      candidates.emplace_back(t, *r);
      counts.push_back(t.threads);
    }
  std::optional<TuningRecord> best;
  if (!candidates.empty()) {
    const int threads = nearest_thread_count(counts, resolved_threads(o.threads));
    for (const auto& [t, r] : candidates)
      if (t.threads == threads && (!best || r.cost_us() < best->cost_us())) best = r;
  }
  ANVIL_USER_CHECK(best, "no valid record of " << w.key() << (o.target.empty() ? "" : " on " + o.target)
                                               << " in " << o.db);
  char tuned[64] = "";
  if (best->remeasured_us) std::snprintf(tuned, sizeof tuned, ", re-measured; %.3f us when tuned", best->median_us);
  std::fprintf(stderr, "best of %s on %s: %.3f us (record %lld%s)\n", w.key().c_str(), best->target_key.c_str(),
               best->cost_us(), static_cast<long long>(best->id), tuned);
  std::printf("%s\n", best->trace_json.c_str());
  return 0;
}

int run_show(const DbOptions& o) {
  Workload w = workload_from(o);
  Database db = open_existing(o.db);
  int64_t shown = 0;
  resolved_threads(o.threads);  // refuses a negative count
  for (const TargetRecord& t : targets_of(db, o.target)) {
    if (o.threads > 0 && t.threads != o.threads) continue;
    std::vector<TuningRecord> rs = db.records(w, t);
    if (rs.empty()) continue;
    std::printf("%s on %s: %zu records\n", w.key().c_str(), t.key().c_str(), rs.size());
    std::printf("%8s %12s %10s %-14s %8s %8s %s\n", "id", "median us", "GFLOP/s", "status", "build s", "run s",
                "error");
    for (const TuningRecord& r : rs) {
      char rate[32] = "-";
      if (r.ok && r.median_us > 0) {
        double g = gflops(r.workload_key, r.median_us);
        if (g >= 0) std::snprintf(rate, sizeof rate, "%.2f", g);
      }
      std::printf("%8lld %12.3f %10s %-14s %8.2f %8.2f %s\n", static_cast<long long>(r.id), r.median_us, rate,
                  r.ok ? "ok" : r.error_kind.c_str(), r.build_seconds, r.run_seconds,
                  r.error_text.substr(0, r.error_text.find('\n')).c_str());
      for (const Remeasure& m : db.remeasures(r.id))
        std::printf("%8s %12.3f %10s %-14s %8s %8s %s\n", "", m.median_us, "", m.ok ? "re-measured" : m.error_kind.c_str(),
                    "", "", m.ok ? ("machine x" + std::to_string(m.scale)).c_str()
                                 : m.error_text.substr(0, m.error_text.find('\n')).c_str());
      ++shown;
    }
  }
  if (shown == 0) std::printf("no records of %s in %s\n", w.key().c_str(), o.db.c_str());
  return 0;
}

}  // namespace

CommandRunner add_db_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("db", "look into and maintain the tuning database");
  cmd->require_subcommand(1);
  auto o = std::make_shared<DbOptions>();
  auto add_db = [&](CLI::App* sub) {
    sub->add_option("--db", o->db, "tuning database (default tuning_logs/anvil.db)");
    return sub;
  };
  auto add_workload = [&](CLI::App* sub) {
    sub->add_option("--op", o->op, "operator (see `anvil ops`)")->required();
    sub->add_option("--shape", o->shape, "comma-separated extents, e.g. 64,64,64")->required();
    sub->add_option("--target", o->target, "only records of this target string, e.g. \"llvm -mcpu=native\"");
  };
  const std::string threads_help =
      "records timed with this many threads (best: 0 is the count `anvil run` uses, and the nearest tuned count "
      "stands in; show: 0 is every count)";
  CLI::App* list = add_db(cmd->add_subcommand("list", "workloads with record counts and best GFLOP/s"));
  CLI::App* best = add_db(cmd->add_subcommand("best", "print the best record's trace JSON"));
  add_workload(best);
  best->add_option("--threads", o->threads, threads_help);
  CLI::App* show = add_db(cmd->add_subcommand("show", "print the records of one workload"));
  add_workload(show);
  show->add_option("--threads", o->threads, threads_help);
  CLI::App* exp = add_db(cmd->add_subcommand("export", "write every record as JSON lines"));
  exp->add_option("file", o->file, "JSON-lines file to write")->required();
  CLI::App* imp = add_db(cmd->add_subcommand("import", "add the records of a JSON-lines export"));
  imp->add_option("file", o->file, "JSON-lines file to read")->required();
  CLI::App* prune = add_db(cmd->add_subcommand("prune", "keep only the fastest valid records per workload"));
  prune->add_option("--keep", o->keep, "records to keep per workload and target")->required();

  return [=]() -> int {
    if (list->parsed()) return run_list(*o);
    if (best->parsed()) return run_best(*o);
    if (show->parsed()) return run_show(*o);
    if (exp->parsed()) {
      Database db = open_existing(o->db);
      db.export_jsonl(o->file);
      std::printf("exported %lld records to %s\n", static_cast<long long>(db.count()), o->file.c_str());
      return 0;
    }
    if (imp->parsed()) {
      Database db = Database::open(o->db);
      int64_t n = db.import_jsonl(o->file);
      std::printf("imported %lld records from %s into %s (%lld in all)\n", static_cast<long long>(n),
                  o->file.c_str(), o->db.c_str(), static_cast<long long>(db.count()));
      return 0;
    }
    if (prune->parsed()) {
      Database db = open_existing(o->db);
      int64_t n = db.prune(o->keep);
      std::printf("removed %lld records, %lld left\n", static_cast<long long>(n), static_cast<long long>(db.count()));
      return 0;
    }
    return 2;
  };
}

}  // namespace anvil::tools
