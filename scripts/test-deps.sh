#!/usr/bin/env bash
# Installs the programs some tests run as real child processes: rsyslog and syslog-ng, the two syslog daemons whose
# forwarding the syslog listener is tested against (internal/ingest/source/syslog/shippers_test.go).
#
# Debian lets only one system logger be installed, so rsyslog is installed as a package and syslog-ng-core is
# unpacked (with its libraries installed as packages) into $VIGIL_TEST_DEPS (default /opt/vigil-test-deps), where
# the test finds it. Nothing is done for what is already there. Needs root (CI runs as root) and Debian's archive.
set -euo pipefail
deps="${VIGIL_TEST_DEPS:-/opt/vigil-test-deps}"
need_rsyslog=0
need_sng=0
command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ] || need_rsyslog=1
command -v syslog-ng >/dev/null 2>&1 || [ -x /usr/sbin/syslog-ng ] || [ -x "$deps/syslog-ng/usr/sbin/syslog-ng" ] || need_sng=1
if [ $need_rsyslog = 0 ] && [ $need_sng = 0 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "test-deps: rsyslog or syslog-ng missing and not root; the shipper tests will skip (or fail under CI=true)" >&2
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Keep package scripts from starting daemons (there may be no init system).
cleanup=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	cleanup=/usr/sbin/policy-rc.d
fi
trap 'if [ -n "$cleanup" ]; then rm -f "$cleanup"; fi' EXIT
if [ $need_rsyslog = 1 ]; then
	echo "test-deps: installing rsyslog"
	apt-get install -y -qq --no-install-recommends rsyslog >/dev/null
fi
if [ $need_sng = 1 ]; then
	echo "test-deps: unpacking syslog-ng-core into $deps/syslog-ng"
	libs=$(apt-cache depends syslog-ng-core | awk '/^  Depends: lib/ {print $2}' | tr -d '<>' | sort -u)
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $libs >/dev/null
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download syslog-ng-core >/dev/null 2>&1)
	rm -rf "$deps/syslog-ng"
	mkdir -p "$deps/syslog-ng"
	dpkg-deb -x "$tmp"/syslog-ng-core_*.deb "$deps/syslog-ng"
	rm -rf "$tmp"
	LD_LIBRARY_PATH="$deps/syslog-ng/usr/lib/syslog-ng" "$deps/syslog-ng/usr/sbin/syslog-ng" --version | head -1
fi
