#!/usr/bin/env bash
# Launch NOVAMIND Desktop from `make run`, making sure Qt can open a window on this machine.
#  - A desktop session (DISPLAY or WAYLAND_DISPLAY set): use it. Qt's X11 plugin needs a few
#    system libraries that minimal installs lack; as root with apt-get they are installed,
#    otherwise the missing package names are printed.
#  - No display at all (a server, a container): run on a virtual X display (Xvfb), installed
#    the same way, and say so, so `make run` still starts the real application.
#  - QT_QPA_PLATFORM set by the caller (e.g. offscreen): respected as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
XCB_PACKAGES=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libegl1 libfontconfig1 libdbus-1-3)

missing_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  echo "${missing[@]:-}"
}

ensure_packages() {
  command -v dpkg-query >/dev/null || return 0   # not Debian/Ubuntu: nothing we can check
  local missing
  missing=$(missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system libraries Qt needs for a window: $missing"
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "Qt needs these system packages to open a window: $missing" >&2
    echo "Install them with: sudo apt-get install $missing" >&2
    exit 2
  fi
}

if [ -n "${QT_QPA_PLATFORM:-}" ]; then
  exec "$PY" main.py "$@"
elif [ -n "${WAYLAND_DISPLAY:-}" ] || [ -n "${DISPLAY:-}" ]; then
  [ -n "${DISPLAY:-}" ] && ensure_packages "${XCB_PACKAGES[@]}"
  exec "$PY" main.py "$@"
else
  ensure_packages "${XCB_PACKAGES[@]}" xvfb xauth
  echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset): starting NOVAMIND on a"
  echo "virtual X display (Xvfb). On a desktop, run it from a graphical session instead."
  exec xvfb-run -a -s "-screen 0 1366x768x24" "$PY" main.py "$@"
fi
