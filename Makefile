# dealflow — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
export GOFLAGS ?= -buildvcs=false
TOOLS := tools/node_modules/.stamp

.PHONY: run test test-race tools conformance-check vet fmt-check tidy-check build bench clean
# run starts the whole product with the sample org. A development signing secret is used when
# DEALFLOW_LEADS_SECRET is not set; set your own for anything but a local try-out.
run: bin/dealflow
	DEALFLOW_LEADS_SECRET=$${DEALFLOW_LEADS_SECRET:-dev-only-secret} ./bin/dealflow serve --config examples/org.yaml --db ./data/dealflow.db --addr 127.0.0.1:8080

bin/dealflow: $(shell find . -name '*.go' -not -path './infra/*' -not -path './tools/*') go.mod go.sum
	$(GO) build -o bin/dealflow ./cmd/dealflow

# tools installs the Node packages the tests use (dynalite, asl-validator) into tools/node_modules,
# and Debian's Node.js first when npm is missing.
tools: $(TOOLS)
$(TOOLS): tools/package.json tools/package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Browser tests drive Debian's Chromium (never a downloaded browser build).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The oracle tests (ASL, EventBridge, Scheduler, HubSpot) read the team's conformance corpus from
# ../shared/conformance beside this repository (internal/testenv). With CI=true a missing tool or
# oracle fails its test; elsewhere the test skips and says what is missing.
CONFORMANCE_DIR ?= $(abspath $(CURDIR)/../shared/conformance)
TEST_ENV = DEALFLOW_TOOLS=$(CURDIR)/tools/node_modules/.bin DEALFLOW_CONFORMANCE_DIR=$(CONFORMANCE_DIR)

conformance-check:
	@if [ ! -d "$(CONFORMANCE_DIR)" ]; then \
		msg="conformance oracles not found at $(CONFORMANCE_DIR): clone the shared repository beside this one or pass CONFORMANCE_DIR=DIR"; \
		if [ "$$CI" = true ]; then echo "$$msg"; exit 1; fi; echo "warning: $$msg (their tests will skip)"; \
	fi

# make test guards cold starts against regressions (a function that suddenly links the chart
# library or parses a CA bundle) at LAMBDA_INIT_GUARD_MS; `make lambda-init` alone reports against
# the 50 ms target (infra/README.md "Cold starts" has the figures and what is over it, and why).
LAMBDA_INIT_GUARD_MS ?= 100

test: tools $(CHROMIUM) conformance-check fmt-check tidy-check vet
	$(TEST_ENV) $(GO) test -count=1 -timeout 20m ./...
	$(MAKE) test-race
	$(MAKE) test-infra
	$(MAKE) test-aws
	$(MAKE) build-lambdas
	$(MAKE) lambda-init LAMBDA_INIT_MAX_MS=$(LAMBDA_INIT_GUARD_MS)
	$(MAKE) fuzz-short

# test-race: the race detector on the packages whose goroutines share state (store/sqlite with
# groupcommit and stmtcache, the ASL engine, the bus, the local server). Skipped here, because they
# are long and sequential under the detector (the plain run covers them): 2 million inserts
# (stmtcache), 20,000 executions one after another (sfn retention), the Node validator. The local
# server runs its tests with concurrent clients, workflows and faults; its multi-week simulations
# and kill -9 runs (13+ minutes under the detector) are left to the plain run.
RACE_PKGS := ./shared/store/sqlite/... ./local/sfn ./local/eventbus
RACE_SKIP := ^(TestDetachedConnectionIsNotInterrupted|TestDurableEngineKeepsOnlyRecentExecutionsInMemory|TestAgreesWithASLValidator)$$
RACE_SERVER_RUN := ^(TestLeadsPostedOverHTTPAreRoutedOnceAndOwnersNotified|TestLeadWorkflowIsNamedAfterItsEventAndReplayStartsNothingNew|TestThousandLeadsOverHTTP|TestFaultStoreReadOnly|TestHandoff.*|TestMetricsCountExecutionsDeliveriesAndWebhookAnswers|TestReadyzFollowsWhetherTheStoreTakesWrites|TestReusedSignatureCreatesNothingNew)$$
test-race: tools conformance-check
	$(TEST_ENV) $(GO) test -race -count=1 -timeout 20m -skip '$(RACE_SKIP)' $(RACE_PKGS)
	$(TEST_ENV) $(GO) test -race -count=1 -timeout 20m -run '$(RACE_SERVER_RUN)' ./local/server

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
