package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProbeURL(t *testing.T) {
	tests := []struct {
		listen, path, want, wantErr string
	}{
		{"127.0.0.1:8080", "/healthz", "http://127.0.0.1:8080/healthz", ""},
		{"0.0.0.0:8080", "/healthz", "http://127.0.0.1:8080/healthz", ""},
		{":9000", "/readyz", "http://127.0.0.1:9000/readyz", ""},
		{"[::]:8080", "/healthz", "http://[::1]:8080/healthz", ""},
		{"[::1]:8080", "/healthz", "http://[::1]:8080/healthz", ""},
		{"lettrage.internal:8080", "/healthz", "http://lettrage.internal:8080/healthz", ""},
		{"127.0.0.1:0", "/healthz", "", "port 0"},
		{"nonsense", "/healthz", "", "missing port"},
	}
	for _, tt := range tests {
		got, err := probeURL(tt.listen, tt.path)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("probeURL(%q): error %v, want one containing %q", tt.listen, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("probeURL(%q) = %q, %v; want %q", tt.listen, got, err, tt.want)
		}
	}
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"status":"` + http.StatusText(status) + `"}`))
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	// A closed port: nothing listens there any more.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	tests := []struct {
		name   string
		status int
		args   []string
		want   int
		errHas string
	}{
		{"healthy", http.StatusOK, []string{"--listen", addr}, exitOK, ""},
		{"ready path", http.StatusOK, []string{"--listen", addr, "--path", "/readyz"}, exitOK, ""},
		{"draining", http.StatusServiceUnavailable, []string{"--listen", addr, "--path", "/readyz"}, exitFailure, "503"},
		{"wrong path", http.StatusOK, []string{"--listen", addr, "--path", "/nope"}, exitFailure, "404"},
		{"nothing listening", http.StatusOK, []string{"--listen", closed}, exitFailure, "connection refused"},
		{"bad path flag", http.StatusOK, []string{"--listen", addr, "--path", "healthz"}, exitBadUsage, "--path"},
		{"bad listen", http.StatusOK, []string{"--listen", "nonsense"}, exitFailure, "listen"},
		{"unknown flag", http.StatusOK, []string{"--bogus"}, exitBadUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status = tt.status
			var out, errb bytes.Buffer
			got := runHealthcheck(context.Background(), tt.args, &out, &errb)
			if got != tt.want {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", got, tt.want, out.String(), errb.String())
			}
			if tt.errHas != "" && !strings.Contains(errb.String(), tt.errHas) {
				t.Errorf("stderr %q does not say %q", errb.String(), tt.errHas)
			}
		})
	}
}
