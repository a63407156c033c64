// Command benchplot draws BENCHMARKS.md's engine-at-scale figure: from the output
// of the trace package's BenchmarkEngine (read on stdin or from the files named),
// a PNG with two log-log panels, CPU time per trace and the peak resident memory
// the trace added (peak-RSS-MiB − base-RSS-MiB) against the workload's transfers, one line per chain family and policy, and a
// dotted line of slope 1 (linear growth) through the smallest workloads.
//
//	go test ./trace -run '^$' -bench Engine -cpu 1 -benchmem | tee docs/bench/engine.txt
//	go run ./internal/benchplot -o docs/bench/engine.png docs/bench/engine.txt
package main
