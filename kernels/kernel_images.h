// The tool's device code as embedded images: one cubin per supported SASS
// architecture and one PTX, all built by NVRTC 12.x at build time
// (kernels/compile_kernels.py), so that they load on every driver from R525
// on. kernel_library.h picks the image for a device and loads it.
#ifndef PREFLIGHT_KERNELS_KERNEL_IMAGES_H_
#define PREFLIGHT_KERNELS_KERNEL_IMAGES_H_

#include <cstddef>

namespace preflight {

struct KernelImage {
  int major;  // the architecture it was compiled for (sm_90: 9, 0)
  int minor;
  bool ptx;  // PTX (JIT-compiled by the driver) rather than a cubin
  const unsigned char* data;
  size_t size;
};

struct KernelImageSet {
  const char* toolkit;  // "12.9": the NVRTC that compiled the images
  const KernelImage* images;
  size_t count;
};

// The images compiled into this binary (generated kernel_images.cc).
const KernelImageSet& EmbeddedKernelImages();

}  // namespace preflight

#endif  // PREFLIGHT_KERNELS_KERNEL_IMAGES_H_
