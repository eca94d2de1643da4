# Lettrage — make help lists the targets.
SHELL := /usr/bin/env bash
GO ?= go
BIN := bin/lettrage
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
# Fuzz budgets are execution counts, not durations: with go1.26 a duration
# budget can end in a spurious "context deadline exceeded" failure under load
# (golang/go#75804, fixed in go1.27).
FUZZTIME ?= 20000x
SAMPLES := $(wildcard fixtures/camt053/*.xml) $(wildcard fixtures/cfonb120/*.cfo) $(wildcard fixtures/cfonb120/*.txt)

.PHONY: help build run samples test vet fuzz bench clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

build: ## build bin/lettrage (static, version stamped)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/lettrage

DATA_DIR ?= ./data
LISTEN ?= 127.0.0.1:8080
# A development token for the API; set your own (≥ 16 characters) outside a laptop.
API_TOKEN ?= dev-token-change-me-please

run: build ## the main job: run the daemon on the embedded SQLite database in DATA_DIR (./data)
	@echo "lettrage: inbox $(DATA_DIR)/inbox, API http://$(LISTEN) (token: $(API_TOKEN)), Ctrl-C to stop"
	LETTRAGE_API_TOKEN='$(API_TOKEN)' ./$(BIN) serve --data-dir $(DATA_DIR) --listen $(LISTEN) --log-format console

samples: build ## parse the bundled sample statements (four public samples do not balance: exit 1 is expected)
	-./$(BIN) parse $(SAMPLES)

vet: ## go vet and gofmt
	$(GO) vet ./...
	@out=$$(gofmt -l cmd internal matchers fixtures bench); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test: vet ## vet, then every test with the race detector (PostgreSQL tests need LETTRAGE_TEST_PG_DSN)
	$(GO) test -race -count=1 ./...

fuzz: ## run each fuzz target for FUZZTIME executions (default 20000x)
	@set -e; for f in $$(grep -rl '^func Fuzz' --include='*_test.go' cmd internal matchers fixtures bench); do \
	  dir=./$$(dirname $$f); \
	  for name in $$(grep -oE '^func Fuzz[A-Za-z0-9_]*' $$f | sed 's/^func //'); do \
	    echo "fuzz $$dir $$name"; $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 500x $$dir; \
	  done; \
	done

bench: ## run the benchmarks once (see bench/ for the large series)
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./bench/...

clean: ## remove build output
	rm -rf bin dist
