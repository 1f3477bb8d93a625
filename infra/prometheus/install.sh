#!/usr/bin/env bash
# Installs promtool and the prometheus server (Debian/Ubuntu package `prometheus`) when they are missing.
# tests/observability needs both: `promtool check ...` and a real server that evaluates infra/prometheus/alerts.yml.
#
#   bash infra/prometheus/install.sh        # from the Makefile's install step; a no-op when both are on PATH
set -euo pipefail

if command -v promtool >/dev/null && command -v prometheus >/dev/null; then
  exit 0
fi
command -v apt-get >/dev/null || { echo "prometheus: apt-get not found; install promtool and prometheus by hand" >&2; exit 1; }
SUDO=""
if [[ "$(id -u)" != 0 ]]; then
  SUDO="sudo"
fi
echo "prometheus: installing the Debian package (promtool + server)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# The package starts a system service on port 9090; the tests run their own server, so leave the port free.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
command -v promtool >/dev/null && command -v prometheus >/dev/null
