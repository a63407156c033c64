package cases

import (
	"embed"
	"sort"
)

//go:embed demo/*.json demo/*.csv
var demoFS embed.FS

// Demo is one embedded case and its labels.
type Demo struct {
	Name   string // as --case accepts it
	File   string // embedded file name, for messages
	JSON   []byte // chaintrace-case/v1
	Labels []byte // CSV label file (chain,address,label,category,source,confidence)
}

// demos maps each name --case accepts to its files; "demo" is the default demo.
var demos = map[string]string{
	"demo":     "ronin",
	"ronin":    "ronin",
	"demo-btc": "bitfinex",
	"bitfinex": "bitfinex",
}

// Names lists the names --case accepts for embedded demos, sorted.
func Names() []string {
	ns := make([]string, 0, len(demos))
	for n := range demos {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// Lookup returns the embedded demo called name.
func Lookup(name string) (Demo, bool) {
	base, ok := demos[name]
	if !ok {
		return Demo{}, false
	}
	data, err := demoFS.ReadFile("demo/" + base + ".json")
	if err != nil {
		return Demo{}, false
	}
	lab, err := demoFS.ReadFile("demo/" + base + "-labels.csv")
	if err != nil {
		return Demo{}, false
	}
	return Demo{Name: name, File: base + ".json", JSON: data, Labels: lab}, true
}
