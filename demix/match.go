package demix

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
)

var zeroAddr = common.Address{}.Hex()

func addrOf(word []byte) string { return common.BytesToAddress(word).Hex() }

func hexToBytes(s string) []byte { return common.FromHex(s) }

// link is a direct transfer between a depositor and another address.
type link struct {
	tx    string
	block uint64
}

// match applies the heuristics to every (tainted deposit, later withdrawal of the
// same pool within the window) pair and keeps the pairs that matched any.
func (f *finder) match(names []string) error {
	// Addresses of the thief: every depositor of a tainted deposit, and every
	// holder the trace followed (seed, hop, unspent).
	depositors := map[string]string{} // address → one of its tainted deposit txs
	var depList []string
	for _, a := range names {
		for _, m := range f.pools[a].mine {
			if _, ok := depositors[m.from]; !ok && m.from != "" {
				depositors[m.from] = m.tx
				depList = append(depList, m.from)
			}
		}
	}
	sort.Strings(depList)
	thief := map[string]bool{}
	for a := range depositors {
		thief[a] = true
	}
	if f.res.Flow != nil {
		for _, n := range f.res.Flow.Nodes() {
			switch n.Role {
			case graph.RoleSeed, graph.RoleHop, graph.EndUnspent:
				if n.Address != "" {
					thief[n.Address] = true
				}
			}
		}
	}

	// Linked addresses: each depositor's direct counterparties in the window.
	links := map[string]map[string]link{}
	for _, dep := range depList {
		lo := uint64(0)
		for _, a := range names {
			for _, m := range f.pools[a].mine {
				if m.from == dep && (lo == 0 || m.block < lo) {
					lo = m.block
				}
			}
		}
		from := uint64(0)
		if lo > f.o.Window {
			from = lo - f.o.Window
		}
		h, err := f.src.History(f.ctx, trace.HistoryQuery{Address: dep, FromBlock: from, ToBlock: f.res.Tip, Limit: f.o.HistoryLimit})
		if err != nil {
			return fmt.Errorf("mixer candidates: history of depositor %s: %w", dep, err)
		}
		if h.Truncated {
			f.note("depositor %s has more than %d transfers from block %d: linked-address heuristic not applied to it", dep, f.o.HistoryLimit, from)
			continue
		}
		m := map[string]link{}
		for _, t := range h.Transfers {
			if t.Kind == graph.KindFee {
				continue
			}
			other := t.To
			if strings.EqualFold(t.To, dep) {
				other = t.From
			}
			if other == "" || strings.EqualFold(other, dep) || f.pools[other] != nil {
				continue
			}
			if _, ok := m[other]; !ok {
				m[other] = link{t.TxHash, t.Block}
			}
		}
		links[dep] = m
	}

	// Unique gas price: how many deposits by each sender, and how many
	// withdrawals, chose each fee.
	gasDeps := map[string]map[string]int{} // gas key → depositor → deposits
	gasWds := map[string]int{}
	for _, a := range names {
		p := f.pools[a]
		for _, dep := range p.deps {
			k := f.metas[dep.tx].gasKey()
			if gasDeps[k] == nil {
				gasDeps[k] = map[string]int{}
			}
			gasDeps[k][dep.from]++
		}
		for _, w := range p.wds {
			gasWds[f.metas[w.tx].gasKey()]++
		}
	}

	multi := f.multiDenomination(names, depList)

	for _, a := range names {
		p := f.pools[a]
		for _, m := range p.mine {
			for _, w := range p.wds {
				if !before(m.block, m.txIndex, m.index, w.block, w.txIndex, w.index) || w.block > m.block+f.o.Window {
					continue
				}
				c := f.candidate(p, m, w)
				add := func(h, ev string) {
					c.Heuristics = append(c.Heuristics, h)
					c.Evidence = append(c.Evidence, h+": "+ev)
				}
				if w.to == m.from {
					add(graph.HeurAddressMatch, fmt.Sprintf("the withdrawal pays %s, the address that sent this deposit", w.to))
				} else if l, ok := links[m.from][w.to]; ok {
					add(graph.HeurLinkedAddress, fmt.Sprintf("recipient %s and depositor %s transacted directly in tx %s (block %d)", w.to, m.from, l.tx, l.block))
				}
				mk, wk := f.metas[m.tx].gasKey(), f.metas[w.tx].gasKey()
				if w.relayer == "" && mk != "" && mk == wk && len(gasDeps[mk]) == 1 && gasWds[wk] <= gasDeps[mk][m.from] {
					add(graph.HeurUniqueGas, fmt.Sprintf("deposit and self-submitted withdrawal both chose %s, which no other depositor in the window used", feeText(f.metas[m.tx])))
				}
				if ev, ok := multi[pairKey{m.from, w.to, a}]; ok {
					add(graph.HeurMultiDenom, ev)
				}
				if w.block-m.block <= f.o.TimingBlocks {
					between := 0
					for _, o := range p.deps {
						if before(m.block, m.txIndex, m.index, o.block, o.txIndex, o.index) && before(o.block, o.txIndex, o.index, w.block, w.txIndex, w.index) {
							between++
						}
					}
					if between <= f.o.TimingMaxBetween {
						add(graph.HeurTiming, fmt.Sprintf("withdrawn %d block(s) after the deposit with %d other deposit(s) into the pool in between (timing: at most %d blocks, %d deposits)",
							w.block-m.block, between, f.o.TimingBlocks, f.o.TimingMaxBetween))
					}
				}
				var rel []string
				if w.sender != "" && w.sender != w.to && thief[w.sender] {
					rel = append(rel, fmt.Sprintf("submitted by %s", w.sender))
				}
				if w.relayer != "" && w.relayer != w.sender && w.relayer != w.to && thief[w.relayer] {
					rel = append(rel, fmt.Sprintf("relayer %s", w.relayer))
				}
				if len(rel) > 0 {
					add(graph.HeurRelayer, strings.Join(rel, ", ")+", an address of the trace (a depositor or a followed holder)")
				}
				if len(c.Heuristics) == 0 {
					continue
				}
				c.Score = Score(c.Heuristics)
				f.d.Candidates = append(f.d.Candidates, c)
			}
		}
	}
	return nil
}

