// Command chaintrace follows stolen crypto funds hop by hop until they reach
// exchanges, mixers, bridges or wallets where they still sit.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
