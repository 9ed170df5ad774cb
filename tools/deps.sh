#!/bin/sh
# Installs the Debian packages named on the command line that are missing (as root),
# or prints the apt-get line that would and fails (any other user). Used by `make deps*`.
#
# One install at a time: two apt-get runs at once fail on dpkg's lock, so ours take
# a lock of their own first (two deps targets under make -j2, or two makes), and apt
# itself waits for any other apt on the machine (DPkg::Lock::Timeout).
set -u

missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			printf ' %s' "$p"
	done
}

want=$(missing "$@")
[ -z "$want" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing Debian packages:$want"
	echo "run: sudo apt-get update && sudo apt-get install -y$want"
	exit 1
fi

lock=/run/lock/sipkit-deps.lock
[ -w "${lock%/*}" ] || lock=${TMPDIR:-/tmp}/sipkit-deps.lock
exec 9>"$lock"
flock 9
# whoever held the lock may have installed some of them meanwhile
want=$(missing "$@")
[ -z "$want" ] && exit 0
echo "installing:$want"
apt="apt-get -o DPkg::Lock::Timeout=600"
$apt update -qq || exit 1
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive $apt install -y -qq $want >/dev/null || exit 1
