// The random cost model: scores are noise, so a search driven by it is the
// unguided baseline. Also the factory that picks a cost model by name.
#include <fstream>
#include <random>

#include "anvil/autotune/CostModel.h"
#include "anvil/support/Error.h"

namespace anvil {
namespace {

class RandomModel final : public CostModel {
 public:
  explicit RandomModel(uint64_t seed) : rng_(seed) {}
  void update(const std::vector<std::vector<float>>& features, const std::vector<double>& throughputs,
              const std::string&) override {
    ANVIL_USER_CHECK(features.size() == throughputs.size(), "cost model update: " << features.size()
                                                                                  << " feature rows but "
                                                                                  << throughputs.size()
                                                                                  << " throughputs");
    samples_ += features.size();
  }
  std::vector<double> predict(const std::vector<std::vector<float>>& features) const override {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<double> out(features.size());
    for (double& v : out) v = u(rng_);
    return out;
  }
  void save(const std::string& path) const override {
    std::ofstream out(path);
    ANVIL_USER_CHECK(out, "cannot write cost model '" << path << "'");
    out << "{\"model\":\"random\"}\n";
  }
  void load(const std::string& path) override {
    std::ifstream in(path);
    ANVIL_USER_CHECK(in, "cannot read cost model '" << path << "'");
  }
  size_t num_samples() const override { return samples_; }

 private:
  mutable std::mt19937_64 rng_;  // predict() is logically const: noise has no state worth keeping
  size_t samples_ = 0;
};

}  // namespace

std::unique_ptr<CostModel> make_random_model(uint64_t seed) { return std::make_unique<RandomModel>(seed); }

std::unique_ptr<CostModel> make_cost_model(const std::string& name, uint64_t seed) {
  if (name == "xgboost") return make_xgboost_model(seed);
  if (name == "random") return make_random_model(seed);
  throw UserError("unknown cost model '" + name + "' (valid: xgboost, random)");
}

}  // namespace anvil
