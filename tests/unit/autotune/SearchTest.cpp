// Search strategies on synthetic spaces: never a duplicate, exhaustion ends in
// empty batches, and a model-guided search finds the optimum in fewer trials
// than random search.
#include <gtest/gtest.h>

#include <set>

#include "SyntheticSpace.h"
#include "anvil/autotune/Search.h"
#include "anvil/support/Error.h"

namespace anvil {
namespace {

using synthetic::SyntheticSource;

// A peak at (5, 2, 6, 1, 3, 7); separable, so one-coordinate moves can climb it.
double peak(const std::vector<int>& p) {
  static const int c[] = {5, 2, 6, 1, 3, 7};
  double d = 0;
  for (size_t i = 0; i < p.size(); ++i) d += (p[i] - c[i % 6]) * (p[i] - c[i % 6]);
  return 100.0 / (1.0 + d);
}

// Runs `batches` rounds of propose → "measure" → train; returns every key
// measured and the trial at which the optimum (throughput 100) was first seen.
struct SearchRun {
  std::vector<std::string> keys;
  int trials_to_optimum = -1;
};

SearchRun drive(SearchStrategy& search, SyntheticSource& source, CostModel& model, int batches, int batch) {
  SearchRun r;
  for (int b = 0; b < batches; ++b) {
    std::vector<Candidate> cs = search.next_batch(batch);
    std::vector<double> tp;
    std::vector<std::vector<float>> f;
    for (const auto& c : cs) {
      r.keys.push_back(c.key);
      tp.push_back(source.throughput(c));
      f.push_back(c.features);
      if (tp.back() >= 100.0 && r.trials_to_optimum < 0) r.trials_to_optimum = static_cast<int>(r.keys.size());
    }
    search.notify(cs, tp);
    model.update(f, tp, "w");
  }
  return r;
}

void expect_unique(const std::vector<std::string>& keys) {
  std::set<std::string> s(keys.begin(), keys.end());
  EXPECT_EQ(s.size(), keys.size()) << "a candidate was proposed twice";
}

TEST(Search, NeverProposesADuplicate) {
  for (const char* name : {"evolutionary", "annealing", "random"}) {
    for (const char* model_name : {"xgboost", "random"}) {
      SCOPED_TRACE(std::string(name) + " + " + model_name);
      SyntheticSource source(4, 4, peak);  // 256 points; 20 batches of 8 = 160 trials
      auto model = make_cost_model(model_name, 1);
      SearchOptions o;
      o.seed = 3;
      o.population = 64;
      auto search = make_search(name, source, *model, o);
      SearchRun r = drive(*search, source, *model, 20, 8);
      EXPECT_EQ(r.keys.size(), 160u);
      expect_unique(r.keys);
    }
  }
}

TEST(Search, ExhaustedSpaceGivesShortThenEmptyBatches) {
  SyntheticSource source(2, 4, peak);  // 16 points
  auto model = make_xgboost_model(1);
  SearchOptions o;
  o.population = 32;
  auto search = make_evolutionary_search(source, *model, o);
  SearchRun r = drive(*search, source, *model, 5, 8);
  EXPECT_EQ(r.keys.size(), 16u);
  expect_unique(r.keys);
  EXPECT_TRUE(search->next_batch(8).empty());
}

TEST(Search, HistoryIsNeverProposedAgain) {
  SyntheticSource source(2, 3, peak);  // 9 points
  auto model = make_random_model(1);
  auto search = make_random_search(source, SearchOptions{});
  std::set<std::string> history;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      if (a != b) {
        Candidate c = source.make({a, b});
        search->add_history(c, source.throughput(c));
        history.insert(c.key);
      }
  std::vector<Candidate> batch = search->next_batch(8);
  ASSERT_EQ(batch.size(), 3u);  // only the diagonal is left
  for (const auto& c : batch) EXPECT_EQ(history.count(c.key), 0u) << c.key;
}

TEST(Search, ModelGuidedEvolutionBeatsRandomToTheOptimum) {
  // 8^6 = 262144 points; 20 batches of 32 = 640 trials.
  SearchOptions o;
  o.seed = 11;
  o.population = 128;
  SyntheticSource source(6, 8, peak);
  auto xgb = make_xgboost_model(2);
  auto evo = make_evolutionary_search(source, *xgb, o);
  SearchRun guided = drive(*evo, source, *xgb, 20, 32);
  auto noise = make_random_model(2);
  auto rnd = make_random_search(source, o);
  SearchRun unguided = drive(*rnd, source, *noise, 20, 32);
  ASSERT_GT(guided.trials_to_optimum, 0) << "evolutionary + xgboost did not reach the optimum in 640 trials";
  if (unguided.trials_to_optimum > 0) {
    EXPECT_LT(guided.trials_to_optimum, unguided.trials_to_optimum);
  }
  expect_unique(guided.keys);
}

TEST(Search, UnknownStrategyIsAUserError) {
  SyntheticSource source(2, 2, peak);
  auto model = make_random_model();
  EXPECT_THROW(make_search("bayes", source, *model, SearchOptions{}), UserError);
}

}  // namespace
}  // namespace anvil
