// cudnn.conv — does cuDNN convolve correctly on this GPU, and how fast?
//
// Forward convolution (3x3, padding 1) in FP32, FP16 and BF16, each in NCHW
// and NHWC, on fresh random inputs, compared with a CPU reference computed
// in double from the same rounded inputs (relative Frobenius error; FP32
// with FMA math, so no TF32, tolerance 1e-4 since Winograd/FFT algorithms
// reorder sums; FP16 3e-3, BF16 1e-2). At the full level, backward data and
// backward filter (FP32, NCHW) too. Then a layer-sized FP16 NHWC
// convolution (64x256x28x28, 256 filters) is timed (3 warm-up, then the
// median of 3 or more batches of 50 back-to-back convolutions, each batch
// enqueued behind a gate kernel), with 256 of
// its outputs checked against the CPU, and reported as TFLOP/s with the
// algorithm cuDNN chose.
// Pass: every case within tolerance, no NaN.
// Fail: a wrong result (memory/compute fault), or a cuDNN error, named with
// cuDNN's words and its cause (CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED:
// installation incomplete, with the loader's words for the file;
// NOT_SUPPORTED_ARCH_MISMATCH: no kernels for this GPU).
// Skip: only the legacy sub-libraries (ops, cnn) fail to load: this check
// needs them, torch's convolutions do not (the tool's limit).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "kernel_library.h"
#include "modules/common/cuda_resources.h"
#include "modules/cudnn/cudnn_api.h"
#include "modules/cudnn/cudnn_check.h"
#include "platform/library_open.h"
#include "preflight/numeric_check.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/side_by_side.h"
#include "preflight/strings.h"
#include "stream_gate.cuh"

namespace preflight {
namespace {

struct Shape {
  int n, c, h, w, k, r, s, pad;
  [[nodiscard]] int out_h() const { return h + 2 * pad - r + 1; }
  [[nodiscard]] int out_w() const { return w + 2 * pad - s + 1; }
};

// Element offsets for the two layouts (cuDNN's NHWC filter is KRSC).
size_t Act(bool nhwc, int channels, int n, int c, int y, int x, int hh,
           int ww) {
  return nhwc ? ((static_cast<size_t>(n) * hh + y) * ww + x) * channels + c
              : ((static_cast<size_t>(n) * channels + c) * hh + y) * ww + x;
}
size_t Filt(const Shape& sh, bool nhwc, int k, int c, int r, int s) {
  return nhwc ? ((static_cast<size_t>(k) * sh.r + r) * sh.s + s) * sh.c + c
              : ((static_cast<size_t>(k) * sh.c + c) * sh.r + r) * sh.s + s;
}

// y[n,k,p,q] = sum_{c,r,s} x[n,c,p+r-pad,q+s-pad] * w[k,c,r,s], in double;
// x and w are anything indexable by element offset.
template <typename X, typename W>
double RefOutput(const Shape& sh, bool nhwc, const X& x, const W& w, int n,
                 int k, int p, int q) {
  double acc = 0;
  for (int c = 0; c < sh.c; ++c) {
    for (int r = 0; r < sh.r; ++r) {
      const int y = p + r - sh.pad;
      if (y < 0 || y >= sh.h) continue;
      for (int s = 0; s < sh.s; ++s) {
        const int xx = q + s - sh.pad;
        if (xx < 0 || xx >= sh.w) continue;
        acc += x[Act(nhwc, sh.c, n, c, y, xx, sh.h, sh.w)] *
               w[Filt(sh, nhwc, k, c, r, s)];
      }
    }
  }
  return acc;
}

struct TypeInfo {
  Precision precision;
  cudnnDataType_t dtype;
  size_t bytes;
};

// Host values rounded to the type, and their bytes for upload.
void MakeInput(const TypeInfo& t, size_t count, std::mt19937& rng,
               std::vector<double>* values, std::vector<unsigned char>* bytes) {
  std::uniform_real_distribution<float> dist(-1.0F, 1.0F);
  values->resize(count);
  bytes->resize(count * t.bytes);
  for (size_t i = 0; i < count; ++i) {
    const float v = dist(rng);
    if (t.precision == Precision::kFp16) {
      const __half h = __float2half_rn(v);
      std::memcpy(bytes->data() + i * 2, &h, 2);
      (*values)[i] = __half2float(h);
    } else if (t.precision == Precision::kBf16) {
      const __nv_bfloat16 b = __float2bfloat16_rn(v);
      std::memcpy(bytes->data() + i * 2, &b, 2);
      (*values)[i] = __bfloat162float(b);
    } else {
      std::memcpy(bytes->data() + i * 4, &v, 4);
      (*values)[i] = v;
    }
  }
}

// FP16 inputs for the timed layer, made fast: uniform over the 2048
// multiples of 1/1024 in [-1, 1) (each exact in FP16), five per splitmix64
// draw. The layer's 12.8 M inputs took ~0.3 s through std::mt19937 and a
// float-to-half conversion each, on the critical path of every run.
class FastHalfInput {
 public:
  FastHalfInput(size_t count, uint64_t seed) : bits_(count) {
    uint16_t table[2048];
    for (int k = 0; k < 2048; ++k) {
      const __half_raw raw =
          __float2half_rn(static_cast<float>(k - 1024) / 1024.0F);
      table[k] = raw.x;
    }
    uint64_t state = seed;
    for (size_t i = 0; i < count;) {
      // splitmix64
      uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      z ^= z >> 31;
      for (int j = 0; j < 5 && i < count; ++j, ++i) {
        bits_[i] = table[z & 2047];
        z >>= 11;
      }
    }
  }
  [[nodiscard]] const void* data() const { return bits_.data(); }
  [[nodiscard]] size_t bytes() const { return bits_.size() * 2; }
  double operator[](size_t i) const {
    __half_raw raw;
    raw.x = bits_[i];
    return __half2float(__half(raw));
  }

