package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/config"
	"github.com/lettrage/lettrage/internal/dunningrun"
	"github.com/lettrage/lettrage/internal/httpapi"
	"github.com/lettrage/lettrage/internal/ingest"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/lettering"
	"github.com/lettrage/lettrage/internal/opsmetrics"
	"github.com/lettrage/lettrage/internal/reconcile"
	"github.com/lettrage/lettrage/internal/store"
	"github.com/lettrage/lettrage/internal/webhook"
)

// loadConfig parses the flags common to the commands that read the
// configuration and loads it (flag > environment > file > default).
func loadConfig(name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	flags := config.RegisterFlags(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return config.Config{}, fs, errUsage
	}
	cfg, err := config.Load(flags.Args(os.Environ()))
	return cfg, fs, err
}

// errUsage marks a command line that could not be parsed.
var errUsage = errors.New("bad usage")

// newLogger builds the zerolog logger the configuration asks for.
func newLogger(cfg config.Config, stderr io.Writer) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil {
		return zerolog.Nop(), fmt.Errorf("log_level: %w", err)
	}
	var w io.Writer = stderr
	console := cfg.LogFormat == "console"
	if cfg.LogFormat == "auto" {
		if f, ok := stderr.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				console = true
			}
		}
	}
	if console {
		w = zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.RFC3339}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

// engineConfig maps the matching section of the configuration onto the
// engine's settings; what the configuration leaves out keeps the engine's
// default.
func engineConfig(m config.Matching) (reconcile.Config, error) {
	c := reconcile.DefaultConfig()
	if m.AutoThreshold > 0 {
		c.AutoThreshold = m.AutoThreshold
	}
	if m.ReviewThreshold > 0 {
		c.ReviewThreshold = m.ReviewThreshold
	}
	if m.FeeTolerance != "" {
		fee, err := m.FeeToleranceIn("EUR")
		if err != nil {
			return c, fmt.Errorf("matching.fee_tolerance: %w", err)
		}
		c.FeeToleranceMinor = fee.Minor
	}
	if m.FeeToleranceRel > 0 {
		c.FeeToleranceRel = m.FeeToleranceRel
	}
	if m.MaxSubsetInvoices > 0 {
		c.MaxSubsetInvoices = m.MaxSubsetInvoices
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var checkOnly bool
	cfg, _, err := loadConfig("serve", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&checkOnly, "check-config", false, "load and validate the configuration, print it (secrets redacted) and exit")
		fs.Usage = func() {
			fmt.Fprintln(stderr, "usage: lettrage serve [--config FILE] [--data-dir DIR] [--listen ADDR] [--database DSN] [--check-config]")
			fmt.Fprintln(stderr, "Runs the daemon: watched inbox, lettrage, webhook delivery, HTTP API and /metrics.")
			fs.PrintDefaults()
		}
	})
	if errors.Is(err, errUsage) {
		return exitBadUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "lettrage serve: configuration: %v\n", err)
		return exitFailure
	}
	if _, err := engineConfig(cfg.Matching); err != nil {
		fmt.Fprintf(stderr, "lettrage serve: configuration: %v\n", err)
		return exitFailure
	}
	if _, err := loadPolicy(cfg); err != nil {
		fmt.Fprintf(stderr, "lettrage serve: configuration: %v\n", err)
		return exitFailure
	}
	if checkOnly {
		r := cfg.Redacted()
		db := r.Database
		if db == "" {
			db = "embedded SQLite in " + r.DataDir
		}
		fmt.Fprintf(stdout, "configuration OK\ndata_dir: %s\nlisten: %s\ndatabase: %s\napi tokens: %d\nwebhook endpoints: %d\ndunning: %q in %s\n",
			r.DataDir, r.Listen, db, len(r.API.Tokens), len(r.Webhooks.Endpoints), r.Dunning.Schedule, r.Dunning.Timezone)
		return exitOK
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "lettrage serve: configuration: %v\n", err)
		return exitFailure
	}
	if err := serve(ctx, cfg, log); err != nil {
		log.Error().Err(err).Msg("lettrage stopped on an error")
		return exitFailure
	}
	return exitOK
}

