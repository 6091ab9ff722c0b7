// The onednn rows of tune-cpu: dense (and dense_packed, from its unpacked
// weight: oneDNN packs it ahead of time itself) through the matmul primitive,
// conv2d and depthwise (groups = C) through the convolution primitive, every
// tensor in the layout oneDNN prefers (format `any`); inputs and weights are
// reordered once outside the timing, the output back to the case's layout
// (NCHW, or the blocked one of conv2d_nchwc) only for the check.
//
// The onednn-plain rows (dense only) give the matmul primitive the weight as
// stored, [N, K] row-major, so whatever oneDNN does with it happens inside
// the timing: the counterpart of Anvil's plain dense, which packs its weight
// on every call.
#include <dnnl.hpp>

#include <optional>

#include "GemmSuite.h"
#include "TuneCpuSuite.h"
#include "anvil/support/Error.h"

namespace anvil::bench {

namespace {

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

class OneDnnTuneCpu : public TuneCpuPeer {
 public:
  explicit OneDnnTuneCpu(bool plain_weights) : plain_weights_(plain_weights) {}
  std::string name() const override { return plain_weights_ ? "onednn-plain" : "onednn"; }
  bool supports(const std::string& op) const override {
    if (plain_weights_) return op == "dense";
    return op == "dense" || op == "dense_packed" || op == "conv2d_nchw" || op == "conv2d_nchwc" ||
           op == "depthwise_conv2d_nchw" || op == "depthwise_conv2d_nchwc";
  }
  void set_threads(int threads) override { set_omp_threads(threads); }

  TuneCpuKernel prepare(TuneCpuData& d) override {
    const std::vector<int64_t>& s = d.c.workload.shape;
    // dense_packed (M,N,K,NB) runs as dense on its unpacked weight; the check
    // compares with dense_packed's reference, the same product.
    if (d.c.workload.op == "dense" || d.c.workload.op == "dense_packed")
      return prepare_dense(d, s[0], s[1], s[2]);
    if (d.c.workload.op == "conv2d_nchw")
      return prepare_conv(d, {s[0], s[1], s[2], s[3]}, {s[4], s[1], s[5], s[6]}, s[7], s[8], 1, {});
    if (d.c.workload.op == "conv2d_nchwc") return prepare_blocked_conv(d, s);
    if (d.c.workload.op == "depthwise_conv2d_nchwc") {
      // N,C,H,W,KH,KW,stride,pad,CB: weight [C/16, KH, KW, 16] is Goihw16g {C, 1, 1, KH, KW} byte for byte.
      ANVIL_USER_CHECK(s[8] == 16, "onednn: depthwise_conv2d_nchwc block CB=" << s[8] << " has no oneDNN format");
      return prepare_conv(d, {s[0], s[1], s[2], s[3]}, {s[1], 1, 1, s[4], s[5]}, s[6], s[7], s[1],
                          {tag::nChw16c, tag::Goihw16g, tag::nChw16c});
    }
    ANVIL_USER_CHECK(d.c.workload.op == "depthwise_conv2d_nchw", "onednn: unsupported op " << d.c.workload.op);
    // Depthwise weight [C, 1, KH, KW] is goihw {C, 1, 1, KH, KW} byte for byte.
    return prepare_conv(d, {s[0], s[1], s[2], s[3]}, {s[1], 1, 1, s[4], s[5]}, s[6], s[7], s[1], {});
  }

 private:
  // Y[M, N] = X[M, K] · W[N, K]^T: W seen as B[K, N] with strides (1, K).
  TuneCpuKernel prepare_dense(TuneCpuData& d, memory::dim M, memory::dim N, memory::dim K) {
    memory::desc x_md({M, K}, dt::f32, tag::ab);
    memory::desc w_plain({K, N}, dt::f32, tag::ba);
    memory::desc w_any({K, N}, dt::f32, tag::any);
    memory::desc y_md({M, N}, dt::f32, tag::ab);
    matmul::primitive_desc pd(matmul::desc(x_md, plain_weights_ ? w_plain : w_any, y_md), engine_);
    prim_ = matmul(pd);
    memory w_user(w_plain, engine_, d.dense_weight().raw());
    args_ = {{DNNL_ARG_SRC, memory(x_md, engine_, d.inputs[0].raw())},
             {DNNL_ARG_WEIGHTS, reordered(w_user, pd.weights_desc())},
             {DNNL_ARG_DST, memory(y_md, engine_, d.output.raw())}};
    stream_.wait();
    return [this](int64_t) {
      prim_.execute(stream_, args_);
      stream_.wait();
    };
  }

