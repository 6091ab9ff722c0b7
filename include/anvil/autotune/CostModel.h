// Cost models rank candidates of a workload by predicted speed from their
// features. XGBoostModel trains a regression model (XGBoost C API) on measured
// throughputs normalised by the best of their workload group; it is retrained
// from all data on each update (the data is small) and saved beside the
// database, with its training data, so a later run starts warm and keeps
// learning. RandomModel predicts noise (the baseline the search is compared
// against).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace anvil {

class CostModel {
 public:
  virtual ~CostModel() = default;
  // Adds measured samples: features and throughput (higher is better; 0 for a
  // failed candidate), grouped by workload so scores are learned relative to
  // the best of the same workload. Throws UserError when the lengths differ.
  virtual void update(const std::vector<std::vector<float>>& features,
                      const std::vector<double>& throughputs, const std::string& group) = 0;
  // Predicted scores, higher is better; only the order matters. An untrained
  // model predicts 0 for every candidate.
  virtual std::vector<double> predict(const std::vector<std::vector<float>>& features) const = 0;
  // Saves the model to `path` and its training data to `path + ".data.json"`.
  virtual void save(const std::string& path) const = 0;
  // Loads what save() wrote; throws UserError naming the file when it cannot.
  virtual void load(const std::string& path) = 0;
  // Number of samples trained on.
  virtual size_t num_samples() const = 0;
};

// Boosting rounds and tree depth of the XGBoost model; defaults suit a few
// thousand samples of a few hundred features, retrained in well under a second.
struct XGBoostOptions {
  int rounds = 60;
  int max_depth = 6;
  double eta = 0.2;
  int threads = 1;
  uint64_t seed = 0;
};

std::unique_ptr<CostModel> make_xgboost_model(uint64_t seed = 0);
std::unique_ptr<CostModel> make_xgboost_model(const XGBoostOptions& options);
std::unique_ptr<CostModel> make_random_model(uint64_t seed = 0);
// "xgboost" or "random"; throws UserError naming the valid models otherwise.
std::unique_ptr<CostModel> make_cost_model(const std::string& name, uint64_t seed = 0);

}  // namespace anvil
