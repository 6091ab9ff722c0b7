// Tests of the tune-cpu plumbing: its case list, case selection, the
// convergence figure taken from a tuning curve, the JSON of Anvil rows, the
// TVM helper's case arguments, and the weight the peers of a dense_packed case
// read. No tuning and no timing here.
#include <gtest/gtest.h>

#include "TuneCpuSuite.h"
#include "anvil/ops/Layout.h"
#include "anvil/ops/Reference.h"
#include "anvil/support/Error.h"

namespace anvil::bench {
namespace {

const TuneCpuCase& find_case(const std::string& name) {
  for (const TuneCpuCase& c : tune_cpu_cases())
    if (c.name == name) return c;
  throw std::runtime_error("no case " + name);
}

TEST(TuneCpuCases, CoverTheIssueShapes) {
  // Dense and dense_packed at every gemm-fp32 shape, six ResNet-50 layers, three MobileNetV2 ones.
  EXPECT_EQ(tune_cpu_cases().size(), 7u + 7u + 6u + 3u);
  EXPECT_EQ(find_case("dense-bert-3072").workload.shape, (std::vector<int64_t>{128, 3072, 768}));
  EXPECT_EQ(find_case("dense-256").workload.op, "dense");
  const Workload& packed = find_case("dense-packed-bert-768").workload;
  EXPECT_EQ(packed.op, "dense_packed");
  EXPECT_EQ(packed.shape, (std::vector<int64_t>{128, 768, 768, 16}));
  const Workload& stem = find_case("resnet-224x224-3-64-7x7s2").workload;
  // Channel-blocked: the stem's 3 channels in one block, 16-channel blocks elsewhere.
  EXPECT_EQ(stem.op, "conv2d_nchwc");
  EXPECT_EQ(stem.shape, (std::vector<int64_t>{1, 3, 224, 224, 64, 7, 7, 2, 3, 3, 16}));
  EXPECT_EQ(find_case("resnet-56x56-64-256-1x1").workload.shape,
            (std::vector<int64_t>{1, 64, 56, 56, 256, 1, 1, 1, 0, 16, 16}));
  const Workload& dw = find_case("mbv2-56x56-144").workload;
  EXPECT_EQ(dw.op, "depthwise_conv2d_nchwc");
  EXPECT_EQ(dw.shape, (std::vector<int64_t>{1, 144, 56, 56, 3, 3, 1, 1, 16}));
}

TEST(TuneCpuCases, EveryCaseInstantiatesWithTheExpectedFlops) {
  // 28x28 128->128 3x3 pad 1 keeps 28x28: 2·128·128·9·28·28 flops.
  EXPECT_DOUBLE_EQ(instantiate(find_case("resnet-28x28-128").workload).flops, 2.0 * 128 * 128 * 9 * 28 * 28);
  // The stem halves 224 to 112.
  EXPECT_DOUBLE_EQ(instantiate(find_case("resnet-224x224-3-64-7x7s2").workload).flops,
                   2.0 * 64 * 3 * 49 * 112 * 112);
  for (const TuneCpuCase& c : tune_cpu_cases()) EXPECT_GT(instantiate(c.workload).flops, 0) << c.name;
}

TEST(TuneCpuCases, SelectionKeepsOrderAndRejectsUnknownNames) {
  auto sel = select_tune_cpu_cases("mbv2-28x28-192,dense-512");
  ASSERT_EQ(sel.size(), 2u);
  EXPECT_EQ(sel[0].name, "mbv2-28x28-192");
  EXPECT_EQ(sel[1].name, "dense-512");
  EXPECT_EQ(select_tune_cpu_cases("").size(), tune_cpu_cases().size());
  try {
    select_tune_cpu_cases("dense-256,resnet-99");
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown case 'resnet-99'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mbv2-56x56-144"), std::string::npos) << e.what();
  }
}

// A dense_packed case hands the peers its weight unpacked; what they compute
// from it is checked against the case's expected output (dense_packed's
// reference on the packed input).
TEST(TuneCpuCases, PeersOfDensePackedRunOnTheUnpackedWeight) {
  TuneCpuData d({"tiny-packed", Workload{"dense_packed", {3, 32, 5, 16}, "float32"}});
  ASSERT_TRUE(d.unpacked_weight.has_value());
  EXPECT_EQ(d.dense_weight().shape(), (std::vector<int64_t>{32, 5}));
  EXPECT_EQ(max_abs_diff(ops::pack_dense_weight(d.dense_weight(), 16), d.inputs[1]), 0.0);
  EXPECT_LE(max_abs_diff(ops::ref::dense(d.inputs[0], d.dense_weight()), d.expected), 1e-6);
  int peers = 0;
  for (auto make : {make_openblas_tune_cpu, make_onednn_tune_cpu}) {
    std::unique_ptr<TuneCpuPeer> peer = make();
    if (!peer) continue;  // not compiled in
    peers++;
    ASSERT_TRUE(peer->supports("dense_packed")) << peer->name();
    peer->set_threads(1);
    d.output.fill_zero();
    peer->prepare(d)(0);
    EXPECT_TRUE(all_close(d.output, d.expected, 1e-4, 1e-4))
        << peer->name() << ": max |diff| " << max_abs_diff(d.output, d.expected);
  }
  if (peers == 0) GTEST_SKIP() << "neither OpenBLAS nor oneDNN is compiled in";
  // A plain dense case has no unpacked copy: the peers read its input.
  TuneCpuData plain({"tiny", Workload{"dense", {3, 32, 5}, "float32"}});
  EXPECT_FALSE(plain.unpacked_weight.has_value());
  EXPECT_EQ(&plain.dense_weight(), &plain.inputs[1]);
}

TEST(TuneCpuTuning, TrialsToReach95PercentOfTheFinalBest) {
  EXPECT_EQ(trials_to_reach({}), 0);
  EXPECT_EQ(trials_to_reach({0, 0, 0}), 0);
  EXPECT_EQ(trials_to_reach({0, 10, 50, 96, 96, 100}), 4);  // 96 >= 95
  EXPECT_EQ(trials_to_reach({0, 10, 50, 94, 94, 100}), 6);
  EXPECT_EQ(trials_to_reach({7, 7, 7}), 1);
  EXPECT_EQ(trials_to_reach({0, 40, 80}, 0.5), 2);
}

TEST(TuneCpuJson, AnvilRowsCarryTheTuningFields) {
  BenchRow anvil;
  anvil.suite = "tune-cpu";
  anvil.case_name = "dense-256";
  anvil.impl = "anvil";
  anvil.shape = {256, 256, 256};
  anvil.median_us = 100;
  anvil.correct = true;
  BenchRow peer = anvil;
  peer.impl = "onednn";
  TuningSummary s{"dense-256", 32, 3, 12.5, 9, 80.0, "random"};
  TuningSummary other{"dense-512", 64, 0, 40.0, 50, 90.0, "xgboost"};
  nlohmann::json j = tune_cpu_row_json(anvil, {other, s});
  EXPECT_EQ(j["case"], "dense-256");
  EXPECT_EQ(j["trials"], 32);
  EXPECT_EQ(j["trial_failures"], 3);
  EXPECT_EQ(j["trials_to_95"], 9);
  EXPECT_DOUBLE_EQ(j["tune_seconds"].get<double>(), 12.5);
  EXPECT_EQ(j["model"], "random");
  // Still a valid row for the gemm-fp32 reader.
  EXPECT_EQ(row_from_json(j).impl, "anvil");
  nlohmann::json pj = tune_cpu_row_json(peer, {s});
  EXPECT_FALSE(pj.contains("trials"));
  EXPECT_EQ(pj["impl"], "onednn");

  std::string table = format_tuning_table({s});
  EXPECT_NE(table.find("dense-256"), std::string::npos);
  EXPECT_NE(table.find("12.5"), std::string::npos);
  EXPECT_NE(table.find("random"), std::string::npos);
}

TEST(TuneCpuTvm, CaseArgumentsNameOpAndShape) {
  EXPECT_EQ(tvm_case_args(select_tune_cpu_cases("dense-256,mbv2-28x28-192")),
            " --case dense-256=dense:256,256,256 --case mbv2-28x28-192=depthwise_conv2d_nchwc:1,192,28,28,3,3,1,1,16");
  EXPECT_EQ(tvm_case_args(select_tune_cpu_cases("dense-packed-512")),
            " --case dense-packed-512=dense_packed:512,512,512,16");
}

}  // namespace
}  // namespace anvil::bench
