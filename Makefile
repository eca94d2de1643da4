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

.PHONY: help build run samples test vet fuzz bench clean release test-alerts deploy-rules

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-13s %s\n", $$1, $$2}'

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
	@out=$$(gofmt -l cmd internal matchers fixtures bench deploy); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test: vet test-alerts ## vet, the alert rule tests, then every test with the race detector (PostgreSQL tests need LETTRAGE_TEST_PG_DSN)
	$(GO) test -race -count=1 ./...

# promtool from the Go module proxy, built once per machine into the user's
# cache directory, outside the checkout, so that fresh clones (CI) reuse it:
# the first build compiles Prometheus, minutes on 2 cores.
PROMTOOL_VERSION ?= v0.316.0
PROMTOOL_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/lettrage
PROMTOOL := $(PROMTOOL_DIR)/promtool-$(PROMTOOL_VERSION)

$(PROMTOOL):
	@mkdir -p $(PROMTOOL_DIR)/.install
	GOBIN=$(PROMTOOL_DIR)/.install $(GO) install github.com/prometheus/prometheus/cmd/promtool@$(PROMTOOL_VERSION)
	mv $(PROMTOOL_DIR)/.install/promtool $@

test-alerts: $(PROMTOOL) ## check the Prometheus rules and run their unit tests (deploy/prometheus/alerts_test.yaml)
	$(PROMTOOL) check rules deploy/prometheus/alerts.yaml
	cd deploy/prometheus && $(PROMTOOL) test rules alerts_test.yaml

deploy-rules: ## regenerate deploy/kubernetes/prometheusrule.yaml from deploy/prometheus/alerts.yaml
	{ sed '/^spec:$$/q' deploy/kubernetes/prometheusrule.yaml; sed -e 's/^\(.\)/  \1/' deploy/prometheus/alerts.yaml; } > deploy/kubernetes/prometheusrule.yaml.new
	mv deploy/kubernetes/prometheusrule.yaml.new deploy/kubernetes/prometheusrule.yaml

# Release binaries: static (no cgo), version, commit and date stamped, for
# each RELEASE_PLATFORMS entry, with their SHA-256 sums, in dist/.
RELEASE_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64

release: ## build versioned static binaries for RELEASE_PLATFORMS into dist/ (VERSION=v1.2.3 to name one)
	@rm -rf dist && mkdir -p dist
	@set -e; for p in $(RELEASE_PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; out=dist/lettrage-$(VERSION)-$$os-$$arch; \
	  echo "build $$out"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$out ./cmd/lettrage; \
	done
	cd dist && sha256sum lettrage-* > SHA256SUMS
	@cat dist/SHA256SUMS

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
