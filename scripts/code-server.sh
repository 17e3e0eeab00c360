#!/usr/bin/env bash
# A real VS Code for this checkout: code-server (VS Code 1.100.3 in the browser), installed
# under .cache/code-server/ (gitignored), driven on 127.0.0.1 only. See
# ../shared/notes/testing-real-parts.md for why it is installed this way.
#
# Usage: scripts/code-server.sh COMMAND [options]
#   install                      Install what is missing: Debian packages (libkrb5-dev,
#                                ripgrep, chromium) and code-server with its native modules.
#                                Idempotent; a second run only checks (well under a second).
#   start FOLDER [--port N] [--profile DIR] [--trust yes|no|ask]
#                                Start code-server on FOLDER in the background, wait until it
#                                answers, print its URL (the last line of output). Without
#                                --port: 8123, or the next free port after it.
#   stop [--profile DIR]         Stop the code-server started with that profile (by its pid).
#   install-ext VSIX [--profile DIR]
#                                Install a packaged extension into the profile, as a user would
#                                (`--install-extension`).
#   status [--profile DIR]       Say whether it runs, and where.
#   entry                        Print the path of code-server's entry.js (after install).
#
# A profile is a folder holding user-data/, extensions/, code-server.pid, code-server.log and
# url; default .cache/code-server/profile (OPSDOC_CODE_SERVER_PROFILE overrides). The tests use
# a fresh one in a temp dir.
#
# --trust: `yes` (default) turns Workspace Trust off, so the folder is trusted and steps can run
# at once; `no` keeps Workspace Trust on and never prompts, so the folder opens in Restricted
# Mode (for the trust tests); `ask` is VS Code's own default: a prompt on first open.
#
# OPSDOC_CODE_SERVER_HOME overrides .cache/code-server (where code-server is installed).
set -euo pipefail

CODE_SERVER_VERSION=4.100.3 # = VS Code 1.100.3; newer releases need node 22+
DEBIAN_PACKAGES=(libkrb5-dev ripgrep chromium)
DEFAULT_PORT=8123

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${OPSDOC_CODE_SERVER_HOME:-$ROOT/.cache/code-server}"
INSTALL_DIR="$HOME_DIR/install"
PKG_DIR="$INSTALL_DIR/node_modules/code-server"
ENTRY="$PKG_DIR/out/node/entry.js"
MARKER="$INSTALL_DIR/.installed-$CODE_SERVER_VERSION"
PROFILE="${OPSDOC_CODE_SERVER_PROFILE:-$HOME_DIR/profile}"

# code-server writes a config file (with a generated password) under ~/.config and its logs
# under ~/.local/share unless told otherwise: keep both inside the folder given ($1).
cs() {
  local dir="$1"
  shift
  mkdir -p "$dir/data"
  [[ -f "$dir/config.yaml" ]] || printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$DEFAULT_PORT" >"$dir/config.yaml"
  CODE_SERVER_CONFIG="$dir/config.yaml" XDG_DATA_HOME="$dir/data" node "$ENTRY" "$@"
}

say() { printf 'code-server.sh: %s\n' "$*" >&2; }
die() { printf 'code-server.sh: error: %s\n' "$*" >&2; exit 1; }

# --- install ---------------------------------------------------------------------------------

missing_debian_packages() {
  local p
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$p"
  done
}

install_debian() {
  local missing
  mapfile -t missing < <(missing_debian_packages)
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get: install them by hand"
  [[ $EUID -eq 0 ]] || die "missing packages (${missing[*]}) and not root: install them or run as root"
  say "apt-get install ${missing[*]}"
  mkdir -p "$HOME_DIR"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"$HOME_DIR/apt.log" 2>&1 || die "apt-get install ${missing[*]} failed; see $HOME_DIR/apt.log"
}

