package npm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Environment variables.
const (
	// EnvCache overrides the cache directory.
	EnvCache = "CHAINTRACE_TEST_ARTIFACTS"
	// EnvRequire, when set to 1, turns a missing artifact into a test failure.
	EnvRequire = "CHAINTRACE_REQUIRE_ARTIFACTS"
)

// Package is one pinned npm package. Artifact packages ship compiled JSON and are
// fetched with `npm pack` (no dependencies, no install scripts); Install packages
// need their runtime dependencies (solc-js) and are installed with `npm install
// --ignore-scripts` into their own prefix.
type Package struct {
	Name    string
	Version string
	Install bool
}

// The pinned packages. Versions are exact: a new release must not change what a
// test deploys.
var (
	UniswapV2Core      = Package{Name: "@uniswap/v2-core", Version: "1.0.1"}
	UniswapV2Periphery = Package{Name: "@uniswap/v2-periphery", Version: "1.1.0-beta.0"}
	UniswapV3Core      = Package{Name: "@uniswap/v3-core", Version: "1.0.1"}
	UniswapV3Periphery = Package{Name: "@uniswap/v3-periphery", Version: "1.4.4"}
	Solc               = Package{Name: "solc", Version: "0.8.37", Install: true}
)

// All lists every pinned package, in fetch order.
var All = []Package{UniswapV2Core, UniswapV2Periphery, UniswapV3Core, UniswapV3Periphery, Solc}

func (p Package) String() string { return p.Name + "@" + p.Version }

// dirName is the package's directory name in the cache ("@uniswap/v2-core" →
// "uniswap+v2-core@1.0.1").
func (p Package) dirName() string {
	return strings.ReplaceAll(strings.TrimPrefix(p.Name, "@"), "/", "+") + "@" + p.Version
}

// CacheDir is where fetched packages live (see the package comment).
func CacheDir() (string, error) {
	if d := os.Getenv(EnvCache); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (%v): set %s", err, EnvCache)
	}
	return filepath.Join(d, "chaintrace", "npm"), nil
}

// Root is the directory holding the package's package.json inside cache.
func (p Package) Root(cache string) string {
	if p.Install {
		return filepath.Join(cache, p.dirName(), "node_modules", filepath.FromSlash(p.Name))
	}
	return filepath.Join(cache, p.dirName(), "package")
}

// Present reports whether the package is complete in cache. A fetch writes into a
// temporary directory and renames it into place last, so a present directory is a
// complete one.
func (p Package) Present(cache string) bool {
	_, err := os.Stat(filepath.Join(p.Root(cache), "package.json"))
	return err == nil
}

// Fetch puts the package into cache unless it is there already. It needs npm on
// PATH and the npm registry.
func Fetch(ctx context.Context, cache string, p Package) error {
	if p.Present(cache) {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("fetching %s needs npm (Node.js) on PATH: %w", p, err)
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(cache, ".fetch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	run := func(args ...string) error {
		cmd := exec.CommandContext(ctx, npm, args...)
		cmd.Dir = tmp
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("npm %s: %w\n%s", strings.Join(args, " "), err, out.String())
		}
		return nil
	}
	stage := filepath.Join(tmp, "stage")
	if p.Install {
		if err := run("install", "--prefix", stage, "--ignore-scripts", "--no-audit", "--no-fund", "--no-save", p.String()); err != nil {
			return err
		}
	} else {
		if err := run("pack", "--silent", "--pack-destination", tmp, p.String()); err != nil {
			return err
		}
		tgz, err := filepath.Glob(filepath.Join(tmp, "*.tgz"))
		if err != nil || len(tgz) != 1 {
			return fmt.Errorf("npm pack %s: want one tarball in %s, found %d", p, tmp, len(tgz))
		}
		if err := extract(tgz[0], stage); err != nil {
			return fmt.Errorf("unpack %s: %w", p, err)
		}
	}
	dst := filepath.Join(cache, p.dirName())
	if err := os.Rename(stage, dst); err != nil && !p.Present(cache) {
		return err
	}
	return nil
}

// extract unpacks a gzipped tarball into dir, refusing entries that would land
// outside it.
func extract(tgz, dir string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) {
			return fmt.Errorf("tar entry %q leaves the package directory", h.Name)
		}
		path := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			w, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(w, tr)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
}
