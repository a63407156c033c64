package labels

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// TagPack confidence names and their values (../shared/TRACING.md, after the
// GraphSense tagpack-tool's confidence.csv).
var tagPackConfidence = map[string]int{
	"ownership":             100,
	"override":              100,
	"manual_transaction":    90,
	"service_api":           70,
	"authority_data":        60,
	"trusted_provider":      50,
	"service_data":          50,
	"forensic":              50,
	"untrusted_transaction": 40,
	"web_crawl":             20,
	"heuristic":             10,
	"unknown":               5,
}

// tagPackHeaderOnly are fields that only describe the pack; every tag field may
// also appear in the header, where it is the default for every tag.
var tagPackHeaderOnly = []string{"title", "creator", "description", "is_public", "tags"}

var tagPackTagFields = []string{
	"label", "source", "currency", "network", "confidence", "category", "address",
	"tx_hash", "actor", "is_cluster_definer", "context", "lastmod", "concepts", "tag_type",
	"abuse", // older schema's name for a category-like concept
}

// tagPackNetworks maps TagPack currency/network codes to --chain names.
var tagPackNetworks = map[string]string{
	"eth": "eth", "ethereum": "eth",
	"btc": "btc", "bitcoin": "btc",
	"bsc": "bsc", "bnb": "bsc", "bep20": "bsc", "binance_smart_chain": "bsc", "bnb_smart_chain": "bsc",
	"matic": "polygon", "pol": "polygon", "polygon": "polygon",
	"arb": "arbitrum", "arbitrum": "arbitrum",
	"op": "optimism", "optimism": "optimism",
	"base": "base",
	"avax": "avalanche", "avalanche": "avalanche",
	"gnosis": "gnosis", "xdai": "gnosis",
	"ftm": "fantom", "fantom": "fantom",
}

// tagPackCategories maps GraphSense/INTERPOL taxonomy categories and concepts to
// ours. Anything else that names a business becomes "service"; unknown is "other".
var tagPackCategories = map[string]string{
	"exchange": "exchange", "centralized_exchange": "exchange", "cex": "exchange",
	"mixing_service": "mixer", "mixer": "mixer", "coinjoin": "mixer", "tumbler": "mixer",
	"bridge": "bridge", "defi_bridge": "bridge", "cross_chain_bridge": "bridge",
	"defi_dex": "dex", "dex": "dex", "decentralized_exchange": "dex",
	"sanction": "sanctioned", "sanctioned": "sanctioned", "ofac": "sanctioned",
	"scam": "scam", "phishing": "scam", "ponzi_scheme": "scam", "ransomware": "scam",
	"sextortion": "scam", "fraud": "scam", "fake_ico": "scam", "extortion": "scam",
	"hacker": "hacker", "hack": "hacker", "theft": "hacker", "perpetrator": "hacker",
	"service": "service", "wallet_service": "service", "payment_processor": "service",
	"miner": "service", "mining_service": "service", "market": "service", "gambling": "service",
	"defi": "service", "defi_lending": "service", "shop": "service", "otc": "service",
	"atm": "service", "custodial_wallet": "service", "faucet": "service",
	"other": "other", "unknown": "other", "entity": "other", "user": "other",
}

