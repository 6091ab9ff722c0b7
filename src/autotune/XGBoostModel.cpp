// The XGBoost cost model, through the XGBoost C API (libxgboost).
//
// Objective: reg:squarederror on throughput normalised by the best throughput
// of the sample's workload group (so every group's target lies in [0, 1]).
// Why not rank:pairwise: the search only needs the order within one workload,
// but normalised regression gives the same order, trains well from a few dozen
// samples (pairwise needs many pairs per group), mixes groups without requiring
// the rows to be sorted by group, and gives failed candidates (throughput 0) a
// meaningful target. This is also what Ansor's and MetaSchedule's XGBoost
// models do.
#include <xgboost/c_api.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "anvil/autotune/CostModel.h"
#include "anvil/support/Error.h"

namespace anvil {
namespace {

// Turns a failed C API call into an InternalError with XGBoost's message.
void xgb_check(int rc, const char* what) {
  if (rc != 0) throw InternalError(std::string("xgboost: ") + what + ": " + XGBGetLastError());
}

struct DMatrix {
  DMatrixHandle h = nullptr;
  DMatrix(const std::vector<std::vector<float>>& rows, size_t width) {
    std::vector<float> dense;
    dense.reserve(rows.size() * width);
    for (const auto& r : rows) dense.insert(dense.end(), r.begin(), r.end());
    xgb_check(XGDMatrixCreateFromMat(dense.data(), rows.size(), width, std::numeric_limits<float>::quiet_NaN(), &h),
              "XGDMatrixCreateFromMat");
  }
  ~DMatrix() {
    if (h) XGDMatrixFree(h);
  }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
};

class XGBoostModel final : public CostModel {
 public:
  explicit XGBoostModel(const XGBoostOptions& o) : options_(o) {}
  ~XGBoostModel() override { free_booster(); }

  void update(const std::vector<std::vector<float>>& features, const std::vector<double>& throughputs,
              const std::string& group) override {
    ANVIL_USER_CHECK(features.size() == throughputs.size(), "cost model update: " << features.size()
                                                                                  << " feature rows but "
                                                                                  << throughputs.size()
                                                                                  << " throughputs");
    if (features.empty()) return;
    for (size_t i = 0; i < features.size(); ++i) {
      if (width_ == 0) width_ = features[i].size();
      ANVIL_USER_CHECK(features[i].size() == width_, "cost model update: feature row "
                                                         << i << " has " << features[i].size()
                                                         << " entries, the model was trained on " << width_);
      Group& g = groups_[group];
      g.rows.push_back(features[i]);
      g.throughputs.push_back(std::max(0.0, throughputs[i]));
    }
    train();
  }

  std::vector<double> predict(const std::vector<std::vector<float>>& features) const override {
    std::vector<double> out(features.size(), 0.0);
    if (!booster_ || features.empty()) return out;
    for (size_t i = 0; i < features.size(); ++i)
      ANVIL_USER_CHECK(features[i].size() == width_, "cost model predict: feature row "
                                                         << i << " has " << features[i].size()
                                                         << " entries, the model was trained on " << width_);
    DMatrix m(features, width_);
    bst_ulong len = 0;
    const float* res = nullptr;
    xgb_check(XGBoosterPredict(booster_, m.h, 0, 0, 0, &len, &res), "XGBoosterPredict");
    ANVIL_ASSERT(len == features.size(), "xgboost returned " << len << " predictions for " << features.size());
    for (size_t i = 0; i < features.size(); ++i) out[i] = res[i];
    return out;
  }

  void save(const std::string& path) const override {
    nlohmann::json data;
    data["format"] = "anvil-xgboost-data";
    data["version"] = 1;
    data["width"] = width_;
    data["groups"] = nlohmann::json::object();
    for (const auto& [name, g] : groups_) data["groups"][name] = {{"rows", g.rows}, {"throughputs", g.throughputs}};
    std::ofstream out(path + ".data.json");
    ANVIL_USER_CHECK(out, "cannot write cost model data '" << path << ".data.json'");
    out << data.dump();
    ANVIL_USER_CHECK(out.good(), "cannot write cost model data '" << path << ".data.json'");
    if (booster_) {
      xgb_check(XGBoosterSaveModel(booster_, path.c_str()), "XGBoosterSaveModel");
    } else {
      std::ofstream empty(path);  // an untrained model: only the (empty) data matters
      ANVIL_USER_CHECK(empty, "cannot write cost model '" << path << "'");
      empty << "{}";
    }
  }

