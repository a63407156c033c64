package casestore

import (
	"strings"

	"github.com/chaintrace/chaintrace/internal/httpx"
)

// Redacted replaces a secret in stored command lines and options.
const Redacted = httpx.Redacted

// RedactURL removes credentials from an endpoint URL (the transport's one
// redaction, httpx.RedactURL).
func RedactURL(s string) string { return httpx.RedactURL(s) }

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
			if httpx.SecretName(strings.TrimLeft(name, "-")) {
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
		if httpx.SecretName(k) && v != "" {
			out[k] = Redacted
			continue
		}
		out[k] = RedactURL(v)
	}
	return out
}
