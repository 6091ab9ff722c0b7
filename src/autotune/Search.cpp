// Search strategies: evolutionary (model-guided), simulated annealing and
// random search over a CandidateSource. They share the bookkeeping that makes
// a duplicate measurement impossible: every key proposed or measured is kept.
#include "anvil/autotune/Search.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_set>

#include "anvil/support/Error.h"

namespace anvil {
namespace {

struct Scored {
  double score;
  double tie;  // random tie-break: an untrained model scores everything 0
  Candidate c;
};

class StrategyBase : public SearchStrategy {
 public:
  StrategyBase(CandidateSource& source, const SearchOptions& o) : source_(source), options_(o), rng_(o.seed) {}

  void notify(const std::vector<Candidate>& measured, const std::vector<double>& throughputs) override {
    ANVIL_USER_CHECK(measured.size() == throughputs.size(), "search notify: " << measured.size()
                                                                              << " candidates but "
                                                                              << throughputs.size()
                                                                              << " throughputs");
    for (size_t i = 0; i < measured.size(); ++i) add_history(measured[i], throughputs[i]);
  }

  void add_history(const Candidate& c, double throughput) override {
    seen_.insert(c.key);
    if (throughput <= 0) return;
    best_.push_back({throughput, 0.0, c});
    std::stable_sort(best_.begin(), best_.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
    size_t keep = static_cast<size_t>(std::max(1, options_.elite_measured));
    if (best_.size() > keep) best_.resize(keep);
  }

 protected:
  // A fresh sample whose key was never proposed, or nullopt after max_failures tries.
  std::optional<Candidate> unseen_sample() {
    for (int tries = 0; tries < options_.max_failures; ++tries) {
      auto c = source_.sample(rng_);
      if (c && !seen_.count(c->key)) return c;
    }
    return std::nullopt;
  }

  // Any legal sample (seen or not: it may still be a useful parent).
  std::optional<Candidate> any_sample() {
    for (int tries = 0; tries < 16; ++tries)
      if (auto c = source_.sample(rng_)) return c;
    return std::nullopt;
  }

  std::vector<double> scores(const CostModel& model, const std::vector<Candidate>& cs) const {
    std::vector<std::vector<float>> f;
    f.reserve(cs.size());
    for (const auto& c : cs) f.push_back(c.features);
    return model.predict(f);
  }

  // Remembers unseen candidates with their best score, for the final pick.
  void offer(std::map<std::string, Scored>& pool, const Candidate& c, double score) {
    if (seen_.count(c.key)) return;
    auto it = pool.find(c.key);
    if (it == pool.end()) {
      pool.emplace(c.key, Scored{score, unit_(rng_), c});
    } else {
      it->second.score = std::max(it->second.score, score);
    }
  }

  // The best (1 - epsilon) share of the pool, then random samples up to n.
  std::vector<Candidate> pick(std::map<std::string, Scored>& pool, int n) {
    std::vector<Scored> ranked;
    ranked.reserve(pool.size());
    for (auto& [key, s] : pool) ranked.push_back(std::move(s));
    std::sort(ranked.begin(), ranked.end(), [](const Scored& a, const Scored& b) {
      return a.score != b.score ? a.score > b.score : a.tie > b.tie;
    });
    int n_random = static_cast<int>(std::floor(options_.epsilon * n + 0.5));
    std::vector<Candidate> batch;
    for (auto& s : ranked) {
      if (static_cast<int>(batch.size()) >= n - n_random) break;
      if (seen_.insert(s.c.key).second) batch.push_back(std::move(s.c));
    }
    fill_random(batch, n);
    // The space may hold too few fresh samples for the random share: take the
    // remaining model picks rather than returning a short batch.
    for (auto& s : ranked) {
      if (static_cast<int>(batch.size()) >= n) break;
      if (seen_.insert(s.c.key).second) batch.push_back(std::move(s.c));
    }
    return batch;
  }

  void fill_random(std::vector<Candidate>& batch, int n) {
    while (static_cast<int>(batch.size()) < n) {
      auto c = unseen_sample();
      if (!c) break;
      seen_.insert(c->key);
      batch.push_back(std::move(*c));
    }
  }

  CandidateSource& source_;
  SearchOptions options_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  std::unordered_set<std::string> seen_;  // proposed or measured
  std::vector<Scored> best_;              // best measured, score = throughput
};

class EvolutionarySearch final : public StrategyBase {
 public:
  EvolutionarySearch(CandidateSource& source, const CostModel& model, const SearchOptions& o)
      : StrategyBase(source, o), model_(model) {}

