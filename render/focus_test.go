package render

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

func nodeIDs(f *graph.Flow) []string {
	var ids []string
	for _, n := range f.Nodes() {
		ids = append(ids, n.ID)
	}
	return ids
}

func endpointAt(r *graph.Result, addr string) *graph.Endpoint {
	for _, e := range r.Endpoints {
		if e.Address == addr {
			return e
		}
	}
	return nil
}

// Focus keeps exactly how the taint reached the targets (the report's graph per
// exchange): in accountResult, Kraken is reached by victim → thief (tx 1) →
// hop (tx 4) → Kraken (tx 6, 7). The clean deposit into hop (tx 5), the dust,
// Tornado, the deposit address and every USDC branch lead elsewhere.
func TestFocusKeepsOnlyThePathsToTheTargets(t *testing.T) {
	r := accountResult(0)
	nodesBefore, edgesBefore, endsBefore := len(r.Flow.Nodes()), len(r.Flow.Edges()), len(r.Endpoints)
	f := Focus(r, []*graph.Endpoint{endpointAt(r, aKraken)})

	want := []string{aVictim, aThief, aHop, aKraken}
	slices.Sort(want)
	if got := nodeIDs(f.Flow); !slices.Equal(got, want) {
		t.Errorf("nodes %v, want %v", got, want)
	}
	var txs []string
	for _, e := range f.Flow.Edges() {
		txs = append(txs, e.Tx)
		if e.Taint.Sign() <= 0 {
			t.Errorf("clean transfer %s kept", e.Tx)
		}
	}
	if wantTx := []string{hash('1'), hash('4'), hash('6'), hash('7')}; !slices.Equal(txs, wantTx) {
		t.Errorf("transfers %v, want %v", txs, wantTx)
	}
	// Endpoints at kept nodes label them: Kraken's and hop's unspent remainder.
	var kinds []string
	for _, e := range f.Endpoints {
		kinds = append(kinds, e.Kind+" "+e.Address)
	}
	slices.Sort(kinds)
	if want := []string{graph.EndExchange + " " + aKraken, graph.EndUnspent + " " + aHop}; !slices.Equal(kinds, want) {
		t.Errorf("endpoints %v, want %v", kinds, want)
	}
	// The original is untouched.
	if len(r.Flow.Nodes()) != nodesBefore || len(r.Flow.Edges()) != edgesBefore || len(r.Endpoints) != endsBefore {
		t.Error("Focus changed its input")
	}
	if f.Flow.Nodes()[0] == r.Flow.Nodes()[0] {
		t.Error("Focus shares nodes with its input")
	}
}

// The deposit's graph ends in its sweep into the exchange; a UTXO focus keeps
// the transaction node and leaves the clean input out, and nothing in either
// is an orphan.
func TestFocusDrawsSweepsWithoutOrphans(t *testing.T) {
	for name, c := range map[string]struct {
		r      *graph.Result
		target string
		want   []string
	}{
		"account": {accountResult(3), aDeposit, []string{aDeposit, aThief, aVictim}},
		"utxo":    {utxoResult(), bDeposit, []string{bDeposit, bThief, "tx:" + bSpendTx}},
	} {
		f := Focus(c.r, []*graph.Endpoint{endpointAt(c.r, c.target)})
		want := slices.Clone(c.want)
		slices.Sort(want)
		if got := nodeIDs(f.Flow); !slices.Equal(got, want) {
			t.Errorf("%s: nodes %v, want %v", name, got, want)
		}
		var dot bytes.Buffer
		if err := WriteDOTWith(&dot, f, DOTOptions{Vertical: true, Title: "How the stolen funds reached <Kraken>"}); err != nil {
			t.Fatal(err)
		}
		s := dot.String()
		for _, w := range []string{"rankdir=TB", "label=<How the stolen funds reached &lt;Kraken&gt;", "[label=<sweep tx "} {
			if !strings.Contains(s, w) {
				t.Errorf("%s: DOT lacks %q", name, w)
			}
		}
		if strings.Contains(s, "seed "+c.r.Seeds[0]) {
			t.Errorf("%s: the title was not replaced", name)
		}
		for _, id := range nodeIDs(f.Flow) {
			q := dotQuote(id)
			if !strings.Contains(s, q+" -> ") && !strings.Contains(s, "-> "+q) {
				t.Errorf("%s: node %s is on no edge", name, id)
			}
		}
	}
}

