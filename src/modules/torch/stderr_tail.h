// Keeps the last of what this worker process writes to stderr, still passing
// all of it on to the worker's log. torch's stable C functions return only
// an error code and print their exception's text on stderr ("Exception in
// aoti_torch: ..."); with the tail kept, a failed call's cause is torch's
// own words (rules/torch_words.h) instead of "see the log".
#ifndef PREFLIGHT_MODULES_TORCH_STDERR_TAIL_H_
#define PREFLIGHT_MODULES_TORCH_STDERR_TAIL_H_

#include <string>

namespace preflight {

// Starts keeping the tail (once per process; later calls do nothing): fd 2
// becomes a pipe that a thread copies to the original stderr.
void KeepStderrTail();

// The last 16 KiB written to stderr since KeepStderrTail, including
// everything written before this call returned ("" before it started).
std::string StderrTail();

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_TORCH_STDERR_TAIL_H_
