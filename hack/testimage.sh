#!/usr/bin/env bash
# testimage.sh OUT.tar [NAME]
#
# Builds a small, runnable test image from the host's static busybox
# (/usr/bin/busybox, Debian package busybox-static) and writes it as an
# oci-archive: a tar of an OCI image layout (oci-layout, index.json,
# blobs/sha256/...). No network, no skopeo/docker; only bash, coreutils, tar,
# gzip and busybox.
#
# NAME (default localhost/busybox:latest) goes into the index.json annotation
# org.opencontainers.image.ref.name. The image-spec allows a full reference
# there, and berth's loader names the image after it.
#
# The output is reproducible: fixed mtimes, sorted entries, numeric owners,
# gzip -n and hand-written JSON, so the same host (same busybox, tar and gzip)
# always gives the same digests and therefore the same image ID.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
	echo "usage: $0 OUT.tar [NAME]" >&2
	exit 2
fi
out=$1
name=${2:-localhost/busybox:latest}
busybox=${BUSYBOX:-/usr/bin/busybox}
epoch=${SOURCE_DATE_EPOCH:-1704067200} # 2024-01-01T00:00:00Z
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

if [[ ! -x $busybox ]]; then
	echo "$0: $busybox not found (install busybox-static)" >&2
	exit 1
fi

case $(uname -m) in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*)
	echo "$0: unsupported architecture $(uname -m)" >&2
	exit 1
	;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/testimage.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
layout=$work/layout
# The directories and files an engine mounts over (/dev, /proc, /sys, /run,
# /etc/hosts, ...) are in the image, as in docker.io's busybox and alpine:
# without them the runtime creates them in every container's writable layer.
mkdir -p "$root"/{bin,dev,etc,home/berth,proc,root,run,sys,tmp,var} "$layout/blobs/sha256"
: >"$root/etc/hosts"
: >"$root/etc/hostname"
: >"$root/etc/resolv.conf"

cp "$busybox" "$root/bin/busybox"
# One process instead of one `ln` per applet (~270 of them): --install -s
# makes absolute links to the binary's current path, which tar rewrites to
# /bin/busybox below.
"$root/bin/busybox" --install -s "$root/bin"

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
berth:x:1000:1000:berth:/home/berth:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
berth:x:1000:
nogroup:x:65534:
EOF

# Explicit modes, so the host umask cannot change the digest.
chmod 0755 "$root" "$root"/{bin,dev,etc,home,home/berth,proc,run,sys,var} "$root/bin/busybox"
chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/hosts" "$root/etc/hostname" "$root/etc/resolv.conf"
chmod 0700 "$root/root"
chmod 1777 "$root/tmp"

# The layer, in sorted order. Everything is 0:0 except /home/berth, which
# belongs to the berth user; GNU tar applies --owner to a whole invocation,
# so the entries before, at and after home/berth are written by three calls.
common=(--format=gnu --numeric-owner --mtime="@$epoch" --no-recursion
	--transform='s,^/.*/busybox$,/bin/busybox,' -C "$root")
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | sed 's,^\./,,') >"$work/list"
sed -n '1,/^home$/p' "$work/list" >"$work/list.before"
sed '1,/^home\/berth$/d' "$work/list" >"$work/list.after"
tar -cf "$work/layer.tar" "${common[@]}" --owner=0 --group=0 -T "$work/list.before"
tar -rf "$work/layer.tar" "${common[@]}" --owner=1000 --group=1000 home/berth
tar -rf "$work/layer.tar" "${common[@]}" --owner=0 --group=0 -T "$work/list.after"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
# blob FILE: moves FILE into the layout's blob store, prints its digest.
blob() {
	local d
	d=$(sha "$1")
	mv "$1" "$layout/blobs/sha256/$d"
	echo "$d"
}

diffid=$(sha "$work/layer.tar")
gzip -n -6 <"$work/layer.tar" >"$work/layer.tar.gz"
layer_size=$(size "$work/layer.tar.gz")
layer=$(blob "$work/layer.tar.gz")

printf '%s' '{"created":"'"$created"'","architecture":"'"$arch"'","os":"linux",'\
'"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","BERTH_TEST=1"],'\
'"Cmd":["/bin/sh"],"Labels":{"io.berth.test":"true","org.opencontainers.image.title":"busybox"}},'\
'"rootfs":{"type":"layers","diff_ids":["sha256:'"$diffid"'"]},'\
'"history":[{"created":"'"$created"'","created_by":"hack/testimage.sh: static busybox"}]}' >"$work/config.json"
config_size=$(size "$work/config.json")
config=$(blob "$work/config.json")

printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'\
'"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$config"'","size":'"$config_size"'},'\
'"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:'"$layer"'","size":'"$layer_size"'}]}' >"$work/manifest.json"
manifest_size=$(size "$work/manifest.json")
manifest=$(blob "$work/manifest.json")

printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",'\
'"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'"$manifest"'","size":'"$manifest_size"','\
'"annotations":{"org.opencontainers.image.ref.name":"'"$name"'"}}]}' >"$layout/index.json"
printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"

chmod 0644 "$layout/index.json" "$layout/oci-layout" "$layout"/blobs/sha256/*
chmod 0755 "$layout" "$layout/blobs" "$layout/blobs/sha256"
(cd "$layout" && find . -mindepth 1 | LC_ALL=C sort | sed 's,^\./,,') >"$work/list"
tar -cf "$work/out.tar" --format=gnu --numeric-owner --owner=0 --group=0 \
	--mtime="@$epoch" --no-recursion -C "$layout" -T "$work/list"
mv "$work/out.tar" "$out"
