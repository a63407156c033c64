package btcd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/rpcclient"
)

// Options configure Start.
type Options struct {
	// Dir holds the node's data and logs; empty: a new temporary directory that
	// Close removes.
	Dir string
	// Log, when set, receives btcd's console output (useful with -v).
	Log io.Writer
	// Binary overrides the btcd executable; empty: `go tool -n btcd`.
	Binary string
	// NoIndexes starts btcd without --txindex --addrindex (to test what an
	// adapter says about a node it cannot trace with).
	NoIndexes bool
}

// Node is a running btcd regtest process with a deterministic miner wallet.
type Node struct {
	// Host is "127.0.0.1:PORT" of the JSON-RPC server (plain HTTP).
	Host string
	// User and Pass are the RPC credentials.
	User, Pass string
	// Client talks to the node (HTTP POST mode).
	Client *rpcclient.Client
	// Params are the regtest parameters.
	Params *chaincfg.Params

	cmd     *exec.Cmd
	dir     string
	ownDir  bool
	done    chan struct{}
	waitErr error

	mu    sync.Mutex
	chain *chainState
}

// URL is the JSON-RPC endpoint with credentials, as a user would pass --rpc.
func (n *Node) URL() string { return fmt.Sprintf("http://%s:%s@%s", n.User, n.Pass, n.Host) }

var binOnce struct {
	sync.Once
	path string
	err  error
}

// Binary returns the path of the pinned btcd, building it on first use
// (`go tool -n btcd`: ~25 s cold, instant when cached).
func Binary(ctx context.Context) (string, error) {
	binOnce.Do(func() {
		out, err := exec.CommandContext(ctx, "go", "tool", "-n", "btcd").Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = fmt.Errorf("%v: %s", err, ee.Stderr)
			}
			binOnce.err = fmt.Errorf("building btcd with `go tool -n btcd` (run inside the chaintrace module): %w", err)
			return
		}
		binOnce.path = strings.TrimSpace(string(out))
	})
	return binOnce.path, binOnce.err
}

var listenRE = regexp.MustCompile(`RPC server listening on (127\.0\.0\.1:\d+)`)

// Start launches btcd --regtest with --txindex --addrindex on a random loopback
// port and waits until its RPC server answers. The chain holds only the genesis
// block; call Mine / MineTo to build on it.
func Start(ctx context.Context, opts Options) (*Node, error) {
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = Binary(ctx); err != nil {
			return nil, err
		}
	}
	n := &Node{User: "u", Pass: "p", Params: &chaincfg.RegressionNetParams, dir: opts.Dir, done: make(chan struct{})}
	if n.dir == "" {
		d, err := os.MkdirTemp("", "chaintrace-btcd-")
		if err != nil {
			return nil, err
		}
		n.dir, n.ownDir = d, true
	}
	conf := filepath.Join(n.dir, "btcd.conf")
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		return nil, err
	}
	miner := MinerKey()
	args := []string{"--regtest", "--configfile=" + conf,
		"--datadir=" + filepath.Join(n.dir, "data"), "--logdir=" + filepath.Join(n.dir, "logs"),
		"--rpcuser=" + n.User, "--rpcpass=" + n.Pass, "--rpclisten=127.0.0.1:0", "--notls",
		"--nolisten", "--miningaddr=" + miner.Address, "--debuglevel=info"}
	if !opts.NoIndexes {
		args = append(args, "--txindex", "--addrindex")
	}
	n.cmd = exec.Command(bin, args...)
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	n.cmd.Stderr = n.cmd.Stdout
	if err := n.cmd.Start(); err != nil {
		n.cleanup()
		return nil, fmt.Errorf("starting btcd: %w", err)
	}
	hostc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if opts.Log != nil {
				fmt.Fprintln(opts.Log, line)
			}
			if m := listenRE.FindStringSubmatch(line); m != nil && !sent {
				hostc <- m[1]
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { n.waitErr = n.cmd.Wait(); close(n.done) }()

	select {
	case n.Host = <-hostc:
	case <-n.done:
		n.cleanup()
		return nil, fmt.Errorf("btcd exited before its RPC server started: %w", n.waitErr)
	case <-time.After(30 * time.Second):
		n.Close()
		return nil, errors.New("btcd did not start its RPC server within 30s")
	case <-ctx.Done():
		n.Close()
		return nil, ctx.Err()
	}
	n.Client, err = rpcclient.New(&rpcclient.ConnConfig{Host: n.Host, User: n.User, Pass: n.Pass,
		HTTPPostMode: true, DisableTLS: true}, nil)
	if err != nil {
		n.Close()
		return nil, err
	}
	// The listener is up before the chain is loaded; wait for a real answer.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err = n.Client.GetBlockCount(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			n.Close()
			return nil, fmt.Errorf("btcd RPC not answering: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	n.chain = newChainState(n.Params)
	return n, nil
}

// Close stops btcd and removes its temporary directory.
func (n *Node) Close() error {
	if n.Client != nil {
		n.Client.Shutdown()
	}
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Signal(os.Interrupt)
		select {
		case <-n.done:
		case <-time.After(10 * time.Second):
			_ = n.cmd.Process.Kill()
			<-n.done
		}
	}
	n.cleanup()
	return nil
}

func (n *Node) cleanup() {
	if n.ownDir {
		_ = os.RemoveAll(n.dir)
	}
}
