package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/lettrage/lettrage/internal/pgtest"
	"github.com/lettrage/lettrage/internal/webhook"
)

// The Grafana dashboard and the Prometheus rules of deploy/ may only name
// metrics that `lettrage serve` really exports. This test reads every
// PromQL expression of deploy/grafana/lettrage.json and
// deploy/prometheus/alerts.yaml, runs the real binary through a session
// that makes each labelled metric appear (statements archived and
// rejected, lettrage decisions, webhook deliveries that succeed, fail to
// dead letters and meet a 410 Gone), scrapes /metrics, and fails for each
// name the binary does not export.

const (
	deployDashboard = "../../deploy/grafana/lettrage.json"
	deployAlerts    = "../../deploy/prometheus/alerts.yaml"
)

// metricRef is one metric name an expression of deploy/ uses.
type metricRef struct {
	name  string
	where string // file and panel or rule
}

// promIdent matches PromQL identifiers once strings and label matchers are
// removed: metric names, recording rule names, functions, keywords.
var (
	promString     = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promMatchers   = regexp.MustCompile(`\{[^{}]*\}`)
	promGrouping   = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promRange      = regexp.MustCompile(`\[[^\]]*\]`)
	promIdent      = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	exportedPrefix = regexp.MustCompile(`^(lettrage|go|process)_`)
)

// prometheusSeries are the series Prometheus itself writes for each target.
var prometheusSeries = map[string]bool{"up": true}

// exprMetrics returns the metric names (exported ones, recording rules and
// Prometheus' own series) that a PromQL expression reads.
func exprMetrics(expr string) []string {
	e := promString.ReplaceAllString(expr, `""`)
	e = promMatchers.ReplaceAllString(e, " ")
	e = promGrouping.ReplaceAllString(e, " ")
	e = promRange.ReplaceAllString(e, " ")
	var out []string
	for _, id := range promIdent.FindAllString(e, -1) {
		if exportedPrefix.MatchString(id) || strings.Contains(id, ":") || prometheusSeries[id] {
			out = append(out, id)
		}
	}
	return out
}

// alertRules is the part of a Prometheus rule file the tests read.
type alertRules struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Record      string            `yaml:"record"`
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// deployMetricRefs returns every metric name the dashboard and the rules
// read, and the recording rules the rule file defines.
func deployMetricRefs(t *testing.T) (refs []metricRef, recorded map[string]bool) {
	t.Helper()
	recorded = map[string]bool{}
	raw, err := os.ReadFile(deployAlerts)
	if err != nil {
		t.Fatal(err)
	}
	var rules alertRules
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatalf("%s: %v", deployAlerts, err)
	}
	var exprs []metricRef // expr in name, place in where
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				recorded[r.Record] = true
			}
			exprs = append(exprs, metricRef{name: r.Expr, where: fmt.Sprintf("%s, rule %s%s", deployAlerts, r.Record, r.Alert)})
		}
	}

	raw, err = os.ReadFile(deployDashboard)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []dashPanel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", deployDashboard, err)
	}
	var walk func(ps []dashPanel)
	walk = func(ps []dashPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				exprs = append(exprs, metricRef{name: tg.Expr, where: fmt.Sprintf("%s, panel %q", deployDashboard, p.Title)})
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)

	if len(exprs) < 20 {
		t.Fatalf("only %d expressions found in the dashboard and the rules", len(exprs))
	}
	for _, e := range exprs {
		names := exprMetrics(e.name)
		if len(names) == 0 {
			t.Errorf("%s: expression %q reads no metric this test can check (lettrage_*, go_*, process_*, a recording rule or up)", e.where, e.name)
		}
		for _, n := range names {
			refs = append(refs, metricRef{name: n, where: e.where})
		}
	}
	return refs, recorded
}