 private:
  std::vector<uint16_t> bits_;
};

double ToDouble(const TypeInfo& t, const unsigned char* p) {
  if (t.precision == Precision::kFp16) {
    __half h;
    std::memcpy(&h, p, 2);
    return __half2float(h);
  }
  if (t.precision == Precision::kBf16) {
    __nv_bfloat16 b;
    std::memcpy(&b, p, 2);
    return __bfloat162float(b);
  }
  float f;
  std::memcpy(&f, p, 4);
  return f;
}

// Descriptors for one convolution problem.
class ConvSetup {
 public:
  ConvSetup(cudnnHandle_t handle, const Shape& sh, const TypeInfo& t, bool nhwc)
      : handle_(handle) {
    const cudnnTensorFormat_t fmt =
        nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
    CheckCudnn(Cudnn().cudnnCreateTensorDescriptor(&x_),
               "cudnnCreateTensorDescriptor");
    CheckCudnn(Cudnn().cudnnCreateTensorDescriptor(&y_),
               "cudnnCreateTensorDescriptor");
    CheckCudnn(Cudnn().cudnnCreateFilterDescriptor(&w_),
               "cudnnCreateFilterDescriptor");
    CheckCudnn(Cudnn().cudnnCreateConvolutionDescriptor(&conv_),
               "cudnnCreateConvolutionDescriptor");
    CheckCudnn(Cudnn().cudnnSetTensor4dDescriptor(x_, fmt, t.dtype, sh.n, sh.c,
                                                  sh.h, sh.w),
               "cudnnSetTensor4dDescriptor");
    CheckCudnn(Cudnn().cudnnSetFilter4dDescriptor(w_, t.dtype, fmt, sh.k, sh.c,
                                                  sh.r, sh.s),
               "cudnnSetFilter4dDescriptor");
    CheckCudnn(Cudnn().cudnnSetConvolution2dDescriptor(
                   conv_, sh.pad, sh.pad, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION,
                   CUDNN_DATA_FLOAT),
               "cudnnSetConvolution2dDescriptor");
    // FP32 stays FP32 (FMA math: no TF32); half types use tensor cores.
    CheckCudnn(
        Cudnn().cudnnSetConvolutionMathType(
            conv_, t.precision == Precision::kFp32 ? CUDNN_FMA_MATH
                                                   : CUDNN_TENSOR_OP_MATH),
        "cudnnSetConvolutionMathType");
    CheckCudnn(Cudnn().cudnnSetTensor4dDescriptor(y_, fmt, t.dtype, sh.n, sh.k,
                                                  sh.out_h(), sh.out_w()),
               "cudnnSetTensor4dDescriptor");
  }
  ~ConvSetup() {
    Cudnn().cudnnDestroyTensorDescriptor(x_);
    Cudnn().cudnnDestroyTensorDescriptor(y_);
    Cudnn().cudnnDestroyFilterDescriptor(w_);
    Cudnn().cudnnDestroyConvolutionDescriptor(conv_);
  }
  ConvSetup(const ConvSetup&) = delete;
  ConvSetup& operator=(const ConvSetup&) = delete;