install_code_server() {
  if [[ -f "$MARKER" && -f "$ENTRY" ]]; then
    return 0
  fi
  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  [[ "$node_major" == 20 ]] || say "warning: code-server $CODE_SERVER_VERSION is built for node 20; this is node $(node --version)"
  say "installing code-server $CODE_SERVER_VERSION into $INSTALL_DIR (under a minute with a warm npm cache, ~320 MB)"
  mkdir -p "$INSTALL_DIR"
  rm -f "$INSTALL_DIR"/.installed-*
  # A package.json of its own, so npm installs here and never walks up into the project.
  [[ -f "$INSTALL_DIR/package.json" ]] ||
    printf '{ "name": "opsdoc-code-server", "private": true, "description": "code-server for Opsdoc, installed by scripts/code-server.sh" }\n' >"$INSTALL_DIR/package.json"
  local log="$INSTALL_DIR/install.log"
  : >"$log"
  run() { "$@" >>"$log" 2>&1 || die "'$*' failed (in $PWD); see $log"; }
  (
    cd "$INSTALL_DIR"
    # Its postinstall downloads ripgrep from GitHub, which is not reachable: skip the scripts
    # and do their work by hand (below).
    run npm install --no-audit --no-fund --ignore-scripts --save-exact "code-server@$CODE_SERVER_VERSION"
    cd "$PKG_DIR/lib/vscode"
    run npm install --no-audit --no-fund --omit=dev --ignore-scripts
    # node-pty's own post-install step prints an error about compile_commands.json; pty.node
    # is built anyway. What matters is checked below.
    npm_config_yes=true npm rebuild node-pty @vscode/spdlog native-watchdog @parcel/watcher kerberos @vscode/deviceid >>"$log" 2>&1 || true
    local module
    for module in node-pty/build/Release/pty.node @vscode/spdlog/build/Release/spdlog.node native-watchdog/build/Release/watchdog.node kerberos/build/Release/kerberos.node; do
      [[ -f "node_modules/$module" ]] || die "node_modules/$module did not build; see $log"
    done
    # Debian's ripgrep instead of the download.
    mkdir -p node_modules/@vscode/ripgrep/bin
    ln -sf /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
    # The rest of what code-server's postinstall.sh does: the asar link and two bin/ links.
    ln -sfn node_modules node_modules.asar
    ln -sfn code-linux.sh bin/remote-cli/code-server
    ln -sfn browser-linux.sh bin/helpers/browser.sh
    cd "$PKG_DIR/lib/vscode/extensions"
    run npm install --no-audit --no-fund --omit=dev --ignore-scripts
    cd "$INSTALL_DIR"
    run npm rebuild argon2
  )
  cs "$INSTALL_DIR" --version >>"$log" 2>&1 || die "code-server does not start ('node $ENTRY --version'); see $log"
  touch "$MARKER"
  say "installed code-server $(cs "$INSTALL_DIR" --version | head -n1)"
}

cmd_install() {
  mkdir -p "$HOME_DIR"
  exec 8>"$HOME_DIR/.install.lock"
  flock 8
  install_debian
  install_code_server
}

need_installed() {
  [[ -f "$MARKER" && -f "$ENTRY" ]] || die "code-server is not installed: run scripts/code-server.sh install"
}

# --- profiles and processes ------------------------------------------------------------------

# The pid file is trusted only while that process is alive and still ours: its command line
# must name our entry.js and this profile's user-data dir (pids get reused).
running_pid() {
  local pidfile="$PROFILE/code-server.pid" pid
  [[ -s "$pidfile" ]] || return 1
  pid="$(head -n1 "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
  [[ "$cmdline" == *"$ENTRY"* && "$cmdline" == *"$PROFILE/user-data"* ]] || return 1
  printf '%s\n' "$pid"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local port="$1" last=$(($1 + 100))
  while ((port <= last)); do
    port_busy "$port" || { printf '%s\n' "$port"; return 0; }
    port=$((port + 1))
  done
  die "no free port in $1..$last on 127.0.0.1"
}

write_settings() {
  local trust="$1" settings="$PROFILE/user-data/User/settings.json"
  mkdir -p "$(dirname "$settings")"
  local trust_settings
  case "$trust" in
    yes) trust_settings='"security.workspace.trust.enabled": false' ;;
    no) trust_settings='"security.workspace.trust.enabled": true,
  "security.workspace.trust.startupPrompt": "never",
  "security.workspace.trust.emptyWindow": false' ;;
    ask) trust_settings='"security.workspace.trust.enabled": true' ;;
    *) die "--trust takes yes, no or ask (got '$trust')" ;;
  esac
  # Rewritten at each start: the trust choice is per start, and a person's own edits to this
  # throwaway profile are not meant to last.
  cat >"$settings" <<EOF
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "chat.commandCenter.enabled": false,
  "git.openRepositoryInParentFolders": "never",
  $trust_settings
}
EOF
}

