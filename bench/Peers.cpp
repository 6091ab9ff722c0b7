// Which peer libraries were found when anvil was configured (bench/CMakeLists.txt
// defines ANVIL_BENCH_HAVE_* for each one it links).
#include "GemmSuite.h"

namespace anvil::bench {

std::vector<PeerFactory> in_process_peers() {
  std::vector<PeerFactory> peers;
#ifdef ANVIL_BENCH_HAVE_OPENBLAS
  peers.push_back({"openblas", [] { return make_openblas_gemm(); }, ""});
#else
  peers.push_back({"openblas", nullptr, "OpenBLAS (libopenblas-dev) was not found when anvil was configured"});
#endif
#ifdef ANVIL_BENCH_HAVE_ONEDNN
  peers.push_back({"onednn", [] { return make_onednn_gemm(); }, ""});
#else
  peers.push_back({"onednn", nullptr, "oneDNN (libdnnl-dev) was not found when anvil was configured"});
#endif
  return peers;
}

}  // namespace anvil::bench
