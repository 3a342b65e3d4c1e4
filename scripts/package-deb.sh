#!/usr/bin/env bash
# Builds a release of cchcd and cchc and packages them as a Debian package (dpkg-deb):
#   /usr/bin/cchcd, /usr/bin/cchc, /etc/cchcd/cchcd.yaml (conffile), /etc/cchcd/channels.d/,
#   the systemd unit, sysusers.d and tmpfiles.d files, and the docs.
# Usage: scripts/package-deb.sh [--out DIR] [--skip-build]
# Prints the path of the .deb on its last line.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
out=".build-deb"
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --skip-build) build=0; shift ;;
        *) echo "usage: scripts/package-deb.sh [--out DIR] [--skip-build]" >&2; exit 64 ;;
    esac
done
for tool in dpkg-deb dpkg dpkg-shlibdeps strip; do
    command -v "$tool" >/dev/null || { echo "package-deb: $tool is missing (apt-get install dpkg-dev binutils)" >&2; exit 1; }
done

version=$(sed -n 's/^ *static let string = "\(.*\)"$/\1/p' Sources/cchcd/CCHCD.swift)
[ -n "$version" ] || { echo "package-deb: cannot read the version from Sources/cchcd/CCHCD.swift" >&2; exit 1; }
arch=$(dpkg --print-architecture)

# The Swift runtime and Foundation are linked in statically: the target machine needs no toolchain.
# A scratch folder of its own, so a plain `swift build -c release` (the benchmarks) never leaves
# dynamically linked binaries where the package takes them from.
scratch=(--scratch-path .build-static -c release --static-swift-stdlib)
if [ "$build" = 1 ]; then
    swift build "${scratch[@]}" --product cchcd >&2
    swift build "${scratch[@]}" --product cchc >&2
fi
bin=$(swift build "${scratch[@]}" --show-bin-path)

root="$out/root"
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/etc/cchcd/channels.d" "$root/lib/systemd/system" \
    "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d" "$root/usr/share/doc/cchc-dispatch/examples"
for b in cchcd cchc; do
    install -m 0755 "$bin/$b" "$root/usr/bin/$b"
    strip --strip-unneeded "$root/usr/bin/$b"
done
install -m 0644 config/package/cchcd.yaml "$root/etc/cchcd/cchcd.yaml"
install -m 0644 systemd/cchcd.service "$root/lib/systemd/system/cchcd.service"
install -m 0644 systemd/cchcd.sysusers.conf "$root/usr/lib/sysusers.d/cchcd.conf"
install -m 0644 systemd/cchcd.tmpfiles.conf "$root/usr/lib/tmpfiles.d/cchcd.conf"
doc="$root/usr/share/doc/cchc-dispatch"
install -m 0644 README.md docs/*.md docs/*.json "$doc/"
install -m 0644 config/cchcd.yaml "$doc/examples/cchcd.yaml"
cp -r config/demo "$doc/examples/demo"
find "$doc" -type d -exec chmod 0755 {} + && find "$doc" -type f -exec chmod 0644 {} +
cat > "$doc/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: cchc-dispatch
Files: *
Copyright: cchc-dispatch developers
License: see the project repository
COPYRIGHT

# Depends: dpkg-shlibdeps reads the libraries the binaries load and the minimal versions from the
# libraries' symbols files, as debhelper does. It wants a debian/control, so give it one aside.
shl=$(mktemp -d)
mkdir "$shl/debian"
printf 'Source: cchc-dispatch\n\nPackage: cchc-dispatch\nArchitecture: any\n' > "$shl/debian/control"
absroot=$(cd "$root" && pwd)
depends=$(cd "$shl" && dpkg-shlibdeps -O --warnings=0 "$absroot/usr/bin/cchcd" "$absroot/usr/bin/cchc" |
    sed -n 's/^shlibs:Depends=//p')
rm -rf "$shl"
[ -n "$depends" ] || { echo "package-deb: could not work out the dependencies" >&2; exit 1; }
size=$(du -sk "$root" --exclude=DEBIAN | cut -f1)

cat > "$root/DEBIAN/control" <<CONTROL
Package: cchc-dispatch
Version: $version
Architecture: $arch
Maintainer: cchc-dispatch developers <cchc-dispatch@localhost>
Installed-Size: $size
Depends: $depends, adduser | systemd
Section: net
Priority: optional
Homepage: https://github.com/cchc-dispatch/cchc-dispatch
Description: publishes administrative-reform (CCHC) news to portals and channels on schedule
 cchcd is a daemon run by systemd that reads a queue of approved CCHC content items and
 dispatches each to web portals, Facebook pages, Zalo Official Accounts, email lists,
 commune radio stations, webhooks and programs on schedule, logging every delivery.
 cchc is the command line for communication officers: queue, approve, inspect, retry, report.
CONTROL
echo "/etc/cchcd/cchcd.yaml" > "$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "scripts/debian/$s" "$root/DEBIAN/$s"; done

deb="$out/cchc-dispatch_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
