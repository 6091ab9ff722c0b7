// The onednn rows: the matmul primitive with weights in the layout it prefers
// (format `any`), reordered once outside the timing; oneDNN (Debian) threads
// with OpenMP.
#include <dnnl.hpp>

#include "GemmSuite.h"

namespace anvil::bench {

namespace {

class OneDnnGemm : public GemmImpl {
 public:
  std::string name() const override { return "onednn"; }
  void set_threads(int threads) override { set_omp_threads(threads); }
  GemmKernel prepare(GemmData& data, int) override {
    using namespace dnnl;
    using tag = memory::format_tag;
    using dt = memory::data_type;
    const memory::dim M = data.c.M, N = data.c.N, K = data.c.K;
    memory::desc a_md({M, K}, dt::f32, tag::ab);
    memory::desc b_any({K, N}, dt::f32, tag::any);
    memory::desc b_plain({K, N}, dt::f32, tag::ab);
    memory::desc c_md({M, N}, dt::f32, tag::ab);
    matmul::primitive_desc pd(matmul::desc(a_md, b_any, c_md), engine_);
    prim_ = matmul(pd);
    a_ = memory(a_md, engine_, data.A.raw());
    c_ = memory(c_md, engine_, data.C.raw());
    weights_.clear();
    for (HostBuffer& b : data.B) {
      memory plain(b_plain, engine_, b.raw());
      if (pd.weights_desc() == b_plain) {
        weights_.push_back(plain);
        continue;
      }
      memory packed(pd.weights_desc(), engine_);
      reorder(plain, packed).execute(stream_, plain, packed);
      weights_.push_back(packed);
    }
    stream_.wait();
    return [this](int64_t w) {
      prim_.execute(stream_, {{DNNL_ARG_SRC, a_},
                              {DNNL_ARG_WEIGHTS, weights_[w % weights_.size()]},
                              {DNNL_ARG_DST, c_}});
      stream_.wait();
    };
  }

 private:
  dnnl::engine engine_{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream_{engine_};
  dnnl::matmul prim_;
  dnnl::memory a_, c_;
  std::vector<dnnl::memory> weights_;
};

}  // namespace

std::unique_ptr<GemmImpl> make_onednn_gemm() { return std::make_unique<OneDnnGemm>(); }

}  // namespace anvil::bench
