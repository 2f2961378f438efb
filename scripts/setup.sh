#!/usr/bin/env bash
# Installs what the daemon and its tests need on a fresh Debian 12 machine with Node 20:
# Debian packages (ffmpeg for decoding; socat, gpsd, GStreamer's RTSP server and Chromium as
# real test peers; systemd for `systemd-analyze verify`) and the npm dependencies.
#   scripts/setup.sh           runtime + test peers
#   scripts/setup.sh --runtime runtime only (ffmpeg + npm packages)
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_pkgs=(ffmpeg)
test_pkgs=(socat gpsd gpsd-clients systemd iproute2 chromium
  gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp python3-gi gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-tools openssl postgresql nats-server)

pkgs=("${runtime_pkgs[@]}")
[[ "${1:-}" == "--runtime" ]] || pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages (better-sqlite3 compiles from source: about 2 minutes)"
  npm ci --no-audit --no-fund
fi