func feeText(m TxMeta) string {
	if m.GasPrice != nil {
		return fmt.Sprintf("gas price %s wei", m.GasPrice)
	}
	return fmt.Sprintf("priority fee %s wei with fee cap %s wei", m.TipCap, m.FeeCap)
}

func (f *finder) candidate(p *pool, m *deposit, w *withdrawal) *graph.Candidate {
	return &graph.Candidate{
		Pool: p.info.Address, PoolLabel: p.label, Asset: p.info.Asset, Denomination: new(big.Int).Set(p.info.Denomination),
		DepositTx: m.tx, DepositBlock: m.block, DepositTime: m.time, Depositor: m.from, Commitment: m.commitment,
		WithdrawalTx: w.tx, WithdrawalBlock: w.block, Recipient: w.to, Relayer: w.relayer, Fee: new(big.Int).Set(w.fee),
		Sender: w.sender, Nullifier: w.nullifier,
		Heuristics: []string{}, Evidence: []string{},
	}
}

type pairKey struct{ depositor, recipient, pool string }

// multiDenomination finds recipients that withdrew exactly the multiset of
// pools a depositor deposited into, over at least two pools, every withdrawal
// after the depositor's first deposit and within the window of its last
// (Tutela's multi-denomination heuristic). The map holds the evidence per
// (depositor, recipient, pool).
func (f *finder) multiDenomination(names []string, depList []string) map[pairKey]string {
	out := map[pairKey]string{}
	for _, dep := range depList {
		in := map[string]int{}
		var first, last uint64
		n := 0
		for _, a := range names {
			for _, m := range f.pools[a].mine {
				if m.from != dep {
					continue
				}
				in[a]++
				if n == 0 || m.block < first {
					first = m.block
				}
				last = max(last, m.block)
				n++
			}
		}
		if len(in) < 2 {
			continue
		}
		outs := map[string]map[string]int{} // recipient → pool → withdrawals
		for _, a := range names {
			for _, w := range f.pools[a].wds {
				if w.block <= first || w.block > last+f.o.Window {
					continue
				}
				if outs[w.to] == nil {
					outs[w.to] = map[string]int{}
				}
				outs[w.to][a]++
			}
		}
		for r, got := range outs {
			if r == dep || !sameCounts(in, got) {
				continue
			}
			ev := fmt.Sprintf("depositor %s put %s into these pools and %s took %s out", dep, f.mixText(in), r, f.mixText(got))
			for a := range got {
				out[pairKey{dep, r, a}] = ev
			}
		}
	}
	return out
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// mixText renders pool counts as "2 × 1000000000000000000 ETH + 1 × …", pools in
// address order.
func (f *finder) mixText(c map[string]int) string {
	var ks []string
	for k := range c {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		di, dj := f.pools[ks[i]].info.Denomination, f.pools[ks[j]].info.Denomination
		if x := di.Cmp(dj); x != 0 {
			return x > 0
		}
		return ks[i] < ks[j]
	})
	var parts []string
	for _, k := range ks {
		p := f.pools[k].info
		parts = append(parts, fmt.Sprintf("%d × %s", c[k], graph.FormatAmount(p.Denomination, f.res.AssetOf(p.Asset))))
	}
	return strings.Join(parts, " + ")
}