  cudnnConvolutionFwdAlgo_t PickForward(size_t* workspace) {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int returned = 0;
    CheckCudnn(Cudnn().cudnnGetConvolutionForwardAlgorithm_v7(
                   handle_, x_, w_, conv_, y_, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                   &returned, perf),
               "cudnnGetConvolutionForwardAlgorithm_v7");
    for (int i = 0; i < returned; ++i) {
      if (perf[i].status == CUDNN_STATUS_SUCCESS) {
        CheckCudnn(Cudnn().cudnnGetConvolutionForwardWorkspaceSize(
                       handle_, x_, w_, conv_, y_, perf[i].algo, workspace),
                   "cudnnGetConvolutionForwardWorkspaceSize");
        return perf[i].algo;
      }
    }
    throw CallFailed(
        "no forward algorithm supports this convolution",
        CudnnStatusCause(CUDNN_STATUS_NOT_SUPPORTED, CudnnCudaMajor(Cudnn())));
  }

  void Forward(cudnnConvolutionFwdAlgo_t algo, const void* x, const void* w,
               void* y, void* workspace, size_t workspace_bytes) {
    const float one = 1.0F;
    const float zero = 0.0F;
    CheckCudnn(Cudnn().cudnnConvolutionForward(handle_, &one, x_, x, w_, w,
                                               conv_, algo, workspace,
                                               workspace_bytes, &zero, y_, y),
               "cudnnConvolutionForward");
  }

  cudnnTensorDescriptor_t x_ = nullptr, y_ = nullptr;
  cudnnFilterDescriptor_t w_ = nullptr;
  cudnnConvolutionDescriptor_t conv_ = nullptr;

