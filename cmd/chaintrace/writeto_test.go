package main

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// -o onto a named pipe (or a device such as /dev/null) writes into it: the
// temporary file's rename used to replace the pipe (and /dev/null) with a
// regular file.
func TestWriteToKeepsPipesAndDevices(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	if err := writeTo(nil, fifo, []byte("{\"ok\":true}\n")); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "{\"ok\":true}\n" {
		t.Fatalf("the reader got %q", b)
	}
	fi, err := os.Lstat(fifo)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("%s is now %v, want the named pipe kept", fifo, fi.Mode())
	}
}
