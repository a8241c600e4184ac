#!/usr/bin/env bash
# System libraries Qt needs on a Debian/Ubuntu machine, plus the tools the tests use
# (poppler-utils to read printed PDFs). Installs only what is missing, and only when it can
# (root or password-less sudo); otherwise it prints the command to run.
set -u
packages=(
  libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-xkb1 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 fonts-dejavu-core
  poppler-utils
)
command -v dpkg-query >/dev/null 2>&1 || exit 0   # not Debian: nothing we know how to do
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo"
else
  echo "Bibliothèques système manquantes ; installez-les avec :" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
