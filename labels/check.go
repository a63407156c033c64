package labels

import "strings"

// CheckAddress reports whether addr is an address on chain (a --chain name, or
// "" for any chain chaintrace labels), with the same rules a label file's
// address column follows (EIP-55 checksums, Bitcoin network prefixes). The
// error says what is wrong; it is what `labels show` prints before looking.
func CheckAddress(chain, addr string) error {
	c := ScopeAll
	if chain != "" {
		var err error
		if c, err = normChain(strings.TrimSpace(chain)); err != nil {
			return err
		}
	}
	_, _, err := normAddress(c, addr)
	return err
}
