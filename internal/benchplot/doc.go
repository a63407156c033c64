// Command benchplot draws BENCHMARKS.md's engine-at-scale figure: from the output
// of the trace package's BenchmarkEngine (read on stdin or from the files named),
// a PNG with two log-log panels, CPU time per trace and peak resident memory
// against the number of transfers, one line per chain family and policy, and a
// dashed line of slope 1 (linear growth) through the smallest workload.
//
//	go test ./trace -run '^$' -bench Engine -cpu 1 -benchmem | tee docs/bench/engine.txt
//	go run ./internal/benchplot -o docs/bench/engine.png docs/bench/engine.txt
package main
