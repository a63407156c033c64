package casestore

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces a secret in stored command lines and options.
const Redacted = "REDACTED"

// secretName matches flag, option and query-parameter names that carry secrets.
var secretName = regexp.MustCompile(`(?i)(key|token|secret|passw|auth|credential|bearer)`)

// apiKeySegment matches URL path segments that are API keys (Infura's /v3/<id>,
// Alchemy's /v2/<key>, QuickNode's token path): long runs of key characters.
var apiKeySegment = regexp.MustCompile(`^[A-Za-z0-9_\-]{20,}$`)

// RedactURL removes credentials from an endpoint URL: user info, secret query
// parameters and API-key path segments. Strings that are not URLs come back as is.
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
			if apiKeySegment.MatchString(seg) && !isHexHash(seg) {
				segs[i] = Redacted
			}
		}
		u.Path = strings.Join(segs, "/")
		u.RawPath = ""
	}
	return u.String()
}

// isHexHash keeps transaction hashes and addresses in URLs: they are not secrets.
func isHexHash(s string) bool {
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

// RedactArgs removes secrets from a command line: values of flags whose name says
// key/token/secret/password, and credentials inside URLs.
func RedactArgs(args []string) []string {
	out := make([]string, len(args))
	redactNext := false
	for i, a := range args {
		switch {
		case redactNext:
			out[i] = Redacted
			redactNext = false
		case strings.HasPrefix(a, "-"):
			name, val, hasVal := strings.Cut(a, "=")
			if secretName.MatchString(strings.TrimLeft(name, "-")) {
				if hasVal {
					out[i] = name + "=" + Redacted
				} else {
					out[i] = a
					redactNext = true
				}
				continue
			}
			if hasVal {
				out[i] = name + "=" + RedactURL(val)
			} else {
				out[i] = a
			}
		default:
			out[i] = RedactURL(a)
		}
	}
	return out
}

// RedactOptions removes secrets from resolved options.
func RedactOptions(opts map[string]string) map[string]string {
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		if secretName.MatchString(k) && v != "" {
			out[k] = Redacted
			continue
		}
		out[k] = RedactURL(v)
	}
	return out
}
