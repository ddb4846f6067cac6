// The one translation unit NVRTC compiles per architecture
// (kernels/compile_kernels.py): every device source of the tool.
#include "collective_ops.cu"
#include "epilogue.cu"
#include "known_answer.cu"
#include "stream_gate.cu"
#include "tensor_ops.cu"
