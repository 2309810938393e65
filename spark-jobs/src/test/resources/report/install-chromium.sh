#!/bin/sh
# Installs Debian's headless-capable Chromium for ReportJobTest (needs root and apt).
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-chromium.sh: must run as root (apt-get install chromium)" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version
