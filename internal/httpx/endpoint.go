package httpx

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// Endpoint is one base URL. What is sent keeps the path and query (hosted
// RPCs put their key there) but not the user info, which goes into an
// Authorization header; what is shown is Display, with every credential
// removed. Parsing registers the endpoint's secrets with Redact.
type Endpoint struct {
	u       *url.URL // no user info
	user    string
	pass    string
	hasAuth bool
	display string
}

// ErrBadURL is returned for a URL that is not http(s). Its message never
// repeats the URL, which may hold a password.
var ErrBadURL = errors.New("want an http:// or https:// URL")

// ParseEndpoint splits raw into what is sent and what is shown.
func ParseEndpoint(raw string) (*Endpoint, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, ErrBadURL
	}
	e := &Endpoint{}
	if u.User != nil {
		e.user = u.User.Username()
		e.pass, _ = u.User.Password()
		e.hasAuth = true
		AddSecret(e.pass)
		AddSecret(e.user + ":" + e.pass)
		u.User = nil
	}
	u.Fragment = ""
	for k, vs := range u.Query() {
		if SecretName(k) {
			for _, v := range vs {
				AddSecret(v)
			}
		}
	}
	segs := strings.Split(u.Path, "/")
	for i, seg := range segs {
		if !isHexID(seg) && (apiKeySegment.MatchString(seg) || i > 0 && versionSegment.MatchString(segs[i-1]) && keyAfterVersion.MatchString(seg)) {
			AddSecret(seg)
		}
	}
	e.u = u
	// Display has no user info at all (nothing of it is worth showing) and
	// every key removed.
	e.display = strings.TrimRight(RedactURL(u.String()), "/")
	return e, nil
}

// Display is the endpoint as messages show it: no credentials, no keys.
func (e *Endpoint) Display() string { return e.display }

// String is Display, so an Endpoint printed by mistake leaks nothing.
func (e *Endpoint) String() string { return e.display }

// Host is host[:port].
func (e *Endpoint) Host() string { return e.u.Host }

// URL is the request URL for path below the base ("" for the base itself),
// with the base's query kept after the path.
func (e *Endpoint) URL(path string) string {
	u := *e.u
	if path != "" {
		p, q, _ := strings.Cut(path, "?")
		u.Path = strings.TrimRight(u.Path, "/") + p
		u.RawPath = ""
		if q != "" {
			if u.RawQuery != "" {
				u.RawQuery += "&" + q
			} else {
				u.RawQuery = q
			}
		}
	}
	return u.String()
}

// auth returns the basic-auth credentials, if any.
func (e *Endpoint) auth() (user, pass string, ok bool) { return e.user, e.pass, e.hasAuth }

// Private reports an endpoint on this machine or a private network: its host
// is PrivateHost.
func (e *Endpoint) Private() bool { return PrivateHost(e.u.Hostname()) }

// PrivateHost: localhost, a loopback or private (RFC 1918, RFC 4193) or
// link-local address. A name other than localhost is not private, whatever
// it resolves to.
func PrivateHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast())
}