 private:
  cudnnHandle_t handle_;
};

const char* AlgoName(cudnnConvolutionFwdAlgo_t a) {
  switch (a) {
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM:
      return "implicit_gemm";
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM:
      return "implicit_precomp_gemm";
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM:
      return "gemm";
    case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT:
      return "direct";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT:
      return "fft";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING:
      return "fft_tiling";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD:
      return "winograd";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED:
      return "winograd_nonfused";
    default:
      return "unknown";
  }
}

double ConvTolerance(Precision p) {
  return p == Precision::kFp32 ? 1e-4 : Tolerance(p);
}

struct CaseOutcome {
  std::string label;
  ErrorStats stats;
  double tolerance;
  std::string algo;
};

// One forward case on a small shape, checked against the CPU everywhere.
CaseOutcome ForwardCase(cudnnHandle_t handle, const TypeInfo& t, bool nhwc,
                        bool corrupt, std::mt19937& rng) {
  const Shape sh{2, 16, 12, 12, 24, 3, 3, 1};
  ConvSetup setup(handle, sh, t, nhwc);
  std::vector<double> xv, wv;
  std::vector<unsigned char> xb, wb;
  MakeInput(t, static_cast<size_t>(sh.n) * sh.c * sh.h * sh.w, rng, &xv, &xb);
  MakeInput(t, static_cast<size_t>(sh.k) * sh.c * sh.r * sh.s, rng, &wv, &wb);
  const size_t y_count =
      static_cast<size_t>(sh.n) * sh.k * sh.out_h() * sh.out_w();
  DeviceBuffer x(xb.size()), w(wb.size()), y(y_count * t.bytes);
  CheckCuda(cudaMemcpy(x.get(), xb.data(), xb.size(), cudaMemcpyHostToDevice),
            "cudaMemcpy");
  CheckCuda(cudaMemcpy(w.get(), wb.data(), wb.size(), cudaMemcpyHostToDevice),
            "cudaMemcpy");
  CheckCuda(cudaMemset(y.get(), 0xFF, y_count * t.bytes),
            "cudaMemset");  // NaN poison
  size_t ws_bytes = 0;
  const cudnnConvolutionFwdAlgo_t algo = setup.PickForward(&ws_bytes);
  DeviceBuffer ws(ws_bytes);
  setup.Forward(algo, x.get(), w.get(), y.get(), ws.get(), ws_bytes);
  if (corrupt) {
    CheckCuda(cudaMemset(static_cast<char*>(y.get()) + t.bytes * (y_count / 2),
                         0x7F, t.bytes),
              "cudaMemset (corrupt)");
  }
  std::vector<unsigned char> yb(y_count * t.bytes);
  CheckCuda(cudaMemcpy(yb.data(), y.get(), yb.size(), cudaMemcpyDeviceToHost),
            "cudaMemcpy");
  std::vector<double> got, ref;
  got.reserve(y_count);
  ref.reserve(y_count);
  for (int n = 0; n < sh.n; ++n) {
    for (int k = 0; k < sh.k; ++k) {
      for (int p = 0; p < sh.out_h(); ++p) {
        for (int q = 0; q < sh.out_w(); ++q) {
          const size_t at = Act(nhwc, sh.k, n, k, p, q, sh.out_h(), sh.out_w());
          got.push_back(ToDouble(t, yb.data() + at * t.bytes));
          ref.push_back(RefOutput(sh, nhwc, xv, wv, n, k, p, q));
        }
      }
    }
  }
  CaseOutcome out;
  out.label =
      std::string(PrecisionName(t.precision)) + (nhwc ? "_nhwc" : "_nchw");
  out.stats = CompareToReference(got.data(), ref.data(), got.size());
  out.tolerance = ConvTolerance(t.precision);
  out.algo = AlgoName(algo);
  return out;
}

// The backward passes on the CPU in double, from the same rounded inputs.
void BackwardReference(const Shape& sh, const std::vector<double>& xv,
                       const std::vector<double>& wv,
                       const std::vector<double>& dyv,
                       std::vector<double>* dx_ref,
                       std::vector<double>* dw_ref) {
  // dx[n,c,y,x] = sum_{k,r,s} dy[n,k,y-r+pad,x-s+pad] * w[k,c,r,s]
  // dw[k,c,r,s] = sum_{n,p,q} dy[n,k,p,q] * x[n,c,p+r-pad,q+s-pad]
  dx_ref->assign(xv.size(), 0);
  dw_ref->assign(wv.size(), 0);
  for (int n = 0; n < sh.n; ++n) {
    for (int k = 0; k < sh.k; ++k) {
      for (int p = 0; p < sh.out_h(); ++p) {
        for (int q = 0; q < sh.out_w(); ++q) {
          const double g =
              dyv[Act(false, sh.k, n, k, p, q, sh.out_h(), sh.out_w())];
          for (int c = 0; c < sh.c; ++c) {
            for (int r = 0; r < sh.r; ++r) {
              const int yy = p + r - sh.pad;
              if (yy < 0 || yy >= sh.h) continue;
              for (int s = 0; s < sh.s; ++s) {
                const int xx = q + s - sh.pad;
                if (xx < 0 || xx >= sh.w) continue;
                const size_t xi = Act(false, sh.c, n, c, yy, xx, sh.h, sh.w);
                const size_t wi = Filt(sh, false, k, c, r, s);
                (*dx_ref)[xi] += g * wv[wi];
                (*dw_ref)[wi] += g * xv[xi];
              }
            }
          }
        }
      }
    }
  }
}

// Backward data and filter, FP32 NCHW, against the CPU (full level).
std::vector<CaseOutcome> BackwardCases(cudnnHandle_t handle,
                                       std::mt19937& rng) {
  const Shape sh{2, 8, 10, 10, 12, 3, 3, 1};
  const TypeInfo t{Precision::kFp32, CUDNN_DATA_FLOAT, 4};
  ConvSetup setup(handle, sh, t, false);
  std::vector<double> xv, wv, dyv;
  std::vector<unsigned char> xb, wb, dyb;
  MakeInput(t, static_cast<size_t>(sh.n) * sh.c * sh.h * sh.w, rng, &xv, &xb);
  MakeInput(t, static_cast<size_t>(sh.k) * sh.c * sh.r * sh.s, rng, &wv, &wb);
  MakeInput(t, static_cast<size_t>(sh.n) * sh.k * sh.out_h() * sh.out_w(), rng,
            &dyv, &dyb);
  DeviceBuffer x(xb.size()), w(wb.size()), dy(dyb.size()), dx(xb.size()),
      dw(wb.size());
  CheckCuda(cudaMemcpy(x.get(), xb.data(), xb.size(), cudaMemcpyHostToDevice),
            "cudaMemcpy");
  CheckCuda(cudaMemcpy(w.get(), wb.data(), wb.size(), cudaMemcpyHostToDevice),
            "cudaMemcpy");
  CheckCuda(
      cudaMemcpy(dy.get(), dyb.data(), dyb.size(), cudaMemcpyHostToDevice),
      "cudaMemcpy");
  const float one = 1.0F, zero = 0.0F;

  cudnnConvolutionBwdDataAlgoPerf_t
      dperf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  int returned = 0;
  CheckCudnn(Cudnn().cudnnGetConvolutionBackwardDataAlgorithm_v7(
                 handle, setup.w_, setup.y_, setup.conv_, setup.x_,
                 CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &returned, dperf),
             "cudnnGetConvolutionBackwardDataAlgorithm_v7");
  size_t ws_bytes = 0;
  CheckCudnn(Cudnn().cudnnGetConvolutionBackwardDataWorkspaceSize(
                 handle, setup.w_, setup.y_, setup.conv_, setup.x_,
                 dperf[0].algo, &ws_bytes),
             "cudnnGetConvolutionBackwardDataWorkspaceSize");
  {
    DeviceBuffer ws(ws_bytes);
    CheckCudnn(
        Cudnn().cudnnConvolutionBackwardData(
            handle, &one, setup.w_, w.get(), setup.y_, dy.get(), setup.conv_,
            dperf[0].algo, ws.get(), ws_bytes, &zero, setup.x_, dx.get()),
        "cudnnConvolutionBackwardData");
  }
  cudnnConvolutionBwdFilterAlgoPerf_t
      fperf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  CheckCudnn(Cudnn().cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                 handle, setup.x_, setup.y_, setup.conv_, setup.w_,
                 CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &returned, fperf),
             "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
  CheckCudnn(Cudnn().cudnnGetConvolutionBackwardFilterWorkspaceSize(
                 handle, setup.x_, setup.y_, setup.conv_, setup.w_,
                 fperf[0].algo, &ws_bytes),
             "cudnnGetConvolutionBackwardFilterWorkspaceSize");
  {
    DeviceBuffer ws(ws_bytes);
    CheckCudnn(
        Cudnn().cudnnConvolutionBackwardFilter(
            handle, &one, setup.x_, x.get(), setup.y_, dy.get(), setup.conv_,
            fperf[0].algo, ws.get(), ws_bytes, &zero, setup.w_, dw.get()),
        "cudnnConvolutionBackwardFilter");
  }
  std::vector<float> dxh(xv.size()), dwh(wv.size());
  CheckCuda(
      cudaMemcpy(dxh.data(), dx.get(), dxh.size() * 4, cudaMemcpyDeviceToHost),
      "cudaMemcpy");
  CheckCuda(
      cudaMemcpy(dwh.data(), dw.get(), dwh.size() * 4, cudaMemcpyDeviceToHost),
      "cudaMemcpy");
  std::vector<double> dx_ref, dw_ref;
  BackwardReference(sh, xv, wv, dyv, &dx_ref, &dw_ref);
  std::vector<double> dxd(dxh.begin(), dxh.end()), dwd(dwh.begin(), dwh.end());
  CaseOutcome data{"fp32_backward_data",
                   CompareToReference(dxd.data(), dx_ref.data(), dxd.size()),
                   1e-4, std::to_string(static_cast<int>(dperf[0].algo))};
  CaseOutcome filter{"fp32_backward_filter",
                     CompareToReference(dwd.data(), dw_ref.data(), dwd.size()),
                     1e-4, std::to_string(static_cast<int>(fperf[0].algo))};
  return {data, filter};
}

class Handle {
 public:
  Handle() { CheckCudnn(Cudnn().cudnnCreate(&h_), "cudnnCreate"); }
  ~Handle() { Cudnn().cudnnDestroy(h_); }
  [[nodiscard]] cudnnHandle_t get() const { return h_; }

