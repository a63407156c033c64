package sourcetest

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/cases"
	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/internal/opening"
)

// firstTx is the first seed of a case that names a transaction.
func firstTx(t *testing.T, seeds []string) string {
	t.Helper()
	for _, s := range seeds {
		h := strings.TrimPrefix(s, "0x")
		if len(h) == 64 && !strings.Contains(s, ":") {
			return s
		}
	}
	t.Skipf("no transaction seed among %v", seeds)
	return ""
}

// The embedded demos (JSON case files, chains/jsoncase), one per family.
func TestJSONCases(t *testing.T) {
	for _, name := range []string{"demo", "demo-btc"} {
		t.Run(name, func(t *testing.T) {
			d, ok := cases.Lookup(name)
			if !ok {
				t.Fatalf("no demo %s", name)
			}
			p := filepath.Join(t.TempDir(), d.File)
			if err := os.WriteFile(p, d.JSON, 0o644); err != nil {
				t.Fatal(err)
			}
			o := opening.Defaults()
			o.Case = p
			cf, err := opening.Open(context.Background(), &o, opening.Env{})
			if err != nil {
				t.Fatal(err)
			}
			defer cf.Close()
			Run(t, cf.Source, firstTx(t, cf.Seeds))
		})
	}
}

// The known-theft recordings, replayed offline from the case store.
func TestRecordedCases(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "cases", "*.case"))
	if len(files) == 0 {
		t.Fatal("no recorded cases in testdata/cases")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			o := opening.Defaults()
			o.Case = f
			cf, err := opening.Open(context.Background(), &o, opening.Env{})
			if err != nil {
				t.Fatal(err)
			}
			defer cf.Close()
			notRecorded := Options{Unanswered: func(err error) bool { return errors.Is(err, casestore.ErrNotRecorded) }}
			RunWith(t, cf.Source, firstTx(t, cf.Seeds), notRecorded)
			// A multi-chain case also serves its linked chains offline.
			for _, l := range cf.Links {
				chain := l.Info().Name
				t.Run("link "+chain, func(t *testing.T) { RunWith(t, l, recordedTx(t, f, chain), notRecorded) })
			}
		})
	}
}

// recordedTx is a transaction the case at path recorded an answer for on its
// linked chain (a tx_transfers or tx object that is not a stored error).
func recordedTx(t *testing.T, path, chain string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ns := "link:" + chain + "/"
	var key string
	err = db.QueryRow(`SELECT key FROM objects WHERE kind IN (?, ?) AND value NOT LIKE '{"err"%' ORDER BY kind, key LIMIT 1`,
		ns+casestore.KindTxTransfers, ns+casestore.KindTx).Scan(&key)
	if err != nil {
		t.Fatalf("no recorded transaction on linked chain %s: %v", chain, err)
	}
	return key
}
