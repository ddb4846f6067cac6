// Temporary directories for tests that clean up after themselves: each one
// is removed when the test process ends with every test passed, and kept
// (for a look at what the failing test left) when one failed. ctest runs
// each test in its own process, so that is per test.
#ifndef PREFLIGHT_TESTS_COMMON_TEST_TEMP_DIR_H_
#define PREFLIGHT_TESTS_COMMON_TEST_TEMP_DIR_H_

#include <string>

namespace preflight::testing {

// Creates /tmp/<prefix>XXXXXX (mode 0700). Aborts the test binary when
// /tmp cannot hold it, since no test can run meaningfully then.
std::string MakeTestTempDir(const std::string& prefix);

}  // namespace preflight::testing

#endif  // PREFLIGHT_TESTS_COMMON_TEST_TEMP_DIR_H_