 private:
  cudnnHandle_t h_ = nullptr;
};

struct TimedConv {
  std::string algo;
  double median_ms = 0;
  double tflops = 0;
  Spread tflops_spread, ms_spread;  // of the timed batches
  ErrorStats sample;
  int retaken_batches = 0;  // their gate timed out (stream_gate.cuh)
};

// A layer-sized FP16 NHWC convolution, timed; 256 outputs checked on the
// CPU. The constructor does everything before the timing (inputs, upload,
// algorithm choice, 3 warm-up convolutions: the first is where cuDNN loads
// its kernel), so that it can run beside the small cases; Time() needs the
// GPU to itself.
class TimedLayer {
 public:
  TimedLayer(uint64_t seed, bool corrupt)
      : rng_(static_cast<uint32_t>(seed)),
        setup_(handle_.get(), kShape, kType, true),
        xv_(static_cast<size_t>(kShape.n) * kShape.c * kShape.h * kShape.w,
            seed),
        y_count_(static_cast<size_t>(kShape.n) * kShape.k * kShape.out_h() *
                 kShape.out_w()),
        corrupt_(corrupt) {
    MakeInput(kType,
              static_cast<size_t>(kShape.k) * kShape.c * kShape.r * kShape.s,
              rng_, &wv_, &wb_);
    x_ = std::make_unique<DeviceBuffer>(xv_.bytes());
    w_ = std::make_unique<DeviceBuffer>(wb_.size());
    y_ = std::make_unique<DeviceBuffer>(y_count_ * 2);
    CheckCuda(
        cudaMemcpy(x_->get(), xv_.data(), xv_.bytes(), cudaMemcpyHostToDevice),
        "cudaMemcpy");
    CheckCuda(
        cudaMemcpy(w_->get(), wb_.data(), wb_.size(), cudaMemcpyHostToDevice),
        "cudaMemcpy");
    CheckCuda(cudaMemset(y_->get(), 0xFF, y_count_ * 2), "cudaMemset");
    algo_ = setup_.PickForward(&ws_bytes_);
    ws_ = std::make_unique<DeviceBuffer>(ws_bytes_);
    for (int i = 0; i < 3; ++i) Forward();
    CheckCuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  }

