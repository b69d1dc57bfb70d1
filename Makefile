# berth: build, demo, test and benchmark.
#
#   make demo    install missing system packages, build, load the local
#                busybox image and run a first container
#   make test    unit tests + end-to-end tests (needs root)
#   make bench   timings, side by side with podman when it is installed
#
# Everything runs on a fresh Debian 12 machine with Go in /usr/local/go;
# hack/deps.sh installs only the Debian packages that are missing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# Go 1.26 is not in Debian 12's archive: it lives in /usr/local/go, which is
# not always on PATH (e.g. under sudo), so fall back to it explicitly.
GO ?= $(or $(shell command -v go 2>/dev/null),$(wildcard /usr/local/go/bin/go),go)

# Build tags: pure-Go OpenPGP (no gpgme), no btrfs/zfs graph drivers
# (see /work/shared/notes/storage-image.md, section 1).
TAGS := containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_zfs
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0-dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GOBUILDFLAGS := -tags "$(TAGS)" -trimpath -ldflags "$(LDFLAGS)"

BIN := bin/berth
IMAGE_ARCHIVE := build/busybox.oci.tar
# Extra flags for the demo, e.g. BERTH_FLAGS="--root /tmp/r --runroot /tmp/rr".
BERTH_FLAGS ?=

UNIT_TIMEOUT ?= 10m
E2E_TIMEOUT ?= 20m
TESTFLAGS ?=
BENCHFLAGS ?=

export CGO_ENABLED := 0

.PHONY: all build demo deps deps-test image test test-unit test-e2e bench lint clean

all: build

# Phony on purpose: go's build cache makes a no-op rebuild take well under a
# second and knows the real dependencies better than make would.
build:
	$(GO) build $(GOBUILDFLAGS) -o $(BIN) ./cmd/berth

deps:
	bash hack/deps.sh run

deps-test:
	bash hack/deps.sh test

image: $(IMAGE_ARCHIVE)

$(IMAGE_ARCHIVE): hack/testimage.sh
	@mkdir -p $(dir $@)
	bash hack/testimage.sh $@.tmp
	mv -f $@.tmp $@

demo: deps build image
	$(BIN) $(BERTH_FLAGS) load -i $(IMAGE_ARCHIVE)
	$(BIN) $(BERTH_FLAGS) run --rm localhost/busybox echo hello
	$(BIN) $(BERTH_FLAGS) ps -a

# Unit tests and e2e tests both run even if the first group fails, so one CI
# run shows every failure; the target fails if either did.
test: deps-test build image
	rc=0; \
	$(MAKE) --no-print-directory test-unit || rc=1; \
	$(MAKE) --no-print-directory test-e2e || rc=1; \
	exit $$rc

test-unit:
	$(GO) test -tags "$(TAGS)" -timeout $(UNIT_TIMEOUT) $(TESTFLAGS) \
		$$($(GO) list -tags "$(TAGS)" ./... | grep -v '/test/e2e$$')

# -count=1: the e2e package runs bin/berth, which go test's result cache
# cannot see, so a cached "ok" could hide a regression.
test-e2e: build image
	BERTH_BINARY=$(CURDIR)/$(BIN) BERTH_TEST_ARCHIVE=$(CURDIR)/$(IMAGE_ARCHIVE) \
		$(GO) test -tags "$(TAGS)" -count=1 -timeout $(E2E_TIMEOUT) $(TESTFLAGS) ./test/e2e/

bench: deps-test build image
	$(GO) run ./hack/bench -berth $(CURDIR)/$(BIN) -archive $(CURDIR)/$(IMAGE_ARCHIVE) \
		-podman-conf $(CURDIR)/hack/podman-bench.conf $(BENCHFLAGS)

lint:
	@out=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags "$(TAGS)" ./...

clean:
	rm -rf bin build
