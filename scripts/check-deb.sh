#!/usr/bin/env bash
# Installs a cchc-dispatch .deb on this machine, checks what it installed, and purges it again.
# CI runs it (scripts/test.sh) on the package scripts/package-deb.sh built.
# Usage: scripts/check-deb.sh PATH.deb
set -euo pipefail
deb="${1:?usage: scripts/check-deb.sh PATH.deb}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
fail() { echo "check-deb: $*" >&2; exit 1; }

# Folders the package creates but never deletes (records); remove them afterwards only if new.
fresh_state=0; [ -e /var/lib/cchcd ] || fresh_state=1
fresh_log=0; [ -e /var/log/cchcd ] || fresh_log=1

$SUDO dpkg -i "$deb"
trap '$SUDO dpkg --purge cchc-dispatch >/dev/null 2>&1 || true' EXIT

for f in /usr/bin/cchcd /usr/bin/cchc; do [ -x "$f" ] || fail "$f is not installed"; done
grep -qx /etc/cchcd/cchcd.yaml /var/lib/dpkg/info/cchc-dispatch.conffiles || fail "cchcd.yaml is not a conffile"
getent passwd cchcd >/dev/null || fail "the cchcd user was not created"
[ "$(stat -c %U:%G:%a /var/lib/cchcd)" = "cchcd:cchcd:2770" ] || fail "/var/lib/cchcd: $(stat -c %U:%G:%a /var/lib/cchcd)"
[ "$(stat -c %U:%G:%a /var/log/cchcd)" = "cchcd:cchcd:750" ] || fail "/var/log/cchcd: $(stat -c %U:%G:%a /var/log/cchcd)"

# The installed binaries need nothing from the build machine's Swift toolchain.
if ldd /usr/bin/cchcd | grep -q "not found\|libswift\|libFoundation"; then
    ldd /usr/bin/cchcd >&2
    fail "cchcd links libraries the package does not bring"
fi
# As the service user, with the configuration as installed.
$SUDO runuser -u cchcd -- /usr/bin/cchcd --check-config
/usr/bin/cchc --help | grep -q "cchc" || fail "cchc --help printed no usage"
/usr/bin/cchcd --version
# The installed unit, against the installed binary.
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify /lib/systemd/system/cchcd.service
fi

$SUDO dpkg --purge cchc-dispatch
trap - EXIT
dpkg -s cchc-dispatch >/dev/null 2>&1 && fail "still installed after purge"
for f in /usr/bin/cchcd /usr/bin/cchc /lib/systemd/system/cchcd.service /etc/cchcd; do
    [ ! -e "$f" ] || fail "$f is left after purge"
done
if [ "$fresh_state" = 1 ]; then $SUDO rm -rf /var/lib/cchcd; fi
if [ "$fresh_log" = 1 ]; then $SUDO rm -rf /var/log/cchcd; fi
echo "check-deb: $(basename "$deb") installs, runs --check-config and --help, and purges cleanly"
