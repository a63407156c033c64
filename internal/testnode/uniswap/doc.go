// Package uniswap deploys the real, published Uniswap V2 and V3 contracts (their
// npm build artifacts, fetched by scripts/fetch-test-artifacts.sh; see package
// npm) on the in-process geth, plus an ERC-20 of our own compiled with solc-js,
// so that swap tests and recorded fixtures run against the code DEX users
// actually call. Helpers fail the test on error and skip it when the artifacts
// are absent.
package uniswap