  TimedConv Time(int runs) {
    // A stream of its own (the set-up used the legacy default stream, now
    // idle), held by a gate while each batch is enqueued.
    cudaStream_t stream = nullptr;
    CheckCuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
              "cudaStreamCreate");
    CheckCudnn(Cudnn().cudnnSetStream(handle_.get(), stream), "cudnnSetStream");
    EventTimer timer(stream);
    // A layer takes ~0.1 ms: time batches of 50 back-to-back convolutions
    // (~5 ms each, per-convolution average), the median of `runs` / 2
    // batches. Each batch is enqueued behind a StreamGate and runs once all
    // of it is queued, so that a host held up mid-batch (other GPUs'
    // workers share the CPU; NCCL may hold the driver's lock) leaves no gap
    // in it. Ungated batches of 10 once read 0.83x a sibling's rate on a
    // healthy GPU while four workers ran, ungated batches of 50 0.85x while
    // NCCL connected the ranks.
    constexpr int kPerBatch = 50;
    StreamGate gate(stream);
    TimedConv out;
    const std::vector<double> ms = gate.Measure(
        std::max(3, runs / 2),
        [&] {
          timer.Start();
          for (int i = 0; i < kPerBatch; ++i) Forward();
          timer.RecordStop();
        },
        [&] { return static_cast<double>(timer.ElapsedMs()) / kPerBatch; },
        &out.retaken_batches);
    CheckCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    Cudnn().cudnnSetStream(handle_.get(), nullptr);
    cudaStreamDestroy(stream);
    if (corrupt_) {
      CheckCuda(cudaMemset(y_->get(), 0x7F, 2 * y_count_),
                "cudaMemset (corrupt)");
    }
    std::vector<unsigned char> yb(y_count_ * 2);
    CheckCuda(
        cudaMemcpy(yb.data(), y_->get(), yb.size(), cudaMemcpyDeviceToHost),
        "cudaMemcpy");
    const Shape& sh = kShape;
    std::uniform_int_distribution<int> pick_n(0, sh.n - 1), pick_k(0, sh.k - 1),
        pick_p(0, sh.out_h() - 1), pick_q(0, sh.out_w() - 1);
    std::vector<double> got, ref;
    for (int i = 0; i < 256; ++i) {
      const int n = pick_n(rng_), k = pick_k(rng_), p = pick_p(rng_),
                q = pick_q(rng_);
      got.push_back(ToDouble(
          kType,
          yb.data() + 2 * Act(true, sh.k, n, k, p, q, sh.out_h(), sh.out_w())));
      ref.push_back(RefOutput(sh, true, xv_, wv_, n, k, p, q));
    }
    out.algo = AlgoName(algo_);
    out.median_ms = Median(ms);
    const double flops = 2.0 * y_count_ * sh.c * sh.r * sh.s;
    out.tflops = flops / (out.median_ms * 1e-3) / 1e12;
    out.tflops_spread = RateSpread(ms, flops / 1e12);
    out.ms_spread = SpreadOf(ms);
    out.sample = CompareToReference(got.data(), ref.data(), got.size());
    return out;
  }

