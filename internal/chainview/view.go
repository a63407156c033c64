package chainview

import (
	"fmt"
	"strings"
	"sync"
)

// View is safe for concurrent use. The zero value is not: use New.
type View struct {
	mu     sync.Mutex
	hash   map[uint64]string // height → block hash, as first answered
	parent map[uint64]string // height → the parent hash its block named
}

// New returns an empty view.
func New() *View {
	return &View{hash: map[uint64]string{}, parent: map[uint64]string{}}
}

// Conflict is the error of an answer that does not fit the chain read so far.
type Conflict struct {
	Height uint64
	Msg    string
}

func (c *Conflict) Error() string { return c.Msg }

// Observe records that the block at height has hash and names parent as its
// parent (parent "" when the answer does not say: a transaction's or receipt's
// block hash), or returns a *Conflict when that contradicts what was recorded:
// another hash at the same height, a parent that is not the recorded hash one
// height below, or a hash that is not the parent the block above named.
// Hashes compare case-insensitively, with or without 0x. An empty hash (a
// pending transaction) records nothing. A conflicting answer records nothing.
func (v *View) Observe(height uint64, hash, parent string) error {
	hash, parent = norm(hash), norm(parent)
	if hash == "" {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if h, ok := v.hash[height]; ok && h != hash {
		return &Conflict{height, fmt.Sprintf("block %d is %s in this answer but %s in an earlier one (a reorg, or nodes behind one endpoint that disagree)", height, show(hash), show(h))}
	}
	if parent != "" && height > 0 {
		if h, ok := v.hash[height-1]; ok && h != parent {
			return &Conflict{height, fmt.Sprintf("block %d names parent %s, but block %d is %s (a reorg, or nodes behind one endpoint that disagree)", height, show(parent), height-1, show(h))}
		}
	}
	if p, ok := v.parent[height+1]; ok && p != hash {
		return &Conflict{height, fmt.Sprintf("block %d is %s, but block %d names parent %s (a reorg, or nodes behind one endpoint that disagree)", height, show(hash), height+1, show(p))}
	}
	if p, ok := v.parent[height]; ok && parent != "" && p != parent {
		return &Conflict{height, fmt.Sprintf("block %d names parent %s in this answer but %s in an earlier one", height, show(parent), show(p))}
	}
	v.hash[height] = hash
	if parent != "" && height > 0 {
		v.parent[height] = parent
	}
	return nil
}

// Forget drops everything recorded at or above height: a caller that has
// seen a reorg (a watch) starts that part of the chain afresh.
func (v *View) Forget(height uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for h := range v.hash {
		if h >= height {
			delete(v.hash, h)
		}
	}
	for h := range v.parent {
		if h >= height {
			delete(v.parent, h)
		}
	}
}

// Hash returns the hash recorded at height.
func (v *View) Hash(height uint64) (string, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	h, ok := v.hash[height]
	return h, ok
}

func norm(h string) string {
	return strings.TrimPrefix(strings.ToLower(strings.TrimSpace(h)), "0x")
}

// show shortens a hash for a message: the first and last 8 digits are
// enough to compare two by eye.
func show(h string) string {
	if len(h) > 20 {
		return h[:8] + "…" + h[len(h)-8:]
	}
	return h
}
