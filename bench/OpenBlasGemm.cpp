// The openblas rows: cblas_sgemm (row-major, no transposes) and cblas_sgemv
// for GEMV, threads through openblas_set_num_threads.
#include <cblas.h>

#include "GemmSuite.h"

namespace anvil::bench {

namespace {

class OpenBlasGemm : public GemmImpl {
 public:
  std::string name() const override { return "openblas"; }
  void set_threads(int threads) override { openblas_set_num_threads(threads); }
  GemmKernel prepare(GemmData& data, int) override {
    const int M = int(data.c.M), N = int(data.c.N), K = int(data.c.K);
    if (data.c.is_gemv()) {
      // y[N] = B[K, N]^T · x[K]
      return [&data, N, K](int64_t w) {
        cblas_sgemv(CblasRowMajor, CblasTrans, K, N, 1.0f, data.B[w % data.B.size()].data<float>(), N,
                    data.A.data<float>(), 1, 0.0f, data.C.data<float>(), 1);
      };
    }
    return [&data, M, N, K](int64_t w) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, data.A.data<float>(), K,
                  data.B[w % data.B.size()].data<float>(), N, 0.0f, data.C.data<float>(), N);
    };
  }
};

}  // namespace

std::unique_ptr<GemmImpl> make_openblas_gemm() { return std::make_unique<OpenBlasGemm>(); }

}  // namespace anvil::bench
