// Cost models: XGBoost learns to rank a synthetic throughput function on
// held-out points, the random model does not, and save → load round-trips.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include <unistd.h>

#include "anvil/autotune/CostModel.h"
#include "anvil/support/Error.h"

namespace anvil {
namespace {

struct Data {
  std::vector<std::vector<float>> x;
  std::vector<double> y;
};

// Throughput increasing in x0, x1 and x2 (x2 through a saturating curve),
// decreasing in x3, with x4..x7 irrelevant, plus 5% multiplicative noise.
Data synthetic(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::normal_distribution<double> noise(0.0, 0.05);
  Data d;
  for (int i = 0; i < n; ++i) {
    std::vector<float> x(8);
    for (float& v : x) v = u(rng);
    double t = 2.0 * x[0] + 1.5 * x[1] + std::sqrt(x[2]) - 1.2 * x[3] + 3.0;
    d.x.push_back(x);
    d.y.push_back(std::max(0.01, t * (1.0 + noise(rng))));
  }
  return d;
}

double kendall_tau(const std::vector<double>& a, const std::vector<double>& b) {
  long concordant = 0, discordant = 0;
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = i + 1; j < a.size(); ++j) {
      double s = (a[i] - a[j]) * (b[i] - b[j]);
      if (s > 0) ++concordant;
      if (s < 0) ++discordant;
    }
  return static_cast<double>(concordant - discordant) / static_cast<double>(concordant + discordant);
}

TEST(CostModel, XGBoostLearnsToRankHeldOutPoints) {
  Data train = synthetic(300, 1), test = synthetic(300, 2);
  auto model = make_xgboost_model(7);
  EXPECT_EQ(model->predict(test.x), std::vector<double>(300, 0.0));  // untrained: no preference
  model->update(train.x, train.y, "w");
  EXPECT_EQ(model->num_samples(), 300u);
  double tau = kendall_tau(model->predict(test.x), test.y);
  EXPECT_GE(tau, 0.6) << "Kendall tau on held-out points";
}

TEST(CostModel, RandomModelDoesNotRank) {
  Data train = synthetic(300, 1), test = synthetic(300, 2);
  auto model = make_random_model(7);
  model->update(train.x, train.y, "w");
  double tau = kendall_tau(model->predict(test.x), test.y);
  EXPECT_LT(std::abs(tau), 0.15);
}

TEST(CostModel, GroupsAreNormalisedSeparately) {
  // The same features are fast in a slow workload and slow in a fast one; the
  // model must rank within each workload, which normalisation makes consistent.
  Data a = synthetic(200, 3);
  Data b = a;
  for (double& y : b.y) y *= 1000.0;
  auto model = make_xgboost_model(1);
  model->update(a.x, a.y, "slow");
  model->update(b.x, b.y, "fast");
  Data test = synthetic(200, 4);
  EXPECT_GE(kendall_tau(model->predict(test.x), test.y), 0.6);
}

TEST(CostModel, SaveLoadGivesIdenticalPredictionsAndKeepsData) {
  Data train = synthetic(100, 5), test = synthetic(50, 6);
  auto model = make_xgboost_model(3);
  model->update(train.x, train.y, "w");
  auto dir = std::filesystem::temp_directory_path() / ("anvil_costmodel_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "model.json").string();
  model->save(path);
  auto loaded = make_xgboost_model(3);
  loaded->load(path);
  EXPECT_EQ(loaded->predict(test.x), model->predict(test.x));
  EXPECT_EQ(loaded->num_samples(), 100u);
  // Training continues from the saved data: both models see the same 200 samples.
  Data more = synthetic(100, 8);
  model->update(more.x, more.y, "w");
  loaded->update(more.x, more.y, "w");
  EXPECT_EQ(loaded->num_samples(), 200u);
  EXPECT_EQ(loaded->predict(test.x), model->predict(test.x));
  std::filesystem::remove_all(dir);
}

TEST(CostModel, BadInputIsAUserError) {
  auto model = make_xgboost_model();
  EXPECT_THROW(model->update({{1, 2}}, {1.0, 2.0}, "w"), UserError);
  model->update({{1, 2}, {2, 3}}, {1.0, 2.0}, "w");
  EXPECT_THROW(model->predict({{1, 2, 3}}), UserError);
  EXPECT_THROW(model->load("/nonexistent/anvil/model.json"), UserError);
  EXPECT_THROW(make_cost_model("gbdt"), UserError);
}

}  // namespace
}  // namespace anvil
