// Cost models rank candidates of a workload by predicted speed from their
// features. XGBoostModel trains a ranking model (XGBoost C API) on measured
// throughputs normalised per workload; it is retrained as data grows and
// saved beside the database so a later run starts warm. RandomModel predicts
// noise (the baseline the search is compared against).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace anvil {

class CostModel {
 public:
  virtual ~CostModel() = default;
  // Adds measured samples: features and throughput (higher is better),
  // grouped by workload so ranking is learned within a workload.
  virtual void update(const std::vector<std::vector<float>>& features,
                      const std::vector<double>& throughputs, const std::string& group) = 0;
  // Predicted scores, higher is better; only the order matters.
  virtual std::vector<double> predict(const std::vector<std::vector<float>>& features) const = 0;
  virtual void save(const std::string& path) const = 0;
  virtual void load(const std::string& path) = 0;
};

std::unique_ptr<CostModel> make_xgboost_model(uint64_t seed = 0);
std::unique_ptr<CostModel> make_random_model(uint64_t seed = 0);

}  // namespace anvil
