#!/usr/bin/env bash
# `npm start`: the README's main command. Builds Opsdoc, packages the VSIX, installs
# code-server if needed (scripts/code-server.sh), installs the VSIX into it as a user would
# (`--install-extension`), opens examples/ in it on 127.0.0.1 and prints the URL to open.
# Ctrl+C stops it.
#
#   npm start [-- --port N] [--folder DIR] [--trust yes|no|ask] [--code]
#
# Port: 8123, or the next free one. The profile (settings, installed extensions, state) is
# kept in .cache/code-server/profile, so a second start is fast and remembers what you did.
# --trust: yes (default: you asked to open the project's own examples, so the folder is
# trusted and steps run at once), no (Restricted Mode), ask (VS Code's own prompt).
# --code: instead of code-server, install the VSIX into the desktop VS Code whose `code` CLI
# is on PATH and open the folder there (changes that editor's extensions; opt-in).
set -euo pipefail
cd "$(dirname "$0")/.."

port_args=()
folder=examples
trust=yes
desktop=0
while (($#)); do
  case "$1" in
    --port) port_args=(--port "${2:?--port needs a number}"); shift 2 ;;
    --folder) folder="${2:?--folder needs a folder}"; shift 2 ;;
    --trust) trust="${2:?--trust needs yes, no or ask}"; shift 2 ;;
    --code) desktop=1; shift ;;
    *) echo "start.sh: unknown argument $1 (takes --port N, --folder DIR, --trust yes|no|ask, --code)" >&2; exit 2 ;;
  esac
done

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Build and package the extension"
node scripts/package.mjs

if ((desktop)); then
  command -v code >/dev/null || { echo "start.sh: --code: no \`code\` command on PATH" >&2; exit 2; }
  step "Install dist/opsdoc.vsix into VS Code ($(command -v code))"
  code --install-extension dist/opsdoc.vsix --force
  step "Open $folder in VS Code"
  code "$folder"
  exit 0
fi

step "Install code-server (once; about a minute the first time)"
scripts/code-server.sh install

step "Install dist/opsdoc.vsix into it"
scripts/code-server.sh install-ext dist/opsdoc.vsix

step "Start VS Code (code-server) on $folder"
stopped=0
stop() {
  ((stopped)) && return
  stopped=1
  echo
  scripts/code-server.sh stop || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
url="$(scripts/code-server.sh start "$folder" --trust "$trust" "${port_args[@]}")"

cat <<EOF

  Opsdoc is running in VS Code (code-server, on 127.0.0.1 only).
  Open this in your browser:

      $url

  It opens on local-workspace.md with Opsdoc's walkthrough: each runnable step has its Run
  lenses and runs against the \`local\` profile. Press Ctrl+C here to stop.

EOF

# Stay in the foreground until Ctrl+C, or until code-server exits by itself.
while scripts/code-server.sh status >/dev/null 2>&1; do
  sleep 1 &
  wait $! || true
done
echo "code-server has exited; see .cache/code-server/profile/code-server.log" >&2
exit 1
