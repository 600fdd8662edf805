#!/usr/bin/env bash
# Installs the programs some tests run as real child processes: rsyslog and syslog-ng, the two syslog daemons whose
# forwarding the syslog listener is tested against. Nothing is installed when they are already there. Needs root
# (CI runs as root) and Debian's package archive.
set -euo pipefail
missing=()
command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ] || missing+=(rsyslog)
command -v syslog-ng >/dev/null 2>&1 || [ -x /usr/sbin/syslog-ng ] || missing+=(syslog-ng-core)
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "test-deps: ${missing[*]} missing and not root; the shipper tests will skip (or fail under CI=true)" >&2
	exit 0
fi
echo "test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends keeps it small; policy-rc.d stops the packages from starting their daemons.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d.vigil-tmp
chmod +x /usr/sbin/policy-rc.d.vigil-tmp
if [ ! -e /usr/sbin/policy-rc.d ]; then
	mv /usr/sbin/policy-rc.d.vigil-tmp /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
else
	rm -f /usr/sbin/policy-rc.d.vigil-tmp
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}"