cmd_start() {
  local folder="" port="" trust=yes
  while (($#)); do
    case "$1" in
      --port) port="${2:?--port needs a number}"; shift 2 ;;
      --profile) PROFILE="$(realpath -m "${2:?--profile needs a folder}")"; shift 2 ;;
      --trust) trust="${2:?--trust needs yes, no or ask}"; shift 2 ;;
      -*) die "start: unknown option $1" ;;
      *) [[ -z "$folder" ]] || die "start: one FOLDER only"; folder="$1"; shift ;;
    esac
  done
  [[ -n "$folder" ]] || die "usage: scripts/code-server.sh start FOLDER [--port N] [--profile DIR] [--trust yes|no|ask]"
  [[ -d "$folder" ]] || die "start: no folder $folder"
  folder="$(realpath "$folder")"
  need_installed
  local pid
  if pid="$(running_pid)"; then
    die "already running for profile $PROFILE (pid $pid, $(cat "$PROFILE/url" 2>/dev/null)); stop it first"
  fi
  if [[ -n "$port" ]]; then
    [[ "$port" =~ ^[0-9]+$ ]] || die "--port takes a number (got '$port')"
    port_busy "$port" && die "127.0.0.1:$port is already in use"
  else
    port="$(free_port "$DEFAULT_PORT")"
  fi
  mkdir -p "$PROFILE/user-data" "$PROFILE/extensions"
  write_settings "$trust"
  local log="$PROFILE/code-server.log"
  # Its own session (setsid): a Ctrl+C meant for the caller does not reach it behind its back;
  # `stop` ends it by its pid. No stdin, and the lock fds are not inherited.
  mkdir -p "$PROFILE/data"
  [[ -f "$PROFILE/config.yaml" ]] || printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$port" >"$PROFILE/config.yaml"
  CODE_SERVER_CONFIG="$PROFILE/config.yaml" XDG_DATA_HOME="$PROFILE/data" setsid node "$ENTRY" \
    --auth none --bind-addr "127.0.0.1:$port" \
    --user-data-dir "$PROFILE/user-data" --extensions-dir "$PROFILE/extensions" \
    --disable-telemetry --disable-update-check --disable-getting-started-override \
    --ignore-last-opened \
    "$folder" >"$log" 2>&1 </dev/null 8>&- 9>&- &
  pid=$!
  printf '%s\n' "$pid" >"$PROFILE/code-server.pid"
  local url="http://127.0.0.1:$port/?folder=$(node -p 'encodeURIComponent(process.argv[1])' "$folder")"
  # Wait until it answers its health check (usually 1-2 s).
  local i
  for i in $(seq 1 300); do
    if ! [[ -d "/proc/$pid" ]]; then
      rm -f "$PROFILE/code-server.pid"
      die "code-server exited at start; see $log: $(tail -n 5 "$log" | tr '\n' ' ')"
    fi
    if port_busy "$port" && node -e '
      fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));
    ' "http://127.0.0.1:$port/healthz" 2>/dev/null; then
      printf '%s\n' "$url" >"$PROFILE/url"
      say "code-server running (pid $pid) on 127.0.0.1:$port, folder $folder, profile $PROFILE"
      printf '%s\n' "$url"
      return 0
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$PROFILE/code-server.pid"
  die "code-server did not answer on 127.0.0.1:$port within 30 s; see $log"
}

cmd_stop() {
  while (($#)); do
    case "$1" in
      --profile) PROFILE="$(realpath -m "${2:?--profile needs a folder}")"; shift 2 ;;
      *) die "stop: unknown argument $1" ;;
    esac
  done
  local pid i
  if ! pid="$(running_pid)"; then
    rm -f "$PROFILE/code-server.pid" "$PROFILE/url"
    say "not running (profile $PROFILE)"
    return 0
  fi
  # code-server runs the workbench server in a child process: end the whole session it leads
  # (setsid made it a group leader), then the leader itself if it lingers.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do [[ -d "/proc/$pid" ]] || break; sleep 0.05; done
  if [[ -d "/proc/$pid" ]]; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
  # Children that outlived the leader (the extension host, terminals) are still in its group.
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$PROFILE/code-server.pid" "$PROFILE/url"
  say "stopped code-server (pid $pid)"
}

cmd_install_ext() {
  local vsix=""
  while (($#)); do
    case "$1" in
      --profile) PROFILE="$(realpath -m "${2:?--profile needs a folder}")"; shift 2 ;;
      -*) die "install-ext: unknown option $1" ;;
      *) vsix="$1"; shift ;;
    esac
  done
  [[ -f "$vsix" ]] || die "usage: scripts/code-server.sh install-ext VSIX [--profile DIR] (no file '$vsix')"
  need_installed
  mkdir -p "$PROFILE/user-data" "$PROFILE/extensions"
  cs "$PROFILE" --user-data-dir "$PROFILE/user-data" --extensions-dir "$PROFILE/extensions" \
    --install-extension "$(realpath "$vsix")" --force 8>&- 9>&- ||
    die "installing $vsix failed"
}

cmd_status() {
  while (($#)); do
    case "$1" in
      --profile) PROFILE="$(realpath -m "${2:?--profile needs a folder}")"; shift 2 ;;
      *) die "status: unknown argument $1" ;;
    esac
  done
  local pid
  if [[ -f "$MARKER" ]]; then say "installed: code-server $CODE_SERVER_VERSION in $INSTALL_DIR"; else say "not installed"; fi
  if pid="$(running_pid)"; then
    say "running (pid $pid): $(cat "$PROFILE/url" 2>/dev/null)"
  else
    say "not running (profile $PROFILE)"
    return 1
  fi
}

cmd="${1:-}"
(($#)) && shift
case "$cmd" in
  install) cmd_install "$@" ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  install-ext) cmd_install_ext "$@" ;;
  status) cmd_status "$@" ;;
  entry) need_installed; printf '%s\n' "$ENTRY" ;;
  *) die "usage: scripts/code-server.sh install | start FOLDER [--port N] [--profile DIR] [--trust yes|no|ask] | stop [--profile DIR] | install-ext VSIX [--profile DIR] | status [--profile DIR]" ;;
esac
