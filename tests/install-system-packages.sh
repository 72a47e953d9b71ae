#!/bin/sh
# Install the Debian packages of tests/system-packages.txt that are missing, with apt-get (through
# sudo only when not root): all of them, or with `runtime` only those needed to render. Without
# apt-get, say what to install and go on: whatever needs a missing package then fails with one
# line that names it.
set -eu
list="$(dirname "$0")/system-packages.txt"
only="${1:-}"
section=""
missing=""
while read -r pkg probe rest; do
    case "$pkg" in
        ''|'#'*) continue ;;
        '['*) section="$pkg"; continue ;;
    esac
    [ -n "$only" ] && [ "$section" != "[$only]" ] && continue
    # shellcheck disable=SC2086  # the probe's `*` must expand
    set -- $probe
    [ -e "$1" ] || missing="$missing $pkg"
done < "$list"
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install these packages (Debian names):$missing" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
