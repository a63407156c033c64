package main

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/casecheck"
	"github.com/chaintrace/chaintrace/trace"
)

// Every exit code is decided by classify; these are the rules, causes wrapped
// the way the packages wrap them.
func TestExitCodes(t *testing.T) {
	dialCancelled := fmt.Errorf("%w: --rpc http://127.0.0.1:8545: %w", trace.ErrBadInput, fmt.Errorf("dial tcp: %w", context.Canceled))
	for _, c := range []struct {
		name            string
		err             error
		online, offline int
	}{
		{"nil", nil, exitOK, exitOK},
		{"plain failure", errors.New("connection refused"), exitRuntime, exitRuntime},
		{"bad input", badInput("--hops %d: want 1 or more", 0), exitInput, exitInput},
		{"bad amount", fmt.Errorf("--min-amount: %w", graph.ErrBadAmount), exitInput, exitInput},
		{"bad spec", fmt.Errorf("%w: x.yaml: %w", casecheck.ErrBadSpec, errors.New("yaml: line 3")), exitInput, exitInput},
		{"corrupt case", fmt.Errorf("open: %w", casestore.ErrCorrupt), exitInput, exitInput},
		{"not recorded", fmt.Errorf("trace stopped early: %w", casestore.ErrNotRecorded), exitInput, exitInput},
		{"not found", fmt.Errorf("trace stopped early: %w", trace.ErrNotFound), exitRuntime, exitInput},
		{"check failed", fmt.Errorf("%w: 1 of 2 case spec(s) failed", errCheckFailed), exitCheck, exitCheck},
		{"interrupted", fmt.Errorf("interrupted; the output holds what was traced so far: %w", context.Canceled), exitRuntime, exitRuntime},
		{"timed out", fmt.Errorf("trace stopped early: %w", context.DeadlineExceeded), exitRuntime, exitRuntime},
		// Flattening the cause with %v used to make this exit 2.
		{"cancelled dial inside bad input", dialCancelled, exitRuntime, exitRuntime},
	} {
		if got := exitCode(c.err); got != c.online {
			t.Errorf("%s: exitCode = %d, want %d", c.name, got, c.online)
		}
		if got := offlineExitCode(c.err); got != c.offline {
			t.Errorf("%s: offlineExitCode = %d, want %d", c.name, got, c.offline)
		}
	}
}

// No fmt.Errorf flattens an error argument with %v: exitCode can only see
// causes that are wrapped with %w. (The files listed are the transport work's,
// edited there; they are checked once that lands.)
func TestErrorsWrapWithW(t *testing.T) {
	skip := map[string]bool{
		"chains/evm/rpc.go": true, "chains/bitcoin/jsonrpc.go": true, "chains/bitcoin/esplora.go": true,
	}
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var bad []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || skip[filepath.ToSlash(rel)] {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Errorf" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "fmt" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if !errorLike(call.Args[len(call.Args)-1]) {
				return true
			}
			if format, _ := strconv.Unquote(lit.Value); strings.LastIndex(format, "%v") > strings.LastIndex(format, "%w") {
				bad = append(bad, fset.Position(call.Pos()).String())
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s: error flattened with %%v; wrap it with %%w", b)
	}
}

// errorLike: the names this code base gives error values (no type checker here).
func errorLike(e ast.Expr) bool {
	var name string
	switch x := e.(type) {
	case *ast.Ident:
		name = x.Name
	case *ast.SelectorExpr:
		name = x.Sel.Name
	default:
		return false
	}
	switch name {
	case "err", "e", "re", "cerr", "Err", "rerr", "werr":
		return true
	}
	return strings.HasSuffix(name, "Err")
}