  void load(const std::string& path) override {
    std::ifstream in(path + ".data.json");
    ANVIL_USER_CHECK(in, "cannot read cost model data '" << path << ".data.json'");
    nlohmann::json data;
    try {
      in >> data;
    } catch (const nlohmann::json::exception& e) {
      throw UserError("cost model data '" + path + ".data.json' is not JSON: " + e.what());
    }
    ANVIL_USER_CHECK(data.value("format", "") == "anvil-xgboost-data",
                     "'" << path << ".data.json' is not an Anvil cost model data file");
    std::map<std::string, Group> groups;
    size_t width = 0;
    try {
      width = data.at("width").get<size_t>();
      for (const auto& [name, g] : data.at("groups").items())
        groups[name] = Group{g.at("rows").get<std::vector<std::vector<float>>>(),
                             g.at("throughputs").get<std::vector<double>>()};
    } catch (const nlohmann::json::exception& e) {
      throw UserError("cost model data '" + path + ".data.json': " + e.what());
    }
    groups_ = std::move(groups);
    width_ = width;
    free_booster();
    if (num_samples() == 0) return;
    BoosterHandle b = nullptr;
    xgb_check(XGBoosterCreate(nullptr, 0, &b), "XGBoosterCreate");
    if (XGBoosterLoadModel(b, path.c_str()) != 0) {
      std::string msg = XGBGetLastError();
      XGBoosterFree(b);
      throw UserError("cannot load cost model '" + path + "': " + msg);
    }
    booster_ = b;
  }

  size_t num_samples() const override {
    size_t n = 0;
    for (const auto& [name, g] : groups_) n += g.rows.size();
    return n;
  }

 private:
  struct Group {
    std::vector<std::vector<float>> rows;
    std::vector<double> throughputs;
  };

  void free_booster() {
    if (booster_) XGBoosterFree(booster_);
    booster_ = nullptr;
  }

  // Retrains from scratch on all samples: cheap at tuning sizes, and avoids the
  // drift of boosting more rounds onto an old model as the normalisation changes.
  void train() {
    std::vector<std::vector<float>> rows;
    std::vector<float> labels;
    for (const auto& [name, g] : groups_) {
      double best = *std::max_element(g.throughputs.begin(), g.throughputs.end());
      for (size_t i = 0; i < g.rows.size(); ++i) {
        rows.push_back(g.rows[i]);
        labels.push_back(best > 0 ? static_cast<float>(g.throughputs[i] / best) : 0.0f);
      }
    }
    DMatrix m(rows, width_);
    xgb_check(XGDMatrixSetFloatInfo(m.h, "label", labels.data(), labels.size()), "XGDMatrixSetFloatInfo");
    free_booster();
    BoosterHandle b = nullptr;
    xgb_check(XGBoosterCreate(&m.h, 1, &b), "XGBoosterCreate");
    booster_ = b;
    auto set = [&](const char* k, const std::string& v) { xgb_check(XGBoosterSetParam(b, k, v.c_str()), k); };
    set("objective", "reg:squarederror");
    set("max_depth", std::to_string(options_.max_depth));
    set("eta", std::to_string(options_.eta));
    set("min_child_weight", "1");
    set("subsample", "1");
    set("nthread", std::to_string(std::max(1, options_.threads)));
    set("seed", std::to_string(options_.seed));
    set("verbosity", "0");
    for (int it = 0; it < options_.rounds; ++it) xgb_check(XGBoosterUpdateOneIter(b, it, m.h), "XGBoosterUpdateOneIter");
  }

  XGBoostOptions options_;
  std::map<std::string, Group> groups_;  // ordered: training is deterministic
  size_t width_ = 0;
  BoosterHandle booster_ = nullptr;
};

}  // namespace

std::unique_ptr<CostModel> make_xgboost_model(const XGBoostOptions& options) {
  return std::make_unique<XGBoostModel>(options);
}

std::unique_ptr<CostModel> make_xgboost_model(uint64_t seed) {
  XGBoostOptions o;
  o.seed = seed;
  return make_xgboost_model(o);
}

}  // namespace anvil
