#!/usr/bin/env bash
# Installs code-server (a real VS Code 1.100 host, from npm) into .tools/code-server/ for the host and e2e tests.
#
# Idempotent: a marker file records a finished install of this version; a second run only checks it (~0.5 s).
# Works offline except for the npm registry and Debian's apt: everything that code-server's own install
# scripts would download (ripgrep from GitHub, node-gyp through an interactive npx) is replaced here.
# See shared notes "real-vscode-host.md" for why each step exists.
#
# Env:
#   CODE_SERVER_DIR     install folder (default: <repo>/.tools/code-server)
#   PGOPT_SKIP_APT=1    never call apt-get; fail with a message when a system package is missing
#   FORCE=1             reinstall even when the marker says the install is complete
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${CODE_SERVER_DIR:-$REPO_ROOT/.tools/code-server}"
MARKER="$DEST/.installed-$CODE_SERVER_VERSION"
BIN="$DEST/node_modules/.bin/code-server"

started=$(date +%s)
step_started=$started
log() { echo "[setup-code-server] $*"; }
step() {
  local now
  now=$(date +%s)
  log "$1 (+$((now - step_started)) s, total $((now - started)) s)"
  step_started=$now
}
die() { echo "[setup-code-server] ERROR: $*" >&2; exit 1; }

verify() {
  local out tmp
  # code-server writes a default config.yaml on any start, even for --version: keep it out of $HOME.
  tmp="$(mktemp -d)"
  out="$(XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache" "$BIN" --version 2>&1)" ||
    { rm -rf "$tmp"; die "'$BIN --version' failed: $out"; }
  rm -rf "$tmp"
  local version_line
  version_line="$(grep -E "^$CODE_SERVER_VERSION " <<<"$out" || true)"
  [[ -n "$version_line" ]] || die "unexpected 'code-server --version' output: $out"
  log "code-server --version: $version_line"
}

if [[ "${FORCE:-0}" != 1 && -f "$MARKER" && -x "$BIN" ]]; then
  verify
  step "already installed in $DEST, nothing to do"
  exit 0
fi

# --- system packages -----------------------------------------------------------------------------------
# ripgrep: replaces @vscode/ripgrep's download; libkrb5-dev + pkg-config: the kerberos native module;
# chromium: the browser the Playwright runners drive (not needed by this script, installed for convenience).
missing=()
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[[ -f /usr/include/gssapi/gssapi.h ]] || missing+=(libkrb5-dev)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 || missing+=(build-essential)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if ((${#missing[@]})); then
  if [[ "${PGOPT_SKIP_APT:-0}" == 1 ]] || ! command -v apt-get >/dev/null 2>&1 || [[ $(id -u) != 0 ]]; then
    die "missing system packages: ${missing[*]} (Debian: apt-get install -y ${missing[*]})"
  fi
  log "installing system packages: ${missing[*]}"
  # A fresh machine may have empty package lists. Another apt/dpkg run holds the lock: wait for it (up to 10 min).
  if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y "${missing[@]}"; then
    apt-get -o DPkg::Lock::Timeout=600 update
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y "${missing[@]}"
  fi
  step "system packages installed"
fi
RG="$(command -v rg)"

# --- npm environment -----------------------------------------------------------------------------------
# yes: a native module's install may run `npx node-gyp`, which otherwise asks for confirmation and aborts
# without a TTY (~/.npmrc may say yes=false; the environment wins over the user config).
# unsafe_perm is NOT set: only code-server's own postinstall.sh reads it (it refuses to run as root without
# it), and we never run that script (--ignore-scripts, its steps are done below); npm 11 warns about it as an
# unknown config.
# npm 11's allowScripts policy: install scripts of dependencies not listed in the project's "allowScripts"
# run with a warning today and will be blocked by a future npm (or now with strict-allow-scripts). So every
# folder we run install scripts in gets an allowScripts list: our package.json below, and code-server's
# lib/vscode/package.json (patched before `npm rebuild`). strict mode is forced off so that a strict
# user/global config cannot break the tool install.
export npm_config_yes=true
export npm_config_strict_allow_scripts=false
export npm_config_audit=false
export npm_config_fund=false
export npm_config_update_notifier=false
export npm_config_progress=false
export npm_config_loglevel=warn

rm -f "$MARKER"
mkdir -p "$DEST"
# Its own package.json, so npm does not walk up and install into the repository's node_modules.
cat >"$DEST/package.json" <<EOF
{
  "name": "pgopt-code-server-tool",
  "private": true,
  "description": "code-server for the Postgres Optimizer host/e2e tests; installed by scripts/setup-code-server.sh",
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "argon2": true, "code-server": true }
}
EOF

cd "$DEST"
log "npm install code-server@$CODE_SERVER_VERSION (scripts off) into $DEST"
npm install --ignore-scripts
step "code-server package downloaded"

# argon2 (password hashing) ships prebuilt binaries inside the package; rebuild links them.
npm rebuild argon2
step "argon2 rebuilt"

VSCODE_DIR="$DEST/node_modules/code-server/lib/vscode"
[[ -d "$VSCODE_DIR" ]] || die "$VSCODE_DIR not found: unexpected code-server package layout"
cd "$VSCODE_DIR"
npm install --omit=dev --ignore-scripts
step "lib/vscode dependencies downloaded"

# @vscode/ripgrep's postinstall downloads rg from GitHub unless bin/rg already exists.
mkdir -p node_modules/@vscode/ripgrep/bin
cp -f "$RG" node_modules/@vscode/ripgrep/bin/rg
chmod +x node_modules/@vscode/ripgrep/bin/rg

# Native modules (node-pty, kerberos, spdlog, ...) are compiled here: the slow step. List them for npm 11's
# allowScripts policy (see above); @parcel/watcher uses its prebuilt platform package.
node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  pkg.allowScripts = Object.fromEntries(process.argv.slice(1).map((n) => [n, true]));
  fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
' kerberos native-watchdog node-pty @vscode/deviceid @vscode/ripgrep @vscode/spdlog @parcel/watcher \
  @vscode/windows-registry @vscode/windows-process-tree
npm rebuild
step "lib/vscode native modules rebuilt"

# What code-server's postinstall.sh would do after its install (we ran it with --ignore-scripts).
ln -sfn node_modules node_modules.asar
if [[ -f bin/remote-cli/code-linux.sh ]]; then
  ln -sfn code-linux.sh bin/remote-cli/code-server
fi
if [[ -f bin/helpers/browser-linux.sh ]]; then
  ln -sfn browser-linux.sh bin/helpers/browser.sh
fi

cd "$VSCODE_DIR/extensions"
npm install --omit=dev
step "built-in extensions' dependencies installed"

cd "$DEST"
verify
date -u +%FT%TZ >"$MARKER"
step "code-server $CODE_SERVER_VERSION ready in $DEST"
