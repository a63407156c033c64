package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkEngine/account/haircut/n=10000         	       2	 670964028 ns/op	     63339 engine-transfers/s	        36.30 peak-RSS-MiB	      8662 transfers	     59110 transfers/s	     12910 wall-transfers/s	25065464 B/op	  215595 allocs/op
BenchmarkEngine/account/haircut/n=100000        	       1	6709640280 ns/op	     63339 engine-transfers/s	       136.30 peak-RSS-MiB	     86662 transfers	     50000 transfers/s	     12910 wall-transfers/s	25065464 B/op	  215595 allocs/op
BenchmarkEngine/utxo/fifo/n=10000-2             	       2	 561897060 ns/op	     83739 engine-transfers/s	        58.89 peak-RSS-MiB	      9993 transfers	     99930 transfers/s	     17784 wall-transfers/s	35244340 B/op	  399216 allocs/op
BenchmarkEngineSource/account/n=10000         	      54	  19289054 ns/op	    449063 transfers/s	 9456085 B/op	   95944 allocs/op
PASS
`

func TestParse(t *testing.T) {
	s, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 2 {
		t.Fatalf("series = %v, want account/haircut and utxo/fifo", s)
	}
	a := s["account/haircut"]
	if len(a) != 2 || a[0].transfers != 8662 || a[1].transfers != 86662 || a[1].rssMiB != 136.3 {
		t.Errorf("account/haircut = %+v", a)
	}
	if got := a[1].cpuSec; got < 1.73 || got > 1.74 { // 86662 / 50000
		t.Errorf("cpu seconds = %v, want 1.733", got)
	}
	if u := s["utxo/fifo"]; len(u) != 1 || u[0].cpuSec != 0.1 {
		t.Errorf("utxo/fifo (with a -cpu suffix) = %+v", u)
	}
}

func TestRunWritesPNG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "e.png")
	if err := run([]string{"-o", out}, strings.NewReader(sample)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 1000 || string(b[1:4]) != "PNG" {
		t.Errorf("not a PNG (%d bytes)", len(b))
	}
	if err := run([]string{"-o", out}, strings.NewReader("PASS\n")); err == nil {
		t.Error("no results: want an error")
	}
}