  std::vector<Candidate> next_batch(int n) override {
    if (n <= 0) return {};
    std::vector<Candidate> population;
    for (const auto& b : best_) population.push_back(b.c);
    int size = std::max(options_.population, n);
    for (int misses = 0; static_cast<int>(population.size()) < size && misses < 64;) {
      if (auto c = any_sample()) {
        population.push_back(std::move(*c));
      } else {
        ++misses;
      }
    }
    std::map<std::string, Scored> pool;
    if (population.empty()) return {};
    for (int gen = 0;; ++gen) {
      std::vector<double> s = scores(model_, population);
      for (size_t i = 0; i < population.size(); ++i) offer(pool, population[i], s[i]);
      if (gen == options_.generations) break;
      population = next_generation(population, s, size);
    }
    return pick(pool, n);
  }

 private:
  // Keeps the top tenth by score and fills the rest with mutants of parents
  // chosen by binary tournament (a failed mutation keeps its parent).
  std::vector<Candidate> next_generation(const std::vector<Candidate>& pop, const std::vector<double>& s, int size) {
    std::vector<size_t> order(pop.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
    std::vector<Candidate> next;
    size_t elite = std::max<size_t>(1, pop.size() / 10);
    for (size_t i = 0; i < elite && i < order.size(); ++i) next.push_back(pop[order[i]]);
    std::uniform_int_distribution<size_t> any(0, pop.size() - 1);
    while (static_cast<int>(next.size()) < size) {
      size_t a = any(rng_), b = any(rng_);
      const Candidate& parent = pop[s[a] >= s[b] ? a : b];
      auto child = source_.mutate(parent, rng_);
      next.push_back(child ? std::move(*child) : parent);
    }
    return next;
  }

  const CostModel& model_;
};

class AnnealingSearch final : public StrategyBase {
 public:
  AnnealingSearch(CandidateSource& source, const CostModel& model, const SearchOptions& o)
      : StrategyBase(source, o), model_(model) {}

  std::vector<Candidate> next_batch(int n) override {
    if (n <= 0) return {};
    std::vector<Candidate> states;
    for (const auto& b : best_) states.push_back(b.c);
    int chains = std::max(8, n);
    for (int misses = 0; static_cast<int>(states.size()) < chains && misses < 64;) {
      if (auto c = any_sample()) {
        states.push_back(std::move(*c));
      } else {
        ++misses;
      }
    }
    if (states.empty()) return {};
    std::map<std::string, Scored> pool;
    std::vector<double> s = scores(model_, states);
    for (size_t i = 0; i < states.size(); ++i) offer(pool, states[i], s[i]);
    int steps = std::max(1, options_.annealing_steps);
    for (int step = 0; step < steps; ++step) {
      double t = options_.annealing_t0 * (1.0 - static_cast<double>(step) / steps) + 1e-3;
      std::vector<Candidate> proposals;
      std::vector<size_t> from;
      for (size_t i = 0; i < states.size(); ++i) {
        if (auto c = source_.mutate(states[i], rng_)) {
          proposals.push_back(std::move(*c));
          from.push_back(i);
        }
      }
      if (proposals.empty()) break;
      std::vector<double> ps = scores(model_, proposals);
      for (size_t j = 0; j < proposals.size(); ++j) {
        offer(pool, proposals[j], ps[j]);
        size_t i = from[j];
        // Metropolis: always accept better, accept worse with probability exp(Δ/T).
        if (ps[j] >= s[i] || unit_(rng_) < std::exp((ps[j] - s[i]) / t)) {
          states[i] = std::move(proposals[j]);
          s[i] = ps[j];
        }
      }
    }
    return pick(pool, n);
  }

 private:
  const CostModel& model_;
};

class RandomSearch final : public StrategyBase {
 public:
  using StrategyBase::StrategyBase;
  std::vector<Candidate> next_batch(int n) override {
    std::vector<Candidate> batch;
    fill_random(batch, n);
    return batch;
  }
};

}  // namespace

std::unique_ptr<SearchStrategy> make_evolutionary_search(CandidateSource& source, const CostModel& model,
                                                         const SearchOptions& options) {
  return std::make_unique<EvolutionarySearch>(source, model, options);
}

std::unique_ptr<SearchStrategy> make_annealing_search(CandidateSource& source, const CostModel& model,
                                                      const SearchOptions& options) {
  return std::make_unique<AnnealingSearch>(source, model, options);
}

std::unique_ptr<SearchStrategy> make_random_search(CandidateSource& source, const SearchOptions& options) {
  return std::make_unique<RandomSearch>(source, options);
}

std::unique_ptr<SearchStrategy> make_search(const std::string& name, CandidateSource& source,
                                            const CostModel& model, const SearchOptions& options) {
  if (name == "evolutionary") return make_evolutionary_search(source, model, options);
  if (name == "annealing") return make_annealing_search(source, model, options);
  if (name == "random") return make_random_search(source, options);
  throw UserError("unknown search strategy '" + name + "' (valid: evolutionary, annealing, random)");
}

}  // namespace anvil
