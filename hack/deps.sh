#!/usr/bin/env bash
# Installs the Debian 12 packages berth needs, and only those that are
# missing: on a machine that has them all this does nothing and asks no
# package server anything (no apt-get update).
#
#   hack/deps.sh run    what `berth run` needs (OCI runtimes, conmon, init,
#                       networking, and busybox-static for the test image)
#   hack/deps.sh test   the above plus what the tests and the benchmark use
#                       (docker-registry, the distribution registry;
#                       docker-compose v1, for the Docker API tests)
#
# Go itself is not installed here: Debian 12 has no Go 1.26, so it is expected
# in /usr/local/go (or anywhere on PATH).
set -euo pipefail

usage() {
	echo "usage: $0 run|test" >&2
	exit 2
}

run_pkgs=(runc crun conmon catatonit busybox-static netavark aardvark-dns iptables)
test_pkgs=(docker-registry docker-compose)

case "${1:-run}" in
run) pkgs=("${run_pkgs[@]}") ;;
test) pkgs=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
*) usage ;;
esac

if ! command -v go >/dev/null 2>&1 && [[ ! -x /usr/local/go/bin/go ]]; then
	echo "$0: Go is missing: install Go 1.26 or newer into /usr/local/go" >&2
	exit 1
fi

missing=()
for p in "${pkgs[@]}"; do
	# db:Status-Status is "installed" only for a fully configured package;
	# "config-files" (removed, not purged) must count as missing.
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	if [[ "$status" != installed ]]; then
		missing+=("$p")
	fi
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

echo "$0: installing missing packages: ${missing[*]}" >&2
sudo=()
if ((EUID != 0)); then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "$0: not root and no sudo: install as root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# No recommends (criu, nftables): berth does not use them, and a smaller
# install keeps CI's set-up short.
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