 private:
  static constexpr Shape kShape{64, 256, 28, 28, 256, 3, 3, 1};
  static constexpr TypeInfo kType{Precision::kFp16, CUDNN_DATA_HALF, 2};

  void Forward() {
    setup_.Forward(algo_, x_->get(), w_->get(), y_->get(), ws_->get(),
                   ws_bytes_);
  }

  std::mt19937 rng_;
  Handle handle_;
  ConvSetup setup_;
  FastHalfInput xv_;
  std::vector<double> wv_;
  std::vector<unsigned char> wb_;
  size_t y_count_;
  bool corrupt_;
  std::unique_ptr<DeviceBuffer> x_, w_, y_, ws_;
  size_t ws_bytes_ = 0;
  cudnnConvolutionFwdAlgo_t algo_{};
};

// This check drives cuDNN's legacy convolution API, which lives in the ops
// and cnn sub-libraries; torch's convolutions go through the graph API and
// run without them. Where only those fail to load that is this tool's limit
// (cudnn.library warns and names the file): a skip, else nullopt.
std::optional<ProbeResult> LegacyApiUnavailable() {
  if (Cudnn().cudnnGraphVersionCheck() == CUDNN_STATUS_SUCCESS &&
      (Cudnn().cudnnCnnVersionCheck() != CUDNN_STATUS_SUCCESS ||
       Cudnn().cudnnOpsVersionCheck() != CUDNN_STATUS_SUCCESS)) {
    return ProbeResult::Skip(
        skip_reason::kNotSupported,
        "this check convolves through cuDNN's legacy API, whose "
        "sub-libraries (libcudnn_ops, libcudnn_cnn) do not both load here; "
        "torch's convolutions use the graph API (cudnn.library names the "
        "file)");
  }
  return std::nullopt;
}

}  // namespace

