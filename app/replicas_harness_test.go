package app_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/cli"
)

// The replica tests run tocsin as separate processes: the test binary
// re-executed with envReplicaConfig set is `tocsin run --config FILE`,
// exactly as main.go runs it.
const envReplicaConfig = "TOCSIN_TEST_REPLICA_CONFIG"

func TestMain(m *testing.M) {
	if path := os.Getenv(envReplicaConfig); path != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Main(ctx, cli.Env{Args: []string{"run", "--config", path}, Stdin: os.Stdin, Stdout: os.Stdout,
			Stderr: os.Stderr, Getenv: os.Getenv})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// rssItem is one entry of a loopback feed.
type rssItem struct {
	guid, title, text string
	pub               time.Time
}

// rssFeed is a loopback RSS feed whose items a test adds while replicas
// poll it.
type rssFeed struct {
	*httptest.Server
	name  string
	mu    sync.Mutex
	items []rssItem
}

func newRSSFeed(t *testing.T, name string) *rssFeed {
	f := &rssFeed{name: name}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		items := append([]rssItem(nil), f.items...)
		f.mu.Unlock()
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>http://127.0.0.1/</link><description>d</description>`, f.name)
		for _, it := range items {
			fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><title>%s</title><link>http://127.0.0.1/%s/%s</link><description>%s</description><pubDate>%s</pubDate></item>`,
				it.guid, html.EscapeString(it.title), f.name, it.guid, html.EscapeString(it.text), it.pub.Format(time.RFC1123Z))
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(b.String()))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *rssFeed) add(it rssItem) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, it)
}

// freeAddr returns a loopback address free a moment ago (for a replica's
// HTTP server, which must be known before the process starts).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// replicaSpec is what differs between the replicas' configs.
type replicaSpec struct {
	id, addr string
}

// clusterConfig is the YAML of one replica on the shared store.
type clusterConfig struct {
	dsn     string
	feeds   []*rssFeed
	discord string // emulator URL ("" for none)
	appID   string
	pubKey  ed25519.PublicKey
}

func (c clusterConfig) yaml(r replicaSpec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "store: {dsn: %q, retention: 0}\n", c.dsn)
	fmt.Fprintf(&b, "http: {addr: %q}\n", r.addr)
	b.WriteString("log: {level: info}\n")
	b.WriteString("console: {enabled: true, format: jsonl}\n")
	b.WriteString("poller: {schedule: \"@every 1s\", workers: 4, timeout: 2s, error_backoff: 1s, max_error_backoff: 2s}\n")
	b.WriteString("alerts: {repeat_interval: 0s}\n")
	b.WriteString("outbox: {send_timeout: 3s, retry_base: 200ms, retry_max: 1s, stuck_after: 1h}\n")
	b.WriteString("shutdown_timeout: 5s\n")
	fmt.Fprintf(&b, "replica: {id: %q, leader_check: 200ms}\n", r.id)
	b.WriteString("web: {enabled: false}\n")
	b.WriteString("sources:\n")
	for _, f := range c.feeds {
		fmt.Fprintf(&b, "  - {id: %q, kind: feed, url: %q, interval: 1s}\n", f.name, f.URL)
	}
	if c.discord != "" {
		fmt.Fprintf(&b, "discord: {token: %q, application_id: %q, guild_id: %q, api_url: %q, public_key: %q, channels: [{channel_id: %q}]}\n",
			e2eToken, c.appID, e2eGuild, c.discord+"/api/v9", hex.EncodeToString(c.pubKey), e2eChannel)
	}
	return b.String()
}

// replicaProc is one incarnation of a replica process.
type replicaProc struct {
	slot, gen int
	spec      replicaSpec
	cmd       *exec.Cmd
	stdout    string // file: the console's output, everything it printed
	stderr    string // file: the log
	killed    bool
	done      chan struct{}
	exitErr   error
}

// startReplica starts one incarnation with its own output files.
func startReplica(t *testing.T, dir string, c clusterConfig, slot, gen int, spec replicaSpec) *replicaProc {
	t.Helper()
	cfg := filepath.Join(dir, fmt.Sprintf("replica-%d.yaml", slot))
	if err := os.WriteFile(cfg, []byte(c.yaml(spec)), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &replicaProc{slot: slot, gen: gen, spec: spec, done: make(chan struct{}),
		stdout: filepath.Join(dir, fmt.Sprintf("replica-%d.%d.out", slot, gen)),
		stderr: filepath.Join(dir, fmt.Sprintf("replica-%d.%d.log", slot, gen))}
	out, err := os.Create(p.stdout)
	if err != nil {
		t.Fatal(err)
	}
	errf, err := os.Create(p.stderr)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), envReplicaConfig+"="+cfg)
	p.cmd.Stdout, p.cmd.Stderr = out, errf
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.exitErr = p.cmd.Wait()
		out.Close()
		errf.Close()
		close(p.done)
	}()
	return p
}

// kill is SIGKILL: no shutdown, no deferred cleanup, leases left behind.
func (p *replicaProc) kill() {
	p.killed = true
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop is SIGTERM, waited for (the guard kills a replica that hangs).
func (p *replicaProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second): // failure guard only
		p.kill()
		t.Errorf("replica %d.%d did not stop on SIGTERM", p.slot, p.gen)
	}
}

// logTail is the end of an incarnation's log, for failure messages.
func (p *replicaProc) logTail() string {
	b, _ := os.ReadFile(p.stderr)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// waitReady waits until the replica's /readyz answers 200.
func waitReady(ctx context.Context, p *replicaProc) error {
	for {
		resp, err := http.Get("http://" + p.spec.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("replica %d.%d exited: %v", p.slot, p.gen, p.exitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
