package rtproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func upstream(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u, pw, _ := r.BasicAuth()
		w.Header().Set("X-Auth", u+":"+pw)
		io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+string(b))
	}))
	t.Cleanup(s.Close)
	return s
}

func TestCountsAndForwards(t *testing.T) {
	up := upstream(t)
	p, err := New("http://x:y@" + strings.TrimPrefix(up.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	base := p.URL("http://u:p@127.0.0.1:1/api")
	if !strings.HasPrefix(base, "http://u:p@127.0.0.1:") || !strings.HasSuffix(base, "/api") {
		t.Fatalf("URL %s: want the client's credentials and path on the proxy's host", base)
	}
	resp, err := http.Post(base, "application/json", strings.NewReader(`[{"method":"a"},{"method":"b"},{"method":"a"}]`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := string(b); !strings.HasPrefix(got, "POST /api [") || resp.Header.Get("X-Auth") != "u:p" {
		t.Fatalf("forwarded as %q with auth %q", got, resp.Header.Get("X-Auth"))
	}
	resp, err = http.Get(p.URL("") + "/tx/abc/outspends?x=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "GET /tx/abc/outspends?x=1 " {
		t.Fatalf("REST forwarded as %q", b)
	}
	s := p.Stats()
	if s.Requests != 2 || s.Calls != 4 || s.Methods["a"] != 2 || s.Methods["b"] != 1 || s.Methods["GET /tx/:id/outspends"] != 1 {
		t.Fatalf("stats %v", s)
	}
	if s.RoundTrips != 2 {
		t.Fatalf("two requests one after the other: %d round trips, want 2", s.RoundTrips)
	}
}

func TestRoundTripsOfOverlappingRequests(t *testing.T) {
	up := upstream(t)
	p, err := New(up.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// The latency is long against goroutine start-up under -race on a loaded
	// machine, so the five requests of a wave always overlap.
	p.SetLatency(400 * time.Millisecond)
	get := func() {
		resp, err := http.Get(p.URL("") + "/x")
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	for wave := 0; wave < 3; wave++ {
		var wg sync.WaitGroup
		ready := make(chan struct{})
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); <-ready; get() }()
		}
		close(ready)
		wg.Wait()
	}
	s := p.Stats()
	if s.Requests != 15 || s.RoundTrips != 3 {
		t.Fatalf("3 waves of 5 concurrent requests: %d requests, %d round trips; want 15 and 3", s.Requests, s.RoundTrips)
	}
	p.Reset()
	start := time.Now()
	get()
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("latency 400 ms: request took %v", d)
	}
	if s := p.Stats(); s.Requests != 1 || s.RoundTrips != 1 {
		t.Fatalf("after Reset: %v", s)
	}
}
