package casestore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Multi-chain cases. A trace that follows crossings into other chains (trace
// --link) records every chain's answers in the one case file: the traced
// chain's as before, each linked chain's under its own namespace (object
// kinds and chain meta keys prefixed "link:<chain>/"), listed in meta "links".
// A replay of the case serves the linked chains from it, offline.

// Kinds of the cross-chain answers (trace.CrossingSource).
const (
	KindCrossEvents = "cross_events" // TxCrossEvents
	KindCrossFind   = "cross_find"   // FindCrossEvents
)

// MetaLinks lists a case's linked chains, comma-separated and sorted.
const MetaLinks = "links"

func linkNS(chain string) string { return "link:" + chain + "/" }

func hasIface(list, name string) bool {
	for _, s := range strings.Split(list, ",") {
		if s == name {
			return true
		}
	}
	return false
}

// TxCrossEvents returns a transaction's decoded cross-chain events.
func (c *core) TxCrossEvents(ctx context.Context, txHash string) ([]graph.CrossEvent, error) {
	if c.xs == nil && !c.crossing {
		return nil, fmt.Errorf("%w: the recorded source decoded no cross-chain events", trace.ErrUnsupported)
	}
	return call(ctx, c, "TxCrossEvents", KindCrossEvents, strings.ToLower(txHash), c.xs != nil,
		func() ([]graph.CrossEvent, error) { return c.xs.TxCrossEvents(ctx, txHash) },
		func(evs []graph.CrossEvent) placement {
			var b uint64
			for _, e := range evs {
				b = max(b, e.Block)
			}
			return placement{block: b}
		})
}

// FindCrossEvents returns the cross-chain events of a query.
func (c *core) FindCrossEvents(ctx context.Context, q trace.CrossQuery) ([]graph.CrossEvent, error) {
	if c.xs == nil && !c.crossing {
		return nil, fmt.Errorf("%w: the recorded source decoded no cross-chain events", trace.ErrUnsupported)
	}
	cs := make([]string, len(q.Contracts))
	for i, a := range q.Contracts {
		cs[i] = keyAddr(a)
	}
	sort.Strings(cs)
	key := q.Kind + "|" + u64(q.FromBlock) + "|" + u64(q.ToBlock) + "|" + strings.Join(cs, ",") + "|" + strings.ToLower(q.RefTx)
	return call(ctx, c, "FindCrossEvents", KindCrossFind, key, c.xs != nil,
		func() ([]graph.CrossEvent, error) { return c.xs.FindCrossEvents(ctx, q) },
		func([]graph.CrossEvent) placement { return placement{block: q.ToBlock} })
}

// RecordLink wraps the source of a linked chain so its answers are stored in
// st, the case the traced chain is recorded into (Record), under the linked
// chain's namespace.
func RecordLink(src trace.Source, st *Store) trace.Source {
	info := src.Info()
	ns := linkNS(info.Name)
	c := &core{st: st, mode: modeCase, info: info, ns: ns}
	c.setLive(src)
	native, _ := canonical(info.Native)
	st.setMeta(ns+MetaChain, info.Name)
	st.setMeta(ns+MetaFamily, info.Family)
	st.setMeta(ns+MetaChainID, u64(info.ChainID))
	st.setMeta(ns+MetaNative, string(native))
	st.setMeta(ns+MetaInterfaces, ifaces(src))
	links := map[string]bool{info.Name: true}
	for _, l := range strings.Split(st.getMeta(MetaLinks), ",") {
		if l != "" {
			links[l] = true
		}
	}
	names := make([]string, 0, len(links))
	for l := range links {
		names = append(names, l)
	}
	sort.Strings(names)
	st.setMeta(MetaLinks, strings.Join(names, ","))
	st.mu.Lock()
	st.onClose = append(st.onClose, func() { c.Warnings() })
	st.mu.Unlock()
	return compose(c, ifaces(src))
}

// ReplayLinks serves the linked chains a case recorded (none for a
// single-chain case), in chain name order.
func ReplayLinks(st *Store) ([]trace.Source, error) {
	m := st.Meta()
	var out []trace.Source
	for _, name := range strings.Split(m[MetaLinks], ",") {
		if name == "" {
			continue
		}
		ns := linkNS(name)
		info := trace.ChainInfo{Name: m[ns+MetaChain], Family: m[ns+MetaFamily]}
		if info.Name != name {
			return nil, corrupt(st.path, fmt.Sprintf("meta %s%s is %q, want %q", ns, MetaChain, info.Name, name))
		}
		if v := m[ns+MetaChainID]; v != "" {
			id, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, corrupt(st.path, "meta "+ns+MetaChainID+" is not a number")
			}
			info.ChainID = id
		}
		if err := json.Unmarshal([]byte(m[ns+MetaNative]), &info.Native); err != nil {
			return nil, corrupt(st.path, "meta "+ns+MetaNative+" does not decode: "+err.Error())
		}
		c := &core{st: st, mode: modeCase, info: info, ns: ns, crossing: hasIface(m[ns+MetaInterfaces], ifaceCrossing)}
		out = append(out, compose(c, m[ns+MetaInterfaces]))
	}
	return out, nil
}
