package npm

import (
	"context"
	"errors"
	"os"
	"testing"
)

// missing skips the test with err's message, or fails it when EnvRequire is set.
func missing(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("%v (%s=1: missing artifacts are an error here)", err, EnvRequire)
	}
	t.Skip(err)
}

func cacheFor(t testing.TB) string {
	t.Helper()
	c, err := CacheDir()
	if err != nil {
		missing(t, err)
	}
	return c
}

// Require returns the cache directory when every package is present, and skips
// (or under EnvRequire fails) the test otherwise, naming what to run.
func Require(t testing.TB, ps ...Package) string {
	t.Helper()
	c := cacheFor(t)
	for _, p := range ps {
		if !p.Present(c) {
			missing(t, &MissingError{Package: p, Cache: c})
		}
	}
	return c
}

// MustArtifact loads an artifact of a fetched package, skipping the test when the
// package is absent and failing it when the artifact is unreadable.
func MustArtifact(t testing.TB, p Package, rel string) *Artifact {
	t.Helper()
	c := Require(t, p)
	a, err := LoadArtifact(c, p, rel)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return a
}

// MustCompile compiles sources with the pinned solc-js (see Compile), skipping
// the test when solc-js or node is absent.
func MustCompile(t testing.TB, sources map[string]string, o CompileOptions) map[string]*Artifact {
	t.Helper()
	c := Require(t, Solc)
	arts, err := Compile(context.Background(), c, sources, o)
	var me *MissingError
	if errors.As(err, &me) {
		missing(t, err)
	}
	if err != nil {
		t.Fatalf("%v", err)
	}
	return arts
}
