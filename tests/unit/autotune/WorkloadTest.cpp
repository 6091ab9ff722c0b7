// Workload keys are canonical and their hashes stable; instantiation builds
// the operator or refuses with a message naming the problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "anvil/autotune/Workload.h"
#include "anvil/support/Error.h"

using namespace anvil;
using ::testing::HasSubstr;

TEST(Workload, KeyIsCanonicalAndHashIsStable) {
  Workload w{"matmul", {64, 32, 16}, "float32"};
  EXPECT_EQ(w.key(), R"({"dtype":"float32","op":"matmul","shape":[64,32,16]})");
  // FNV-1a of the key (checked with an independent implementation): fixed
  // across runs and machines, since tuning records depend on it.
  EXPECT_EQ(w.hash(), "a8003a1d4fd95ed0");
  EXPECT_EQ(w.hash().size(), 16u);
  Workload back = Workload::from_key(w.key());
  EXPECT_EQ(back, w);
  EXPECT_NE(Workload({"matmul", {64, 32, 17}}).hash(), w.hash());
  EXPECT_THROW(Workload::from_key("{\"op\": 3}"), UserError);
  EXPECT_THROW(Workload::from_key("not json"), UserError);
}

TEST(Workload, InstantiatesOrRefuses) {
  WorkloadInstance mm = instantiate({"matmul", {13, 7, 5}});
  EXPECT_EQ(mm.inputs.size(), 2u);
  EXPECT_EQ(mm.flops, 2.0 * 13 * 7 * 5);
  EXPECT_EQ(mm.args().size(), 3u);
  auto message = [](const Workload& w) {
    try {
      instantiate(w);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_THAT(message({"conv3d", {1}}), HasSubstr("unknown operator 'conv3d' (valid: matmul"));
  EXPECT_THAT(message({"matmul", {4, 4}}), HasSubstr("takes a shape M,N,K (3 numbers), got 2"));
  EXPECT_THAT(message({"matmul", {4, 4, 4}, "int4"}), HasSubstr("dtype int4 is not supported"));
}
