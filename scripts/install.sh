#!/usr/bin/env bash
# Installs alpr-edge as a system service:
#   /opt/alpr-edge          the package (compiled JS, models, bundled fixtures), production npm deps
#   /etc/alpr-edge          config.yaml (from an example if absent) and credentials/
#   /var/lib/alpr-edge      data: database, images, state (owned by the service user)
#   /etc/systemd/system     alpr-edge.service
# Usage: sudo scripts/install.sh [--profile patrol-car|pole-camera]
# DESTDIR=/some/root installs into a staging root (packaging, tests): no user creation, no systemctl.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
profile=patrol-car
while (($#)); do
  case "$1" in
    --profile) profile="${2:?--profile needs a value}"; shift 2 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -f "config/$profile.yaml" ]] || { echo "install.sh: no config/$profile.yaml" >&2; exit 2; }

root="${DESTDIR:-}"
opt="$root/opt/alpr-edge"
etc="$root/etc/alpr-edge"
var="$root/var/lib/alpr-edge"
unit_dir="$root/etc/systemd/system"

# INSTALL_SKIP_BUILD=1 (tests of the layout only) installs without compiling.
if [[ "${INSTALL_SKIP_BUILD:-}" == 1 ]]; then
  echo "install: INSTALL_SKIP_BUILD=1: not compiling"
elif [[ ! -d dist ]] || [[ -n "$(find src -newer dist -name '*.ts' -print -quit)" ]]; then
  echo "install: compiling TypeScript"
  npm run --silent build
fi

echo "install: package -> $opt"
mkdir -p "$opt"
for item in bin dist models/models.json models/MODEL_CARD.md config fixtures systemd README.md LICENSE package.json package-lock.json; do
  [[ -e "$item" ]] || continue
  mkdir -p "$opt/$(dirname "$item")"
  cp -a "$item" "$opt/$(dirname "$item")/"
done
cp -a models/*.onnx "$opt/models/" 2>/dev/null || echo "install: warning: no ONNX models in models/" >&2
if [[ -z "$root" ]]; then
  (cd "$opt" && npm ci --omit=dev --no-audit --no-fund)
else
  echo "install: DESTDIR set: skipping npm ci in $opt"
fi

mkdir -p "$etc/credentials" "$var" "$unit_dir"
chmod 0750 "$etc" && chmod 0700 "$etc/credentials"
# Plates, positions, images, password hashes and the audit log: no other local user may list or
# read the data directory; the daemon and `alpr-edge user` make the database files 0600.
chmod 0700 "$var"
if [[ ! -f "$etc/config.yaml" ]]; then
  sed "s#^  data_dir: .*#  data_dir: /var/lib/alpr-edge#" "config/$profile.yaml" > "$etc/config.yaml"
  echo "install: wrote $etc/config.yaml from config/$profile.yaml (edit it, then: alpr-edge check-config $etc/config.yaml)"
fi
[[ -f "$etc/credentials/upload-token" ]] || install -m 0600 /dev/null "$etc/credentials/upload-token"
install -m 0644 systemd/alpr-edge.service "$unit_dir/alpr-edge.service"

if [[ -z "$root" ]]; then
  if ! id alpr-edge >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/alpr-edge --shell /usr/sbin/nologin --user-group alpr-edge
  fi
  for g in dialout video render; do getent group "$g" >/dev/null && usermod -aG "$g" alpr-edge; done
  chown -R alpr-edge:alpr-edge "$var"
  chgrp -R alpr-edge "$etc"
  ln -sf "$opt/bin/alpr-edge" /usr/local/bin/alpr-edge
  if [[ -d /run/systemd/system ]]; then
    systemctl daemon-reload
    echo "install: done. Create the administrator: sudo -u alpr-edge alpr-edge user add admin --role administrator --name 'ALPR Administrator' --config /etc/alpr-edge/config.yaml"
    echo "         then: systemctl enable --now alpr-edge"
  fi
fi
echo "install: complete ($src -> ${root:-/})"