ProbeResult RunCudnnConv(const ProbeContext& context) {
  if (auto refused = OpenJobCudnn(context)) return *refused;
  if (auto limit = LegacyApiUnavailable()) return *limit;
  ProbeResult r;
  r.details["libraries"]["cudnn"] =
      DescribeLibraryUse(Cudnn().copy, Cudnn().version);
  PhaseClock phases(&r);
  CheckCuda(cudaSetDevice(0), "cudaSetDevice");
  std::mt19937 rng(static_cast<uint32_t>(
      std::chrono::steady_clock::now().time_since_epoch().count()));
  const TypeInfo types[] = {{Precision::kFp32, CUDNN_DATA_FLOAT, 4},
                            {Precision::kFp16, CUDNN_DATA_HALF, 2},
                            {Precision::kBf16, CUDNN_DATA_BFLOAT16, 2}};
  // Each small case costs cuDNN ~20 ms of host time on first use (engine
  // choice, kernel loading) against microseconds on the GPU, and the
  // layer's set-up ~0.1 s: the six forward cases and the layer's set-up run
  // side by side, each on its own thread with its own handle. The layer is
  // timed afterwards, alone on the GPU.
  std::vector<CaseOutcome> cases(6);
  std::unique_ptr<TimedLayer> layer;
  std::vector<std::function<void()>> jobs;
  for (size_t i = 0; i < cases.size(); ++i) {
    const TypeInfo t = types[i / 2];
    const bool nhwc = i % 2 == 1;
    const bool corrupt = context.corrupt_result && i == 0;
    const uint32_t seed = rng();
    jobs.emplace_back([&cases, i, t, nhwc, corrupt, seed] {
      CheckCuda(cudaSetDevice(0), "cudaSetDevice");  // per thread
      Handle handle;
      std::mt19937 case_rng(seed);
      cases[i] = ForwardCase(handle.get(), t, nhwc, corrupt, case_rng);
    });
  }
  const uint64_t layer_seed = (uint64_t{rng()} << 32) | rng();
  jobs.emplace_back([&layer, layer_seed] {
    CheckCuda(cudaSetDevice(0), "cudaSetDevice");
    layer = std::make_unique<TimedLayer>(layer_seed, false);
  });
  RunSideBySide(jobs);
  phases.Mark("forward_cases_and_layer_setup");
  if (context.level == Level::kFull) {
    Handle handle;
    for (CaseOutcome& c : BackwardCases(handle.get(), rng)) cases.push_back(c);
    phases.Mark("backward_cases");
  }
  const TimedConv timed = layer->Time(context.level == Level::kFull ? 30 : 10);
  layer.reset();
  phases.Mark("timed_layer");

  std::vector<std::string> wrong;
  double worst = 0;
  for (const CaseOutcome& c : cases) {
    r.details["cases"][c.label] = {{"rel_error", c.stats.relative_error},
                                   {"tolerance", c.tolerance},
                                   {"nonfinite", c.stats.nonfinite},
                                   {"algorithm", c.algo}};
    worst = std::max(worst, c.stats.relative_error / c.tolerance);
    if (!c.stats.Within(c.tolerance)) wrong.push_back(c.label);
  }
  const double timed_tolerance = Tolerance(Precision::kFp16);
  r.details["timed"] = {{"shape", "N64 C256 H28 W28 K256 3x3, FP16 NHWC"},
                        {"algorithm", timed.algo},
                        {"median_ms", timed.median_ms},
                        {"sample_rel_error", timed.sample.relative_error}};
  if (timed.retaken_batches > 0) {
    r.details["timed"]["batches_retaken"] = timed.retaken_batches;
  }
  if (!timed.sample.Within(timed_tolerance)) {
    wrong.emplace_back("fp16_nhwc_timed");
  }
  r.AddMetric(
      {"worst_error_to_tolerance", worst, "",
       Limit{Limit::Kind::kAtMost, 1.0,
             "built-in: every case's error within its precision's tolerance"}});
  r.AddMetric(
      {"conv_fp16_tflops", timed.tflops, "TFLOP/s", {}, timed.tflops_spread});
  r.AddMetric({"conv_fp16_ms", timed.median_ms, "ms", {}, timed.ms_spread});
  if (!wrong.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "cuDNN " + Cudnn().version + " (" + Cudnn().copy.real_path +
                ") convolution gives wrong results: " + Join(wrong, ", ");
    r.remediation =
        "Wrong convolution outputs point at failing GPU memory or compute, or "
        "a broken cuDNN "
        "build: check ECC (`nvidia-smi -q -d ECC`), rerun with --level full, "
        "and try the cuDNN "
        "from the torch wheel";
    return r;
  }
  char text[256];
  std::snprintf(text, sizeof text,
                "cuDNN %s (%s): %zu cases within tolerance (fp32/fp16/bf16 x "
                "NCHW/NHWC%s); FP16 NHWC layer %.1f TFLOP/s with %s",
                Cudnn().version.c_str(), Cudnn().copy.origin.c_str(),
                cases.size(),
                context.level == Level::kFull ? ", backward data/filter" : "",
                timed.tflops, timed.algo.c_str());
  r.outcome = Outcome::kPass;
  r.summary = text;
  return r;
}

}  // namespace preflight
