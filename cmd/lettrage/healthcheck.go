package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// runHealthcheck probes a running daemon over HTTP and exits 0 when it
// answers 200. It exists for images without a shell or curl (the
// distroless image of deploy/Dockerfile): its HEALTHCHECK runs
// `lettrage healthcheck`. The address is the configuration's listen key,
// read like serve reads it (--config, LETTRAGE_CONFIG, LETTRAGE_LISTEN,
// --listen), with an unspecified host (0.0.0.0, ::, empty) probed on the
// loopback address.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var (
		path    string
		timeout time.Duration
	)
	cfg, _, err := loadConfig("healthcheck", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "path", "/healthz", "path to probe: /healthz (alive) or /readyz (takes work)")
		fs.DurationVar(&timeout, "timeout", 3*time.Second, "time allowed for the answer")
		fs.Usage = func() {
			fmt.Fprintln(stderr, "usage: lettrage healthcheck [--config FILE] [--listen ADDR] [--path /healthz|/readyz] [--timeout 3s]")
			fmt.Fprintln(stderr, "Probes the daemon's HTTP address; exit 0 when it answers 200, 1 otherwise.")
			fs.PrintDefaults()
		}
	})
	if errors.Is(err, errUsage) {
		return exitBadUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "lettrage healthcheck: configuration: %v\n", err)
		return exitFailure
	}
	if !strings.HasPrefix(path, "/") || timeout <= 0 {
		fmt.Fprintln(stderr, "lettrage healthcheck: --path must start with / and --timeout be positive")
		return exitBadUsage
	}
	target, err := probeURL(cfg.Listen, path)
	if err != nil {
		fmt.Fprintf(stderr, "lettrage healthcheck: %v\n", err)
		return exitFailure
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		fmt.Fprintf(stderr, "lettrage healthcheck: %v\n", err)
		return exitFailure
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "lettrage healthcheck: %s: %v\n", target, err)
		return exitFailure
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "lettrage healthcheck: %s: %s %s\n", target, resp.Status, strings.TrimSpace(string(body)))
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s: %s\n", target, strings.TrimSpace(string(body)))
	return exitOK
}

// probeURL turns a listen address into the URL of path on it; a wildcard
// or empty host is probed on the loopback address of its family.
func probeURL(listen, path string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen %q: %w", listen, err)
	}
	if port == "0" {
		return "", fmt.Errorf("listen %q: port 0 is chosen at start and cannot be probed; give --listen host:port", listen)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::", "[::]":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}
