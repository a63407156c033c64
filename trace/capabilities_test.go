package trace

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestOptionalInterfacesOnlyThroughCapabilities: the tracer reads a source's
// optional interfaces only through CapabilitiesOf, so a wrapper that states its
// capabilities (trace.Capable: the case store's record, replay and cache) is
// never bypassed. The test parses the package and fails on a type assertion to
// an interface type of this package outside capabilities.go, other than the
// family interfaces and the label set's BridgeLister; and every optional
// interface named in Capabilities is read by CapabilitiesOf.
func TestOptionalInterfacesOnlyThroughCapabilities(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	ifaces := map[string]bool{}
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
		for _, d := range af.Decls {
			if g, ok := d.(*ast.GenDecl); ok {
				for _, s := range g.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						if _, ok := ts.Type.(*ast.InterfaceType); ok {
							ifaces[ts.Name.Name] = true
						}
					}
				}
			}
		}
	}
	allowed := map[string]bool{"Source": true, "AccountSource": true, "UTXOSource": true, "Capable": true, "BridgeLister": true}
	for _, af := range parsed {
		name := fset.Position(af.Pos()).Filename
		ast.Inspect(af, func(n ast.Node) bool {
			var typ ast.Expr
			switch x := n.(type) {
			case *ast.TypeAssertExpr:
				typ = x.Type
			case *ast.CaseClause: // type switch cases
				for _, e := range x.List {
					if id, ok := e.(*ast.Ident); ok && ifaces[id.Name] && !allowed[id.Name] {
						t.Errorf("%s: type switch on optional interface %s: use CapabilitiesOf", fset.Position(id.Pos()), id.Name)
					}
				}
			}
			if id, ok := typ.(*ast.Ident); ok && ifaces[id.Name] && !allowed[id.Name] && name != "capabilities.go" {
				t.Errorf("%s: type assertion to optional interface %s: add it to Capabilities and read it through CapabilitiesOf", fset.Position(id.Pos()), id.Name)
			}
			return true
		})
	}
	// every interface that is optional for a source is a Capabilities field
	fields := map[string]bool{}
	ct := reflect.TypeOf(Capabilities{})
	for i := 0; i < ct.NumField(); i++ {
		fields[ct.Field(i).Type.Name()] = true
	}
	for name := range ifaces {
		if !allowed[name] && name != "Labels" && !fields[name] {
			t.Errorf("interface %s is neither a family interface nor a Capabilities field", name)
		}
	}
}
