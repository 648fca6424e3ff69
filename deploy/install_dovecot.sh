#!/usr/bin/env bash
# Install Dovecot's IMAP server from Debian's packages, for tests and local
# development.  Idempotent: does nothing when `dovecot` is already on PATH.
#
# The packaged system-wide service is NOT used: tests run their own private
# instance (tests/support/dovecot.py) with a configuration of their own.  The
# package's postinst may try to start the system service (there is no systemd
# here, so it usually can't); any daemon it did start is stopped again, and
# policy-rc.d forbids service starts during the install.
set -euo pipefail

if command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; then
    echo "install_dovecot: dovecot already installed: $(/usr/sbin/dovecot --version 2>/dev/null || dovecot --version)"
    exit 0
fi

source "$(dirname "$0")/as_root.sh"
as_root install_dovecot "dovecot-imapd"

# Forbid invoke-rc.d from starting services while the package installs.
POLICY=/usr/sbin/policy-rc.d
CREATED_POLICY=0
if [ ! -e "$POLICY" ]; then
    $SUDO sh -c "printf '#!/bin/sh\nexit 101\n' > $POLICY && chmod 755 $POLICY"
    CREATED_POLICY=1
fi
cleanup() {
    if [ "$CREATED_POLICY" = "1" ]; then
        $SUDO rm -f "$POLICY"
    fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    dovecot-imapd openssl >/dev/null

# If a system-wide dovecot got started anyway, stop it (no systemd here).
if [ -f /run/dovecot/master.pid ]; then
    $SUDO /usr/sbin/dovecot stop >/dev/null 2>&1 || true
fi
$SUDO service dovecot stop >/dev/null 2>&1 || true

echo "install_dovecot: installed dovecot $(/usr/sbin/dovecot --version)"
