// Workload keys and the operators that can be built by name (see Workload.h).
#include "anvil/autotune/Workload.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

#include "anvil/ops/Conv2D.h"
#include "anvil/ops/Dense.h"
#include "anvil/ops/Elemwise.h"
#include "anvil/ops/Normalization.h"
#include "anvil/ops/Pool.h"
#include "anvil/ops/QuantizedDense.h"
#include "anvil/ops/Reference.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {

const DataType kF32 = DataType::Float(32);

Tensor input(std::vector<int64_t> shape, const char* name) {
  std::vector<Expr> dims;
  for (int64_t d : shape) dims.push_back(Expr(static_cast<int>(d)));
  return placeholder(dims, kF32, name);
}

int as_int(int64_t v) { return static_cast<int>(v); }

}  // namespace

const std::vector<WorkloadKind>& workload_kinds() {
  static const std::vector<WorkloadKind> kinds = {
      {"matmul", "M,N,K", 3,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         w.inputs = {input({s[0], s[2]}, "A"), input({s[2], s[1]}, "B")};
         w.output = ops::matmul(w.inputs[0], w.inputs[1], kF32, "C");
         w.reference = [](const std::vector<HostBuffer>& in) { return ops::ref::matmul(in[0], in[1], kF32); };
         w.flops = 2.0 * s[0] * s[1] * s[2];
         return w;
       }},
      {"dense", "M,N,K", 3,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         w.inputs = {input({s[0], s[2]}, "X"), input({s[1], s[2]}, "W")};
         w.output = ops::dense(w.inputs[0], w.inputs[1], kF32, "Y");
         w.reference = [](const std::vector<HostBuffer>& in) { return ops::ref::dense(in[0], in[1], kF32); };
         w.flops = 2.0 * s[0] * s[1] * s[2];
         return w;
       }},
      // float32 data [M, K] x weights pre-packed [N/NB, K, NB] (pack_dense_weight) -> [M, N].
      {"dense_packed", "M,N,K,NB", 4,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         ANVIL_USER_CHECK(s[3] >= 1 && s[1] % s[3] == 0,
                          "dense_packed: N=" << s[1] << " must be a multiple of NB=" << s[3]
                                             << " (the weight is packed in panels of NB output channels)");
         w.inputs = {input({s[0], s[2]}, "data"), input({s[1] / s[3], s[2], s[3]}, "packed")};
         w.output = ops::dense_packed(w.inputs[0], w.inputs[1], "out");
         w.reference = [](const std::vector<HostBuffer>& in) { return ops::ref::dense_packed(in[0], in[1]); };
         w.flops = 2.0 * s[0] * s[1] * s[2];
         return w;
       }},
      // uint8 activations [M, K] x int8 weights pre-packed [ceil(N/16), ceil(K/4), 16, 4] -> int32.
      {"dense_u8s8_packed", "M,N,K", 3,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         std::vector<Expr> packed_shape;
         for (int64_t d : ops::dense_u8s8_packed_weight_shape(s[1], s[2]))
           packed_shape.push_back(Expr(as_int(d)));
         w.inputs = {placeholder({Expr(as_int(s[0])), Expr(as_int(s[2]))}, DataType::UInt(8), "data"),
                     placeholder(packed_shape, DataType::Int(8), "packed")};
         w.output = ops::dense_u8s8_packed(w.inputs[0], w.inputs[1], s[1], "out");
         int64_t n = s[1];
         w.reference = [n](const std::vector<HostBuffer>& in) {
           return ops::ref::dense_u8s8_packed(in[0], in[1], n);
         };
         w.flops = 2.0 * s[0] * s[1] * s[2];
         return w;
       },
       "int8"},
      {"batch_matmul", "B,M,N,K", 4,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         w.inputs = {input({s[0], s[1], s[3]}, "A"), input({s[0], s[3], s[2]}, "B")};
         w.output = ops::batch_matmul(w.inputs[0], w.inputs[1], kF32, "C");
         w.reference = [](const std::vector<HostBuffer>& in) {
           return ops::ref::batch_matmul(in[0], in[1], kF32);
         };
         w.flops = 2.0 * s[0] * s[1] * s[2] * s[3];
         return w;
       }},
      {"conv2d_nchw", "N,C,H,W,O,KH,KW,stride,pad", 9,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         ops::Conv2DAttrs attrs;
         attrs.strides = {as_int(s[7]), as_int(s[7])};
         attrs.padding = {as_int(s[8]), as_int(s[8]), as_int(s[8]), as_int(s[8])};
         w.inputs = {input({s[0], s[1], s[2], s[3]}, "data"), input({s[4], s[1], s[5], s[6]}, "weight")};
         w.output = ops::conv2d_nchw(w.inputs[0], w.inputs[1], attrs, "conv");
         w.reference = [attrs](const std::vector<HostBuffer>& in) {
           return ops::ref::conv2d_nchw(in[0], in[1], attrs);
         };
         const auto& out = w.output.shape();
         w.flops = 2.0 * s[0] * s[4] * s[1] * s[5] * s[6] * double(*as_const_int(out[2])) *
                   double(*as_const_int(out[3]));
         return w;
       }},
      // The NCHW problem in channel-blocked layouts (ops/Layout.h): data
      // [N, C/CB, H, W, CB], weight [O/OB, C/CB, KH, KW, CB, OB].
      {"conv2d_nchwc", "N,C,H,W,O,KH,KW,stride,pad,CB,OB", 11,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         ANVIL_USER_CHECK(s[9] >= 1 && s[10] >= 1 && s[1] % s[9] == 0 && s[4] % s[10] == 0,
                          "conv2d_nchwc: C=" << s[1] << " and O=" << s[4] << " must be multiples of CB=" << s[9]
                                             << " and OB=" << s[10]);
         ops::Conv2DAttrs attrs;
         attrs.strides = {as_int(s[7]), as_int(s[7])};
         attrs.padding = {as_int(s[8]), as_int(s[8]), as_int(s[8]), as_int(s[8])};
         w.inputs = {input({s[0], s[1] / s[9], s[2], s[3], s[9]}, "data"),
                     input({s[4] / s[10], s[1] / s[9], s[5], s[6], s[9], s[10]}, "weight")};
         w.output = ops::conv2d_nchwc(w.inputs[0], w.inputs[1], attrs, "conv");
         w.reference = [attrs](const std::vector<HostBuffer>& in) {
           return ops::ref::conv2d_nchwc(in[0], in[1], attrs);
         };
         const auto& out = w.output.shape();
         w.flops = 2.0 * s[0] * s[4] * s[1] * s[5] * s[6] * double(*as_const_int(out[2])) *
                   double(*as_const_int(out[3]));
         return w;
       }},
      {"depthwise_conv2d_nchw", "N,C,H,W,KH,KW,stride,pad", 8,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         ops::DepthwiseConv2DAttrs attrs;
         attrs.strides = {as_int(s[6]), as_int(s[6])};
         attrs.padding = {as_int(s[7]), as_int(s[7]), as_int(s[7]), as_int(s[7])};
         w.inputs = {input({s[0], s[1], s[2], s[3]}, "data"), input({s[1], 1, s[4], s[5]}, "weight")};
         w.output = ops::depthwise_conv2d_nchw(w.inputs[0], w.inputs[1], attrs, "dwconv");
         w.reference = [attrs](const std::vector<HostBuffer>& in) {
           return ops::ref::depthwise_conv2d_nchw(in[0], in[1], attrs);
         };
         const auto& out = w.output.shape();
         w.flops = 2.0 * s[0] * s[1] * s[4] * s[5] * double(*as_const_int(out[2])) *
                   double(*as_const_int(out[3]));
         return w;
       }},
      // Channel-blocked depthwise: data [N, C/CB, H, W, CB], weight [C/CB, KH, KW, CB].
      {"depthwise_conv2d_nchwc", "N,C,H,W,KH,KW,stride,pad,CB", 9,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         ANVIL_USER_CHECK(s[8] >= 1 && s[1] % s[8] == 0,
                          "depthwise_conv2d_nchwc: C=" << s[1] << " must be a multiple of CB=" << s[8]);
         ops::DepthwiseConv2DAttrs attrs;
         attrs.strides = {as_int(s[6]), as_int(s[6])};
         attrs.padding = {as_int(s[7]), as_int(s[7]), as_int(s[7]), as_int(s[7])};
         w.inputs = {input({s[0], s[1] / s[8], s[2], s[3], s[8]}, "data"),
                     input({s[1] / s[8], s[4], s[5], s[8]}, "weight")};
         w.output = ops::depthwise_conv2d_nchwc(w.inputs[0], w.inputs[1], attrs, "dwconv");
         w.reference = [attrs](const std::vector<HostBuffer>& in) {
           return ops::ref::depthwise_conv2d_nchwc(in[0], in[1], attrs);
         };
         const auto& out = w.output.shape();
         w.flops = 2.0 * s[0] * s[1] * s[4] * s[5] * double(*as_const_int(out[2])) *
                   double(*as_const_int(out[3]));
         return w;
       }},
      {"max_pool2d", "N,C,H,W,kernel,stride,pad", 7,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         ops::Pool2DAttrs attrs;
         attrs.kernel = {as_int(s[4]), as_int(s[4])};
         attrs.strides = {as_int(s[5]), as_int(s[5])};
         attrs.padding = {as_int(s[6]), as_int(s[6]), as_int(s[6]), as_int(s[6])};
         w.inputs = {input({s[0], s[1], s[2], s[3]}, "data")};
         w.output = ops::max_pool2d(w.inputs[0], attrs, "pool");
         w.reference = [attrs](const std::vector<HostBuffer>& in) { return ops::ref::max_pool2d(in[0], attrs); };
         w.flops = double(s[0] * s[1] * s[4] * s[4]) * double(*as_const_int(w.output.shape()[2])) *
                   double(*as_const_int(w.output.shape()[3]));
         return w;
       }},
      {"relu", "N", 1,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         w.inputs = {input({s[0]}, "x")};
         w.output = ops::relu(w.inputs[0], "y");
         w.reference = [](const std::vector<HostBuffer>& in) { return ops::ref::relu(in[0]); };
         w.flops = double(s[0]);
         return w;
       }},
      {"softmax", "rows,cols", 2,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         w.inputs = {input({s[0], s[1]}, "x")};
         w.output = ops::softmax(w.inputs[0], -1, "y");
         w.reference = [](const std::vector<HostBuffer>& in) { return ops::ref::softmax(in[0], -1); };
         w.flops = 4.0 * s[0] * s[1];
         return w;
       }},
      {"layer_norm", "rows,cols", 2,
       [](const std::vector<int64_t>& s) -> WorkloadInstance {
         WorkloadInstance w;
         w.inputs = {input({s[0], s[1]}, "x"), input({s[1]}, "gamma"), input({s[1]}, "beta")};
         w.output = ops::layer_norm(w.inputs[0], w.inputs[1], w.inputs[2], -1, 1e-5, "y");
         w.reference = [](const std::vector<HostBuffer>& in) {
           return ops::ref::layer_norm(in[0], in[1], in[2], -1, 1e-5);
         };
         w.flops = 8.0 * s[0] * s[1];
         return w;
       }},
  };
  return kinds;
}

