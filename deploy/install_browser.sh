#!/usr/bin/env bash
# Install Debian's Chromium and its ChromeDriver, for the web console's browser tests.
# Idempotent: does nothing when both are already on PATH.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "install_browser: $(chromium --version 2>/dev/null) and its driver already installed"
    exit 0
fi

source "$(dirname "$0")/as_root.sh"
as_root install_browser "chromium and chromium-driver"

$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
echo "install_browser: installed $(chromium --version 2>/dev/null)"