  // The user's layouts of src, weights and dst; empty: plain NCHW, (g)oihw, NCHW.
  struct UserTags {
    std::optional<tag> src, weights, dst;
  };

  // conv2d_nchwc (N,C,H,W,O,KH,KW,stride,pad,CB,OB): Anvil's blocked layouts
  // named in oneDNN's terms — nChw16c, or nhwc when one block holds every
  // channel (the stem's C = 3); weights OIhw16i16o, or Ohwi16o for C = CB.
  TuneCpuKernel prepare_blocked_conv(TuneCpuData& d, const std::vector<int64_t>& s) {
    ANVIL_USER_CHECK(s[10] == 16 && (s[9] == 16 || s[9] == s[1]),
                     "onednn: conv2d_nchwc blocks CB=" << s[9] << " OB=" << s[10]
                                                       << " have no oneDNN format (OB 16 and CB 16 or C)");
    UserTags t;
    t.src = s[9] == 16 ? tag::nChw16c : tag::nhwc;
    t.weights = s[9] == 16 ? tag::OIhw16i16o : tag::Ohwi16o;
    t.dst = tag::nChw16c;
    return prepare_conv(d, {s[0], s[1], s[2], s[3]}, {s[4], s[1], s[5], s[6]}, s[7], s[8], 1, t);
  }

  TuneCpuKernel prepare_conv(TuneCpuData& d, const memory::dims& src_dims, const memory::dims& w_dims,
                             memory::dim stride, memory::dim pad, memory::dim groups, const UserTags& user) {
    const memory::dims dst_dims = conv_output_dims(src_dims, w_dims, stride, pad, groups);
    memory::desc src_any(src_dims, dt::f32, tag::any), w_any(w_dims, dt::f32, tag::any),
        dst_any(dst_dims, dt::f32, tag::any);
    convolution_forward::desc desc(prop_kind::forward_inference, algorithm::convolution_direct, src_any, w_any,
                                   dst_any, {stride, stride}, {pad, pad}, {pad, pad});
    convolution_forward::primitive_desc pd(desc, engine_);
    prim_ = convolution_forward(pd);
    memory src_user({src_dims, dt::f32, user.src.value_or(tag::nchw)}, engine_, d.inputs[0].raw());
    memory w_user({w_dims, dt::f32, user.weights.value_or(groups > 1 ? tag::goihw : tag::oihw)}, engine_,
                  d.inputs[1].raw());
    dst_user_ = memory({dst_dims, dt::f32, user.dst.value_or(tag::nchw)}, engine_, d.output.raw());
    dst_ = pd.dst_desc() == dst_user_.get_desc() ? dst_user_ : memory(pd.dst_desc(), engine_);
    args_ = {{DNNL_ARG_SRC, reordered(src_user, pd.src_desc())},
             {DNNL_ARG_WEIGHTS, reordered(w_user, pd.weights_desc())},
             {DNNL_ARG_DST, dst_}};
    stream_.wait();
    // Call 0 (the one checked) also brings the output back to NCHW; timed calls do not.
    return [this](int64_t i) {
      prim_.execute(stream_, args_);
      if (i == 0 && dst_ != dst_user_) reorder(dst_, dst_user_).execute(stream_, dst_, dst_user_);
      stream_.wait();
    };
  }

  // [N, O, OH, OW] of a conv (weights [O, ...] or, grouped, [G, O/G, ...]).
  static memory::dims conv_output_dims(const memory::dims& src, const memory::dims& w, memory::dim stride,
                                       memory::dim pad, memory::dim groups) {
    const size_t kh = w.size() - 2, kw = w.size() - 1;
    memory::dim out_channels = groups > 1 ? w[0] * w[1] : w[0];
    return {src[0], out_channels, (src[2] + 2 * pad - w[kh]) / stride + 1, (src[3] + 2 * pad - w[kw]) / stride + 1};
  }

  memory reordered(memory& user, const memory::desc& want) {
    if (user.get_desc() == want) return user;
    memory packed(want, engine_);
    reorder(user, packed).execute(stream_, user, packed);
    return packed;
  }

  bool plain_weights_;
  engine engine_{engine::kind::cpu, 0};
  stream stream_{engine_};
  primitive prim_;
  std::unordered_map<int, memory> args_;
  memory dst_, dst_user_;
};

}  // namespace

std::unique_ptr<TuneCpuPeer> make_onednn_tune_cpu() { return std::make_unique<OneDnnTuneCpu>(false); }
std::unique_ptr<TuneCpuPeer> make_onednn_plain_tune_cpu() { return std::make_unique<OneDnnTuneCpu>(true); }

}  // namespace anvil::bench