// dashPanel is the part of a Grafana panel the tests read.
type dashPanel struct {
	ID      int         `json:"id"`
	Type    string      `json:"type"`
	Title   string      `json:"title"`
	Panels  []dashPanel `json:"panels"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
}

func TestExprMetrics(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`sum by (outcome) (increase(lettrage_ingest_files_total{outcome="rejected"}[15m])) > 0`, []string{"lettrage_ingest_files_total"}},
		{`histogram_quantile(0.95, sum by (le, endpoint) (rate(lettrage_webhook_attempt_duration_seconds_bucket[$__rate_interval])))`, []string{"lettrage_webhook_attempt_duration_seconds_bucket"}},
		{`count by (instance) (lettrage_build_info) unless on (instance) lettrage_webhook_outbox_pending`, []string{"lettrage_build_info", "lettrage_webhook_outbox_pending"}},
		{`lettrage:lettering_auto_rate:ratio1d < 0.8 * lettrage:lettering_auto_rate:ratio7d and on () day_of_week() >= 2`, []string{"lettrage:lettering_auto_rate:ratio1d", "lettrage:lettering_auto_rate:ratio7d"}},
		{`up{job="lettrage", instance=~"lettrage_.*"} == 0`, []string{"up"}},
		{`rate(process_cpu_seconds_total{job="x"}[5m])`, []string{"process_cpu_seconds_total"}},
		{`sum(rate(http_requests_total[5m]))`, nil},
	}
	for _, tt := range tests {
		got := exprMetrics(tt.expr)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("exprMetrics(%q) = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

// TestDeployMetricsExist runs the daemon and checks that every metric the
// dashboard and the alert rules read is exported.
func TestDeployMetricsExist(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon")
	}
	refs, recorded := deployMetricRefs(t)

	// Three receivers: erp accepts (and verifies signatures), gone answers
	// 410 (the endpoint is disabled), down answers 500 (its deliveries end
	// as dead letters once webhooks.max_age has passed).
	rcv := &receiver{t: t, secret: webhook.NewSecret()}
	erp := httptest.NewServer(rcv)
	defer erp.Close()
	var goneHits, downHits atomic.Int32
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		goneHits.Add(1)
		w.WriteHeader(http.StatusGone)
	}))
	defer gone.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		downHits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer down.Close()

	d := newDaemon(t, daemonSettings{receiverURL: erp.URL, secret: rcv.secret})
	cfg := fmt.Sprintf(`data_dir: %s
listen: %s
log_format: json
webhooks:
  allow_private_targets: true
  timeout: 5s
  retry_delays: [100ms, 200ms]
  max_age: 1s
  endpoints:
    - {name: erp, url: %q, secrets: [%q], events: ["*"]}
    - {name: gone, url: %q, secrets: [%q], events: ["*"]}
    - {name: down, url: %q, secrets: [%q], events: ["*"]}
ingest:
  settle_time: 200ms
  rescan_interval: 1s
dunning:
  schedule: "@every 2s"
`, d.dataDir, d.addr, erp.URL, rcv.secret.Text(), gone.URL, rcv.secret.Text(), down.URL, rcv.secret.Text())
	if err := os.WriteFile(d.cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	d.start(t)
	// The image's HEALTHCHECK: the binary probes its own daemon.
	for _, path := range []string{"/healthz", "/readyz"} {
		if out, errOut, code := runBinary(t, "healthcheck", "--listen", d.addr, "--path", path); code != exitOK {
			t.Errorf("lettrage healthcheck --path %s: exit %d\n%s%s", path, code, out, errOut)
		}
	}

	// The sample's invoices (CHF), and one EUR invoice overdue by weeks
	// that the dunning runs (policy in EUR) take up.
	overdue := time.Now().AddDate(0, 0, -45)
	invoices := e2eInvoices + fmt.Sprintf("INV-E1,FA-0001,C7,Durand SARL,1200.00,EUR,%s,%s\n",
		overdue.AddDate(0, -1, 0).Format("2006-01-02"), overdue.Format("2006-01-02"))
	if code, body := d.api(t, http.MethodPost, "/v1/invoices", "text/csv", []byte(invoices)); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("import invoices: %d %s", code, body)
	}
	d.drop(t, "../../fixtures/camt053/viafintech_valid_example_v08.xml", "camt.xml")
	if err := d.dropBytes([]byte("<Document><Oops"), "garbage.xml"); err != nil {
		t.Fatal(err)
	}

	// Wait until every referenced metric is exported (labelled metrics
	// appear with their first observation), or report the missing ones.
	var missing []metricRef
	var exported map[string]bool
	deadline := time.Now().Add(60 * time.Second)
	for {
		exported = scrapeMetricNames(t, "http://"+d.addr+"/metrics")
		missing = missing[:0]
		for _, r := range refs {
			if !exported[r.name] && !recorded[r.name] && !prometheusSeries[r.name] {
				missing = append(missing, r)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, r := range missing {
		t.Errorf("%s reads %s, which lettrage serve does not export", r.where, r.name)
	}
	if len(missing) > 0 {
		t.Logf("session: erp received %d events, gone %d requests, down %d requests", len(rcv.accepted()), goneHits.Load(), downHits.Load())
		var names []string
		for n := range exported {
			if strings.HasPrefix(n, "lettrage_") {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		t.Logf("lettrage_ metrics exported:\n%s", strings.Join(names, "\n"))
	}

	// Recording rules must read exported metrics too (checked above with
	// the rule's expression) and be defined where they are used.
	for _, r := range refs {
		if strings.Contains(r.name, ":") && !recorded[r.name] {
			t.Errorf("%s reads the recording rule %s, which %s does not define", r.where, r.name, deployAlerts)
		}
	}
}

// scrapeMetricNames returns the names of the samples /metrics serves
// (histograms as their _bucket, _sum and _count series).
func scrapeMetricNames(t *testing.T, url string) map[string]bool {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape: %s %s", resp.Status, body)
	}
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("scrape: %v", err)
	}
	return names
}

// TestDeployDatabaseUnreachableSignal shows, with the real binary on
// PostgreSQL, the signal LettrageDatabaseUnreachable relies on: while the
// database does not answer, the daemon keeps serving /metrics with
// lettrage_store_up 0 (and without the gauges it reads from the database),
// /readyz answers 503, and all come back with the database.
func TestDeployDatabaseUnreachableSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon")
	}
	dsn := pgtest.NewSchema(t, "the database-unreachable alert signal", "lt_dbdown")
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &tcpProxy{target: u.Host}
	proxy.listen(t, "127.0.0.1:0")
	defer proxy.cut()
	u.Host = proxy.addr
	rcv := &receiver{t: t, secret: webhook.NewSecret()}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	d := startDaemon(t, u.String(), rcv, srv.URL)
	metricsURL := "http://" + d.addr + "/metrics"

	state := func() (storeUp, outbox bool, ready int) {
		names := scrapeMetricNames(t, metricsURL)
		resp, err := http.Get("http://" + d.addr + "/readyz")
		if err != nil {
			t.Fatalf("/readyz: %v", err)
		}
		resp.Body.Close()
		if !names["lettrage_store_up"] {
			t.Fatal("lettrage_store_up not scraped: the alert could not tell the database from the process")
		}
		return sumMetric(t, []*daemon{d}, "lettrage_store_up") == 1, names["lettrage_webhook_outbox_pending"], resp.StatusCode
	}
	if up, o, r := state(); !up || !o || r != http.StatusOK {
		t.Fatalf("database up: store_up %v, outbox gauge %v, /readyz %d; want true, true, 200", up, o, r)
	}

	proxy.cut()
	eventually(t, 30*time.Second, "store_up 0, outbox gauge gone and /readyz 503 while the database is unreachable", func() bool {
		up, o, r := state()
		return !up && !o && r == http.StatusServiceUnavailable
	})
	if !d.healthy() {
		t.Error("/healthz failed while only the database was down: the process must stay up (liveness)")
	}

	proxy.listen(t, proxy.addr)
	eventually(t, 60*time.Second, "store_up, outbox gauge and /readyz back with the database", func() bool {
		up, o, r := state()
		return up && o && r == http.StatusOK
	})
}

// tcpProxy forwards TCP connections to target until cut, which closes the
// listener and every connection, like a database host that went away.
type tcpProxy struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func (p *tcpProxy) listen(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("proxy listen on %s: %v", addr, err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
