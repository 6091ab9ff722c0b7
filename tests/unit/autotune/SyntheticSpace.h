// A synthetic, finite search space for the cost model and search tests: points
// are integer vectors, throughput is a known function of them, so "learned to
// rank" and "found the optimum" can be checked without building any kernel.
#pragma once

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "anvil/autotune/Search.h"

namespace anvil::synthetic {

class SyntheticSource final : public CandidateSource {
 public:
  // `dims` coordinates, each in [0, values); throughput(point) is the truth.
  SyntheticSource(int dims, int values, std::function<double(const std::vector<int>&)> throughput)
      : dims_(dims), values_(values), throughput_(std::move(throughput)) {}

  std::optional<Candidate> sample(std::mt19937_64& rng) override {
    std::uniform_int_distribution<int> v(0, values_ - 1);
    std::vector<int> p(dims_);
    for (int& x : p) x = v(rng);
    return make(p);
  }
  std::optional<Candidate> mutate(const Candidate& parent, std::mt19937_64& rng) override {
    std::vector<int> p = point(parent);
    std::uniform_int_distribution<int> d(0, dims_ - 1), v(0, values_ - 1);
    int i = d(rng);
    int nv = v(rng);
    if (nv == p[i]) return std::nullopt;
    p[i] = nv;
    return make(p);
  }
  double throughput(const Candidate& c) const { return throughput_(point(c)); }
  std::vector<int> point(const Candidate& c) const {
    std::vector<int> p;
    for (float f : c.features) p.push_back(static_cast<int>(f));
    return p;
  }
  Candidate make(const std::vector<int>& p) const {
    Candidate c;
    for (int x : p) {
      c.key += std::to_string(x) + ",";
      c.features.push_back(static_cast<float>(x));
    }
    c.trace_json = "{\"point\":\"" + c.key + "\"}";
    return c;
  }

 private:
  int dims_, values_;
  std::function<double(const std::vector<int>&)> throughput_;
};

}  // namespace anvil::synthetic
