package httpx

import (
	"io"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Redacted replaces every secret in what chaintrace prints or stores.
const Redacted = "REDACTED"

// secretName matches query-parameter, flag and option names that carry secrets.
var secretName = regexp.MustCompile(`(?i)(key|token|secret|passw|auth|credential|bearer)`)

// apiKeySegment matches URL path segments that are API keys (Infura's /v3/<id>,
// Alchemy's /v2/<key>, QuickNode's token path): long runs of key characters.
var apiKeySegment = regexp.MustCompile(`^[A-Za-z0-9_\-]{20,}$`)

// versionSegment is a path segment after which hosted RPCs put the key (/v2/KEY).
var versionSegment = regexp.MustCompile(`^v[0-9]+$`)

// keyAfterVersion is a shorter key right after a version segment.
var keyAfterVersion = regexp.MustCompile(`^[A-Za-z0-9_\-]{8,}$`)

// urlInText finds URLs inside free text (error messages of libraries that
// print the request URL).
var urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>\x60]+`)

// minSecret is the shortest registered secret replaced anywhere in text: a
// shorter one (a password "p") would garble ordinary words; such secrets are
// still removed wherever they appear inside a URL.
const minSecret = 6

var secrets struct {
	sync.RWMutex
	list []string // longest first, so a secret containing another goes first
	set  map[string]bool
}

// AddSecret registers a secret (an API key, a password) so Redact removes it
// from any text, raw and in its URL-escaped forms.
func AddSecret(s string) {
	if len(s) < minSecret {
		return
	}
	secrets.Lock()
	defer secrets.Unlock()
	if secrets.set == nil {
		secrets.set = map[string]bool{}
	}
	for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s), strings.ReplaceAll(url.QueryEscape(s), "+", "%20")} {
		if !secrets.set[v] {
			secrets.set[v] = true
			secrets.list = append(secrets.list, v)
		}
	}
	sort.Slice(secrets.list, func(i, j int) bool { return len(secrets.list[i]) > len(secrets.list[j]) })
}

// Redact removes credentials from text about to be printed, returned in an
// error or stored: every URL in it goes through RedactURL, and every
// registered secret (AddSecret) is replaced in any encoding. It is the one
// redaction function; callers never search for secrets themselves.
func Redact(s string) string {
	if s == "" {
		return s
	}
	if strings.Contains(s, "://") {
		s = urlInText.ReplaceAllStringFunc(s, func(u string) string {
			trail := ""
			for len(u) > 0 && strings.ContainsRune(".,;:)]}", rune(u[len(u)-1])) {
				trail = u[len(u)-1:] + trail
				u = u[:len(u)-1]
			}
			return RedactURL(u) + trail
		})
	}
	secrets.RLock()
	defer secrets.RUnlock()
	for _, k := range secrets.list {
		if strings.Contains(s, k) {
			s = strings.ReplaceAll(s, k, Redacted)
		}
	}
	return s
}

// RedactURL removes credentials from one URL: user info, secret query
// parameters and API-key path segments. Strings that are not URLs come back as
// is; a URL that does not parse comes back as REDACTED.
func RedactURL(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return Redacted
	}
	if u.User != nil {
		u.User = url.User(Redacted)
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if secretName.MatchString(k) {
				q.Set(k, Redacted)
			}
		}
		u.RawQuery = q.Encode()
	}
	if u.Path != "" {
		segs := strings.Split(u.Path, "/")
		for i, seg := range segs {
			switch {
			case isHexID(seg):
			case apiKeySegment.MatchString(seg),
				i > 0 && versionSegment.MatchString(segs[i-1]) && keyAfterVersion.MatchString(seg):
				segs[i] = Redacted
			}
		}
		u.Path = strings.Join(segs, "/")
		u.RawPath = ""
	}
	return u.String()
}

// isHexID keeps transaction hashes, txids and addresses in URLs (Esplora's
// /tx/<txid>): they are evidence, not secrets.
func isHexID(s string) bool {
	s = strings.TrimPrefix(s, "0x")
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// SecretName reports whether a flag, option or parameter name says it holds a
// secret (key, token, password, …).
func SecretName(name string) bool { return secretName.MatchString(name) }

// RedactWriter passes every write through Redact (for standard error, where
// warnings, notices and errors go; callers write whole lines).
func RedactWriter(w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	if _, ok := w.(redactWriter); ok {
		return w
	}
	return redactWriter{w}
}

type redactWriter struct{ w io.Writer }

func (r redactWriter) Write(p []byte) (int, error) {
	s := Redact(string(p))
	if _, err := io.WriteString(r.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Unwrap is the writer underneath (a terminal check looks through it).
func (r redactWriter) Unwrap() io.Writer { return r.w }