std::vector<int64_t> parse_shape(const std::string& text) {
  std::vector<int64_t> shape;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    ANVIL_USER_CHECK(used == item.size() && !item.empty() && v >= 0,
                     "shape '" << text << "': '" << item << "' is not a non-negative integer");
    shape.push_back(v);
  }
  return shape;
}

WorkloadInstance instantiate(const Workload& w) {
  std::string valid;
  for (const WorkloadKind& k : workload_kinds()) {
    if (w.op == k.name) {
      ANVIL_USER_CHECK(w.dtype == k.dtype, "workload " << w.key() << ": dtype " << w.dtype
                                                       << " is not supported yet (operator "
                                                       << w.op << " takes " << k.dtype << ")");
      ANVIL_USER_CHECK(w.shape.size() == k.shape_arity, "operator " << w.op << " takes a shape "
                                                                    << k.shape_help << " ("
                                                                    << k.shape_arity
                                                                    << " numbers), got "
                                                                    << w.shape.size());
      return k.build(w.shape);
    }
    valid += valid.empty() ? k.name : std::string(", ") + k.name;
  }
  throw UserError("unknown operator '" + w.op + "' (valid: " + valid + ")");
}

std::string Workload::key() const {
  nlohmann::json j = {{"op", op}, {"shape", shape}, {"dtype", dtype}};
  return j.dump();  // keys sorted: canonical
}

std::string Workload::hash() const {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64-bit offset basis (0xcbf29ce484222325)
  for (unsigned char c : key()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(h));
  return out;
}

Workload Workload::from_key(const std::string& key) {
  try {
    nlohmann::json j = nlohmann::json::parse(key);
    Workload w;
    w.op = j.at("op").get<std::string>();
    w.shape = j.at("shape").get<std::vector<int64_t>>();
    w.dtype = j.value("dtype", "float32");
    return w;
  } catch (const nlohmann::json::exception& e) {
    throw UserError("workload key '" + key + "' is malformed: " + e.what());
  }
}

}  // namespace anvil
