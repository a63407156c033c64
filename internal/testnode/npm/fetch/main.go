// Command fetch puts the pinned npm packages of internal/testnode/npm into the
// test-artifact cache; scripts/fetch-test-artifacts.sh runs it.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/chaintrace/chaintrace/internal/testnode/npm"
)

func main() {
	cache, err := npm.CacheDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, p := range npm.All {
		if p.Present(cache) {
			fmt.Printf("%-36s cached\n", p)
			continue
		}
		start := time.Now()
		if err := npm.Fetch(ctx, cache, p); err != nil {
			fmt.Fprintf(os.Stderr, "fetch %s: %v\n", p, err)
			os.Exit(1)
		}
		fmt.Printf("%-36s fetched in %s\n", p, time.Since(start).Round(time.Millisecond))
	}
	fmt.Println("cache:", cache)
}
