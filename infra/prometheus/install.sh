#!/usr/bin/env bash
# Installs promtool, the prometheus server (Debian/Ubuntu package `prometheus`) and Alertmanager (package
# `prometheus-alertmanager`, with amtool) when they are missing. tests/observability needs them all: `promtool` and
# `amtool check-config`, a real server that evaluates infra/prometheus/alerts.yml, and a real Alertmanager that
# hands the firing alerts to the notifier.
#
#   bash infra/prometheus/install.sh        # from the Makefile's install step; a no-op when both are on PATH
set -euo pipefail

have_all() {
  command -v promtool >/dev/null && command -v prometheus >/dev/null && command -v amtool >/dev/null \
    && { command -v prometheus-alertmanager >/dev/null || command -v alertmanager >/dev/null; }
}
if have_all; then
  exit 0
fi
command -v apt-get >/dev/null || { echo "prometheus: apt-get not found; install promtool and prometheus by hand" >&2; exit 1; }
SUDO=""
if [[ "$(id -u)" != 0 ]]; then
  SUDO="sudo"
fi
echo "prometheus: installing the Debian packages (promtool + server, alertmanager + amtool)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null
# The package starts a system service on port 9090; the tests run their own server, so leave the port free.
for unit in prometheus prometheus-alertmanager; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$unit" 2>/dev/null; then
    $SUDO systemctl disable --now "$unit" >/dev/null 2>&1 || true
  fi
done
have_all