// serve wires the daemon's parts and runs them until ctx ends, then drains.
func serve(ctx context.Context, cfg config.Config, log zerolog.Logger) error {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	limit, err := setMemoryLimit(cfg.MemoryLimit)
	if err != nil {
		return err
	}
	if limit < math.MaxInt64 {
		log.Info().Int64("bytes", limit).Msg("soft memory limit")
	}
	st, err := store.Open(ctx, cfg.Database, cfg.DataDir, log.With().Str("component", "store").Logger())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s store: %w", st.Engine(), err)
	}
	log.Info().Str("engine", st.Engine()).Str("data_dir", cfg.DataDir).Msg("store ready")

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(),
	)

	endpoints, err := cfg.WebhookEndpoints()
	if err != nil {
		return err
	}
	stored := make([]ledger.WebhookEndpoint, 0, len(endpoints))
	for _, ep := range endpoints {
		stored = append(stored, ledger.WebhookEndpoint{ID: ep.ID, URL: ep.URL, Events: ep.Events, Enabled: true})
	}
	if err := st.SyncEndpoints(ctx, stored); err != nil {
		return fmt.Errorf("sync webhook endpoints: %w", err)
	}

	// One name per replica (config replica, default the host name), stable
	// across its restarts, so that what it held when it was killed
	// (ingestion jobs, webhook deliveries) is released at start instead of
	// waiting for the leases to expire.
	replica := cfg.ReplicaName()
	worker := replica + "/webhook"

	whMetrics, err := webhook.NewMetrics(reg)
	if err != nil {
		return err
	}
	if err := reg.Register(webhook.NewOutboxCollector(st, time.Now)); err != nil {
		return fmt.Errorf("register outbox metrics: %w", err)
	}
	dispatcher, err := webhook.NewDispatcher(webhook.DispatcherConfig{
		Store:     st,
		Sender:    webhook.NewSender(webhook.SenderConfig{Timeout: cfg.Webhooks.Timeout, AllowPrivateTargets: cfg.Webhooks.AllowPrivateTargets}),
		Endpoints: endpoints,
		Schedule:  cfg.WebhookSchedule(),
		Worker:    worker,
		Lease:     cfg.Webhooks.Lease,
		Workers:   cfg.Webhooks.Workers,
		Logger:    log.With().Str("component", "webhook").Logger(),
		Metrics:   whMetrics,
	})
	if err != nil {
		return err
	}

	engine, err := engineConfig(cfg.Matching)
	if err != nil {
		return err
	}
	letMetrics, err := lettering.NewMetrics(reg)
	if err != nil {
		return err
	}
	// After payments are applied, the webhooks go out and the dunning
	// cases of the invoices paid in full close at once (settler is set
	// below, before any worker starts).
	var settler *dunningrun.Settler
	letterer, err := lettering.New(lettering.Config{
		Store:   st,
		Engine:  engine,
		Logger:  log,
		Metrics: letMetrics,
		OnEvents: func() {
			dispatcher.Notify()
			if settler != nil {
				settler.Notify()
			}
		},
	})
	if err != nil {
		return err
	}

	inMetrics, err := ingest.NewMetrics(reg)
	if err != nil {
		return err
	}
	watcher, err := ingest.New(ingest.Config{
		DataDir:        cfg.DataDir,
		Replica:        replica,
		Store:          st,
		SettleTime:     cfg.Ingest.SettleTime,
		RescanInterval: cfg.Ingest.RescanInterval,
		Lease:          cfg.Ingest.Lease,
		OrphanAfter:    cfg.Ingest.OrphanAfter,
		MaxFileBytes:   cfg.Ingest.MaxFileBytes,
		Logger:         log,
		Metrics:        inMetrics,
		OnStored:       func(context.Context, ledger.StatementFileResult) { letterer.Notify() },
		OnEvents:       dispatcher.Notify,
	})
	if err != nil {
		return err
	}

	loc, err := cfg.Dunning.Location()
	if err != nil {
		return err
	}
	var jobs []string
	if strings.TrimSpace(cfg.Dunning.Schedule) != "" {
		jobs = append(jobs, dunningrun.LockName)
	}
	if err := reg.Register(opsmetrics.New(opsmetrics.Config{Store: st, Location: loc, Jobs: jobs})); err != nil {
		return fmt.Errorf("register database metrics: %w", err)
	}
	dunRunner, dunScheduler, err := dunningParts(cfg, st, loc, reg, log, dispatcher.Notify)
	if err != nil {
		return err
	}
	if dunScheduler != nil {
		// Without a schedule dunning is driven by hand (lettrage dunning
		// run --as-of), closings included.
		settler = dunningrun.NewSettler(dunRunner, 2*time.Second)
	}
	var draining atomic.Bool
	tokens := make([]httpapi.Token, 0, len(cfg.API.Tokens))
	for _, t := range cfg.API.Tokens {
		tokens = append(tokens, httpapi.Token{Name: t.Name, SHA256: t.SHA256, Scopes: t.Scopes})
	}
	handler, err := httpapi.New(httpapi.Options{
		Store:      st,
		Logger:     log.With().Str("component", "http").Logger(),
		Gatherer:   reg,
		Registerer: reg,
		Ready: func(ctx context.Context) error {
			if draining.Load() {
				return errors.New("draining")
			}
			_, err := st.SchemaVersion(ctx)
			return err
		},
		Tokens:   tokens,
		Clock:    time.Now,
		Location: loc,
		Dunning:  dunRunner,
		Limits:   httpapi.Limits{MaxImportBytes: cfg.API.MaxBodyBytes},
		// A lettrage confirmed or reversed through the API goes out and
		// closes (or, at the next run, reopens) dunning cases like one of
		// the engine.
		OnChange: func() {
			dispatcher.Notify()
			if settler != nil {
				settler.Notify()
			}
		},
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info().Str("listen", ln.Addr().String()).Int("webhook_endpoints", len(endpoints)).Msg("lettrage serving")

	// The workers stop when runCtx ends; the HTTP server is shut down after
	// them so /readyz answers "draining" while they finish the work in hand.
	runCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorkers()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	start := func(name string, run func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	start("webhook dispatcher", dispatcher.Run)
	start("lettering", letterer.Run)
	start("ingest", watcher.Run)
	if dunScheduler != nil {
		start("dunning scheduler", dunScheduler.Run)
	}
	if settler != nil {
		start("dunning settler", func(ctx context.Context) error { settler.Run(ctx); return nil })
	}
	httpErr := make(chan error, 1)
	go func() { httpErr <- srv.Serve(ln) }()

	var runErr error
	select {
	case <-ctx.Done():
		log.Info().Msg("shutdown requested: draining")
	case runErr = <-errs:
		log.Error().Err(runErr).Msg("a component failed: shutting down")
	case err := <-httpErr:
		runErr = fmt.Errorf("http server: %w", err)
	}
	draining.Store(true)
	stopWorkers()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	timeout := cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	select {
	case <-done:
	case <-time.After(timeout):
		log.Warn().Dur("timeout", timeout).Msg("workers did not stop in time")
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn().Err(err).Msg("http shutdown")
	}
	log.Info().Msg("lettrage stopped")
	return runErr
}

// dunningParts builds the dunning runner (for the API and the schedule)
// and, unless dunning.schedule is empty, its cron scheduler.
func dunningParts(cfg config.Config, st ledger.Store, loc *time.Location, reg prometheus.Registerer, log zerolog.Logger, notify func()) (*dunningrun.Runner, *dunningrun.Scheduler, error) {
	policy, err := loadPolicy(cfg)
	if err != nil {
		return nil, nil, err
	}
	m, err := dunningrun.NewMetrics(reg)
	if err != nil {
		return nil, nil, err
	}
	dlog := log.With().Str("component", "dunning").Logger()
	r, err := dunningrun.New(dunningrun.Config{Store: st, Policy: policy, Location: loc, Logger: dlog, Metrics: m, OnEvents: notify})
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(cfg.Dunning.Schedule) == "" {
		dlog.Info().Msg("dunning.schedule is empty: no scheduled dunning runs (lettrage dunning run --as-of runs one)")
		return r, nil, nil
	}
	sched, err := dunningrun.NewScheduler(r, st, cfg.Dunning.Schedule, loc, dlog, m)
	if err != nil {
		return nil, nil, err
	}
	return r, sched, nil
}

// buildInfo exposes the version as lettrage_build_info{version,commit,goversion} 1.
func buildInfo() prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "lettrage_build_info",
		Help: "Build information of the running lettrage binary; always 1.",
	}, []string{"version", "commit", "goversion"})
	g.WithLabelValues(version, commit, runtime.Version()).Set(1)
	return g
}
