# dealflow — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
export GOFLAGS ?= -buildvcs=false
TOOLS := tools/node_modules/.stamp

.PHONY: run test tools vet fmt-check tidy-check build bench clean
# run starts the whole product with the sample org. A development signing secret is used when
# DEALFLOW_LEADS_SECRET is not set; set your own for anything but a local try-out.
run: bin/dealflow
	DEALFLOW_LEADS_SECRET=$${DEALFLOW_LEADS_SECRET:-dev-only-secret} ./bin/dealflow serve --config examples/org.yaml --db ./data/dealflow.db --addr 127.0.0.1:8080

bin/dealflow: $(shell find . -name '*.go' -not -path './infra/*' -not -path './tools/*') go.mod go.sum
	$(GO) build -o bin/dealflow ./cmd/dealflow

# tools installs the Node packages the tests use (dynalite, asl-validator) into tools/node_modules.
tools: $(TOOLS)
$(TOOLS): tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Browser tests drive Debian's Chromium (never a downloaded browser build).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

test: tools $(CHROMIUM) fmt-check tidy-check vet
	DEALFLOW_TOOLS=$(CURDIR)/tools/node_modules/.bin $(GO) test -count=1 -timeout 20m ./...
	$(MAKE) test-infra
	$(MAKE) test-aws
	$(MAKE) build-lambdas lambda-init
	$(MAKE) fuzz-short

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^infra/')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# tidy-check fails when go.mod/go.sum of either module (root, infra/) differ from what `go mod tidy`
# writes: a direct requirement marked // indirect, a module no longer used, a missing sum.
tidy-check:
	@status=0; for m in . infra; do \
		if ! d=$$(cd $$m && $(GO) mod tidy -diff 2>&1); then \
			echo "go.mod/go.sum in $$m/ are not tidy; run: (cd $$m && go mod tidy)"; echo "$$d"; status=1; \
		fi; \
	done; exit $$status

clean:
	rm -rf bin tools/node_modules

# The AWS stack (CDK Go, separate module in infra/): build-lambdas, lambda-init, synth,
# test-infra, deploy. See infra/README.md.
include infra/Makefile.inc

# The AWS twin: make test-aws (called by make test) and make load-aws RATE=N. See infra/README.md.
include twin/Makefile.inc

# Benchmarks (make bench), the long fault tests (make soak) and bounded fuzzing (make fuzz-short).
include bench/Makefile.inc
