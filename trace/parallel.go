package trace

import "sync"

// parallel runs f(0..n-1) on at most workers goroutines (workers < 2: inline, in
// order). Sources must be safe for concurrent use when Options.Concurrency > 1.
func parallel(workers, n int, f func(i int)) {
	if workers < 2 || n < 2 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	if workers > n {
		workers = n
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
