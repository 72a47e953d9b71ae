#!/bin/sh
# Install the Debian packages in tests/system-packages.txt that are missing, with apt-get
# (through sudo only when not root). Without apt-get, say what to install and go on: the tests
# that need a missing package then fail with one line that names it.
set -eu
list="$(dirname "$0")/system-packages.txt"
missing=""
while read -r pkg probe rest; do
    case "$pkg" in ''|'#'*) continue ;; esac
    [ -e "$probe" ] || missing="$missing $pkg"
done < "$list"
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install these packages (Debian names):$missing" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