// Targets outside the graph give an empty graph, not a panic; the default
// DOT is unchanged by the options' existence.
func TestFocusEdgeCases(t *testing.T) {
	r := accountResult(0)
	f := Focus(r, []*graph.Endpoint{{Kind: graph.EndExchange, Address: "0xnowhere"}})
	if len(f.Flow.Nodes()) != 0 || len(f.Endpoints) != 0 {
		t.Errorf("unknown target kept %d nodes, %d endpoints", len(f.Flow.Nodes()), len(f.Endpoints))
	}
	r.Flow = nil
	if f := Focus(r, r.Endpoints); len(f.Flow.Nodes()) != 0 {
		t.Error("no graph gave nodes")
	}
	var a, b bytes.Buffer
	if err := WriteDOT(&a, accountResult(0)); err != nil {
		t.Fatal(err)
	}
	if err := WriteDOTWith(&b, accountResult(0), DOTOptions{}); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() || !strings.Contains(a.String(), "rankdir=LR") {
		t.Error("WriteDOTWith's zero options differ from WriteDOT")
	}
}

// In a multi-chain result every node is "<chain>/<id>" and an endpoint names
// its chain apart (Endpoint.Chain): the deposit's node carries its amount and
// kind (DOT label, nodes CSV, GraphML) and its sweep leaves from that node, not
// from a node of its bare address that the graph lacks; Focus finds it too.
func TestMultiChainEndpointsAtTheirNodes(t *testing.T) {
	r := utxoResult()
	const ch = "btc-regtest"
	f := graph.NewFlow()
	for _, n := range r.Flow.Nodes() {
		m := f.Node(ch+"/"+n.ID, n.Role, n.Hop)
		m.Address, m.Tx, m.Chain = n.Address, n.Tx, ch
	}
	for _, e := range r.Flow.Edges() {
		c := *e
		c.From, c.To, c.Asset, c.Chain = ch+"/"+e.From, ch+"/"+e.To, ch+"/"+e.Asset, ch
		f.AddEdge(&c)
	}
	r.Flow = f
	r.Chains = []graph.ChainPart{{Name: ch, Family: graph.FamilyUTXO}}
	for _, e := range r.Endpoints {
		e.Chain, e.Asset = ch, ch+"/"+e.Asset
	}
	r.Assets = map[string]graph.Asset{ch + "/BTC": {ID: ch + "/BTC", Symbol: "BTC", Decimals: 8}}
	r.Totals = map[string]*graph.Totals{ch + "/BTC": r.Totals["BTC"]}

	var dot bytes.Buffer
	if err := WriteDOT(&dot, r); err != nil {
		t.Fatal(err)
	}
	s := dot.String()
	dep := dotQuote(ch + "/" + bDeposit)
	if !strings.Contains(s, dep+` -> "exchange:Kraken" [label=<sweep tx `) {
		t.Errorf("the sweep does not leave from the deposit's node %s:\n%s", dep, s)
	}
	if strings.Contains(s, dotQuote(bDeposit)) {
		t.Errorf("DOT names a node %s the graph lacks", dotQuote(bDeposit))
	}
	if !strings.Contains(s, "<B>0.2 BTC</B>") {
		t.Error("the deposit's node does not show its amount")
	}
	var nodes bytes.Buffer
	if err := WriteNodesCSV(&nodes, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(nodes.String(), graph.EndExchangeDeposit) {
		t.Errorf("nodes CSV lacks the deposit's endpoint kind:\n%s", nodes.String())
	}
	if got := nodeIDs(Focus(r, r.Endpoints[:1]).Flow); !slices.Contains(got, ch+"/"+bDeposit) || len(got) != 3 {
		t.Errorf("Focus on the deposit: %v", got)
	}
}
