// Package npm gives tests real contract artifacts and a real Solidity compiler
// from the npm registry without committing any third-party code: the pinned npm
// packages (Uniswap V2/V3 core and periphery, solc-js) are fetched once into a
// cache directory by scripts/fetch-test-artifacts.sh (which .ci/run calls), and
// tests load compiled artifacts from there. On a machine that has only Go, or
// before the script ran, the tests that need them skip and say what to run;
// with CHAINTRACE_REQUIRE_ARTIFACTS=1 (set by .ci/run) they fail instead, so CI
// can never silently skip them.
//
// The cache is $CHAINTRACE_TEST_ARTIFACTS, else <user cache dir>/chaintrace/npm
// (outside the repository; /.test-artifacts/ is gitignored for those who point
// the variable into their checkout).
package npm
