package chainview

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

func h(c byte) string { return "0x" + strings.Repeat(string(c), 64) }

func TestObserve(t *testing.T) {
	type obs struct {
		height       uint64
		hash, parent string
		conflict     string // "" = accepted; else a word the message must hold
	}
	cases := []struct {
		name string
		obs  []obs
	}{
		{"a linked chain in any order", []obs{{2, h('c'), h('b'), ""}, {0, h('a'), "", ""}, {1, h('b'), h('a'), ""}, {3, h('d'), h('c'), ""}}},
		{"the same answers twice", []obs{{5, h('a'), h('9'), ""}, {5, h('a'), h('9'), ""}, {5, "0X" + strings.ToUpper(h('a')[2:]), "", ""}}},
		{"another hash at a height", []obs{{5, h('a'), "", ""}, {5, h('b'), "", "earlier one"}}},
		{"a parent that is not the block below", []obs{{4, h('a'), "", ""}, {5, h('b'), h('c'), "names parent"}}},
		{"a block that is not the parent named above", []obs{{5, h('b'), h('c'), ""}, {4, h('a'), "", "names parent"}}},
		{"a second parent claim", []obs{{5, h('b'), h('c'), ""}, {5, h('b'), h('d'), "earlier one"}}},
		{"a pending transaction records nothing", []obs{{7, "", "", ""}, {7, h('a'), "", ""}}},
		{"genesis has no parent to check", []obs{{0, h('a'), h('f'), ""}, {0, h('a'), "", ""}}},
		{"a refused answer records nothing", []obs{{4, h('a'), "", ""}, {5, h('b'), h('c'), "names parent"}, {5, h('e'), h('a'), ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := New()
			for i, o := range c.obs {
				err := v.Observe(o.height, o.hash, o.parent)
				switch {
				case o.conflict == "" && err != nil:
					t.Fatalf("observation %d: %v", i, err)
				case o.conflict != "" && err == nil:
					t.Fatalf("observation %d accepted, want a conflict", i)
				case o.conflict != "":
					var cf *Conflict
					if !errors.As(err, &cf) || cf.Height != o.height || !strings.Contains(err.Error(), o.conflict) {
						t.Fatalf("observation %d: %v (want a conflict at %d naming %q)", i, err, o.height, o.conflict)
					}
				}
			}
		})
	}
}

func TestForget(t *testing.T) {
	v := New()
	for i, c := range []byte("abcd") {
		parent := ""
		if i > 0 {
			parent = h("abcd"[i-1])
		}
		if err := v.Observe(uint64(i), h(c), parent); err != nil {
			t.Fatal(err)
		}
	}
	v.Forget(2)
	if _, ok := v.Hash(2); ok {
		t.Fatal("block 2 still known after Forget(2)")
	}
	if got, _ := v.Hash(1); got != h('b')[2:] {
		t.Fatalf("block 1 = %q after Forget(2)", got)
	}
	// The new branch from 2 on is accepted, and still has to link to block 1.
	if err := v.Observe(2, h('x'), h('b')); err != nil {
		t.Fatal(err)
	}
	if err := v.Observe(3, h('y'), h('c')); err == nil {
		t.Fatal("block 3 on the forgotten branch accepted")
	}
}

func TestConcurrent(t *testing.T) {
	v := New()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := uint64(0); i < 200; i++ {
				if err := v.Observe(i, h(byte('a'+i%6)), ""); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
