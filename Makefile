# Vigil — run `make help` for the targets.
GO        ?= go
BIN       ?= bin/vigil
PKGS      ?= ./...
FUZZTIME  ?= 60s

.PHONY: help build run test test-deps test-short bench fuzz check fmt vet staticcheck clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/vigil
	$(GO) build -o $(BIN) ./cmd/vigil

run: build ## start the server on the embedded engines with the demo data (./vigil-data, http://127.0.0.1:8080)
	$(BIN) serve --demo

test: ## run every test (race detector on; fuzz targets run their seed corpus)
	$(GO) test -race -count=1 -timeout 25m $(PKGS)

test-deps: ## install the programs tests run as child processes (rsyslog, syslog-ng; needs root)
	bash scripts/test-deps.sh

test-short: ## run the quick tests only
	$(GO) test -short -count=1 $(PKGS)

bench: build ## run the benchmarks (Go benchmarks, then the end-to-end ingest benchmark)
	$(GO) test -run '^$$' -bench . -benchtime 3x ./internal/...
	$(BIN) bench ingest --events 2000000

fuzz: ## run every fuzz target for FUZZTIME each
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

fmt: ## format the code
	gofmt -w cmd internal

vet: ## go vet
	$(GO) vet $(PKGS)

staticcheck: ## staticcheck (pinned version, fetched through the module proxy)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

check: ## gofmt, go vet, staticcheck, cross-build
	@test -z "$$(gofmt -l cmd internal)" || (echo "gofmt needed:"; gofmt -l cmd internal; exit 1)
	$(GO) vet $(PKGS)
	$(MAKE) staticcheck

clean: ## remove build output
	rm -rf bin
