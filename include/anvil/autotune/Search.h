// Search strategies: each proposes the next batch of candidates to measure
// and is told the measured throughputs. Candidates come from a CandidateSource
// (the tuner's wraps SearchSpace + lower + Features; tests use synthetic ones),
// so the strategies are independent of schedules. No strategy ever proposes a
// candidate it proposed before or was told was measured (dedupe by key).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "anvil/autotune/CostModel.h"

namespace anvil {

// A point of the search space.
struct Candidate {
  std::string trace_json;       // what is measured and stored
  std::string key;              // identity for dedupe (e.g. the trace's sketch + decisions)
  std::vector<float> features;  // what the cost model scores
};

// Where candidates come from. Both calls return nullopt when the attempt gave
// an illegal point (the strategy simply tries again, a bounded number of times).
class CandidateSource {
 public:
  virtual ~CandidateSource() = default;
  virtual std::optional<Candidate> sample(std::mt19937_64& rng) = 0;
  // A neighbour of `parent`: one decision changed.
  virtual std::optional<Candidate> mutate(const Candidate& parent, std::mt19937_64& rng) = 0;
};

struct SearchOptions {
  uint64_t seed = 0;
  int population = 256;       // evolutionary: candidates per generation
  int generations = 4;        // evolutionary: rounds of mutate + select per batch
  double epsilon = 0.05;      // fraction of each batch taken from pure random samples
  int elite_measured = 16;    // best measured candidates seeded into each population
  int annealing_steps = 40;   // annealing: steps per chain per batch
  double annealing_t0 = 1.0;  // annealing: start temperature (scores are ~[0, 1])
  int max_failures = 512;     // consecutive illegal/duplicate draws before giving up
};

class SearchStrategy {
 public:
  virtual ~SearchStrategy() = default;
  // Up to n new candidates; fewer (possibly none) when the space seems exhausted.
  virtual std::vector<Candidate> next_batch(int n) = 0;
  // Measured throughputs of candidates (0 for failures), same order.
  virtual void notify(const std::vector<Candidate>& measured, const std::vector<double>& throughputs) = 0;
  // Marks a candidate measured earlier (resume): never proposed again and,
  // when ok, usable as a parent.
  virtual void add_history(const Candidate& c, double throughput) = 0;
};

// Evolutionary search guided by `model` (which the caller keeps trained):
// population from fresh samples plus the best measured, mutated and selected by
// predicted score for a few generations; the batch is the best unseen
// candidates plus an epsilon share of random samples.
std::unique_ptr<SearchStrategy> make_evolutionary_search(CandidateSource& source, const CostModel& model,
                                                         const SearchOptions& options);
// Simulated annealing on the model's score, chains started from the best
// measured and random samples; the batch is the best unseen states visited.
std::unique_ptr<SearchStrategy> make_annealing_search(CandidateSource& source, const CostModel& model,
                                                      const SearchOptions& options);
// Uniform random samples, no model.
std::unique_ptr<SearchStrategy> make_random_search(CandidateSource& source, const SearchOptions& options);
// "evolutionary" | "annealing" | "random"; throws UserError naming the valid ones.
std::unique_ptr<SearchStrategy> make_search(const std::string& name, CandidateSource& source,
                                            const CostModel& model, const SearchOptions& options);

}  // namespace anvil