// ParseTagPack reads a GraphSense TagPack. It returns the entries, notes about
// tags it skipped on purpose (tags for a network chaintrace does not trace, tags
// on a transaction rather than an address), and a FileErrors listing every
// problem when the file is invalid.
func ParseTagPack(name string, r io.Reader) ([]Entry, []FieldError, error) {
	e := &errs{file: name}
	data, err := io.ReadAll(r)
	if err != nil {
		e.add(0, "", "read: %v", err)
		return nil, nil, e.err()
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		e.add(yamlErrLine(err), "", "not valid YAML: %v", err)
		return nil, nil, e.err()
	}
	if len(doc.Content) == 0 {
		e.add(0, "", "file is empty; a TagPack needs a header and a tags list")
		return nil, nil, e.err()
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		e.add(root.Line, "", "a TagPack is a mapping with header fields and a tags list")
		return nil, nil, e.err()
	}
	header := mapNode(e, root, true)
	tagsNode, ok := header["tags"]
	if !ok {
		e.add(root.Line, "tags", "missing; a TagPack lists its tags under tags:")
		return nil, nil, e.err()
	}
	if tagsNode.Kind != yaml.SequenceNode {
		e.add(tagsNode.Line, "tags", "must be a list of tags")
		return nil, nil, e.err()
	}
	if len(tagsNode.Content) == 0 {
		e.add(tagsNode.Line, "tags", "is empty")
	}

	var out []Entry
	var notes []FieldError
	for _, t := range tagsNode.Content {
		if t.Kind != yaml.MappingNode {
			e.add(t.Line, "tags", "each tag must be a mapping of fields")
			continue
		}
		tag := mapNode(e, t, false)
		// get returns the tag's own value, else the header's (inheritance).
		get := func(f string) (*yaml.Node, bool) {
			if n, ok := tag[f]; ok {
				return n, true
			}
			n, ok := header[f]
			return n, ok
		}
		scalar := func(f string) (string, int) {
			n, ok := get(f)
			if !ok {
				return "", t.Line
			}
			if n.Kind != yaml.ScalarNode {
				e.add(n.Line, f, "must be a single value")
				return "", n.Line
			}
			return strings.TrimSpace(n.Value), n.Line
		}
		line := t.Line

		addr, addrLine := scalar("address")
		if addr == "" {
			if tx, _ := scalar("tx_hash"); tx != "" {
				notes = append(notes, FieldError{File: name, Line: line, Field: "tx_hash", Msg: "transaction tag skipped: chaintrace labels addresses"})
				continue
			}
			e.add(line, "address", "missing; every tag needs an address")
			continue
		}
		label, labelLine := scalar("label")
		if label == "" {
			e.add(labelLine, "label", "missing (mandatory)")
		}
		source, sourceLine := scalar("source")
		if source == "" {
			e.add(sourceLine, "source", "missing (mandatory)")
		}
		currency, curLine := scalar("currency")
		network, netLine := scalar("network")
		if currency == "" {
			e.add(curLine, "currency", "missing (mandatory)")
		}
		confS, confLine := scalar("confidence")
		conf := -1
		if confS == "" {
			e.add(confLine, "confidence", "missing (mandatory); one of %s or an integer 0-100", confidenceNames())
		} else if n, err := strconv.Atoi(confS); err == nil {
			if n < 0 || n > 100 {
				e.add(confLine, "confidence", "%d is outside 0-100", n)
			} else {
				conf = n
			}
		} else if v, ok := tagPackConfidence[strings.ToLower(confS)]; ok {
			conf = v
		} else {
			e.add(confLine, "confidence", "%q is not one of %s", confS, confidenceNames())
		}
		if currency == "" {
			continue
		}
		netCode, codeLine, codeField := currency, curLine, "currency"
		if network != "" {
			netCode, codeLine, codeField = network, netLine, "network"
		}
		chain, ok := tagPackNetworks[strings.ToLower(netCode)]
		if !ok {
			if c, err := normChain(netCode); err == nil && c != ScopeAll {
				chain, ok = c, true
			}
		}
		if !ok {
			notes = append(notes, FieldError{File: name, Line: codeLine, Field: codeField,
				Msg: fmt.Sprintf("tag skipped: chaintrace does not trace %q", netCode)})
			continue
		}
		cat, catLine, catErr := tagPackCategory(get)
		if catErr != "" {
			e.add(catLine, "category", "%s", catErr)
		}
		f := fields{chain: chain, address: addr, label: label, category: cat, source: source}
		if label == "" || source == "" || conf < 0 || catErr != "" {
			// Still check the address so one pass reports everything.
			if _, _, err := normAddress(chain, addr); err != nil {
				e.add(addrLine, "address", "%v", err)
			}
			continue
		}
		sub := &errs{file: name}
		ent, ok := buildEntry(sub, line, f)
		for _, fe := range sub.list {
			// Point at the field's own line where the tag has one.
			switch fe.Field {
			case "address":
				fe.Line = addrLine
			case "label":
				fe.Line = labelLine
			}
			e.list = append(e.list, fe)
		}
		if ok {
			ent.Confidence = conf
			ent.File = name
			out = append(out, ent)
		}
	}
	return out, notes, e.err()
}

// tagPackCategory maps category, then concepts, then abuse to our categories.
func tagPackCategory(get func(string) (*yaml.Node, bool)) (cat string, line int, problem string) {
	var tried []string
	if n, ok := get("category"); ok {
		if n.Kind == yaml.ScalarNode && n.Value != "" {
			if c, ok := tagPackCategories[strings.ToLower(n.Value)]; ok {
				return c, n.Line, ""
			}
			tried = append(tried, n.Value)
			line = n.Line
		}
	}
	if n, ok := get("concepts"); ok && n.Kind == yaml.SequenceNode {
		for _, c := range n.Content {
			if v, ok := tagPackCategories[strings.ToLower(c.Value)]; ok {
				return v, c.Line, ""
			}
			tried = append(tried, c.Value)
		}
	}
	if n, ok := get("abuse"); ok && n.Kind == yaml.ScalarNode {
		if v, ok := tagPackCategories[strings.ToLower(n.Value)]; ok {
			return v, n.Line, ""
		}
	}
	if len(tried) > 0 {
		// A taxonomy term we do not map: keep the tag, as "other".
		return "other", line, ""
	}
	return "other", 0, ""
}

// mapNode turns a mapping node into field → value node, reporting unknown and
// duplicate fields.
func mapNode(e *errs, m *yaml.Node, header bool) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		f := k.Value
		known := contains(tagPackTagFields, f) || (header && contains(tagPackHeaderOnly, f))
		if !known {
			where := "tag"
			if header {
				where = "header"
			}
			e.add(k.Line, f, "unknown %s field %q", where, f)
			continue
		}
		if _, dup := out[f]; dup {
			e.add(k.Line, f, "appears twice")
		}
		out[f] = v
	}
	return out
}

func confidenceNames() string {
	ns := make([]string, 0, len(tagPackConfidence))
	for n := range tagPackConfidence {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return strings.Join(ns, ", ")
}

// yamlErrLine digs the line number out of a yaml.v3 error ("yaml: line 7: ...").
func yamlErrLine(err error) int {
	var n int
	s := err.Error()
	if i := strings.Index(s, "line "); i >= 0 {
		fmt.Sscanf(s[i+5:], "%d", &n)
	}
	return n
}
