#!/usr/bin/env bash
# Real parts for the integration tests and `npm run bench`, all on loopback, all under one
# state dir (default .cache/test-env/, which .gitignore already covers):
#
#   - sshd on 127.0.0.1:2222 (user `opsdoc`, key auth only, TCP forwarding to the jump target
#     allowed) and a second sshd on 127.0.0.1:2223 that the tests reach THROUGH 2222
#     (ProxyJump); each has its own host key, both are in the state dir's known_hosts;
#   - PostgreSQL 15 on 127.0.0.1:5433 (trust auth, user `tester`);
#   - podman (runc, a containers.conf of our own) with a busybox image imported from a local
#     rootfs, a running container `opsdoc-test`, and `podman system service` on a unix socket
#     so the real docker CLI drives it through DOCKER_HOST.
#
# Usage: scripts/test-env.sh up|down|status     (as root: it installs packages, adds a user)
#   up      installs what is missing (apt-get), starts what is not running, writes env.sh.
#           Idempotent: a second `up` only checks.
#   down    stops every process `up` started, by its pid, removes the container and env.sh.
#   status  says what is running.
# Then: `. .cache/test-env/env.sh` (the tests also read that file by themselves).
#
# The state (keys, sshd configs, the PostgreSQL cluster, podman's socket) lives in a folder
# under /tmp named after this checkout, not inside it: the postgres and opsdoc users must be
# able to reach it, and a checkout may sit in a folder only root can enter (a mktemp -d).
# env.sh is copied to .cache/test-env/env.sh in the checkout, where the tests look for it.
# OPSDOC_TEST_ENV_DIR overrides the state dir.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${OPSDOC_TEST_ENV_DIR:-/tmp/opsdoc-test-env-$(printf '%s' "$ROOT" | md5sum | cut -c1-10)}"
LINK_DIR="$ROOT/.cache/test-env"
SSH_PORT=2222
JUMP_PORT=2223
PG_PORT=5433
SSH_USER=opsdoc
PG_USER=tester
CONTAINER=opsdoc-test
IMAGE=localhost/opsdoc-test:latest
PG_BIN=/usr/lib/postgresql/15/bin
KEY_PASSPHRASE=opsdoc-test-passphrase

say() { printf 'test-env: %s\n' "$*"; }
die() { printf 'test-env: error: %s\n' "$*" >&2; exit 1; }

# A pid file is trusted only while its process is alive AND still the program we started
# (pids get reused): the command line must mention $2.
alive() {
  local pidfile="$1" marker="$2" pid
  [[ -s "$pidfile" ]] || return 1
  pid="$(head -n1 "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

# Something already listening on a port we want is a clear error, not a confusing hang.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port="$1" what="$2" log="$3" i
  for i in $(seq 1 100); do
    port_busy "$port" && return 0
    sleep 0.05
  done
  die "$what did not start listening on 127.0.0.1:$port; see $log: $(tail -n 5 "$log" 2>/dev/null | tr '\n' ' ')"
}

install_missing() {
  local pkgs=()
  [[ -x /usr/sbin/sshd ]] || pkgs+=(openssh-server)
  command -v ssh >/dev/null || pkgs+=(openssh-client)
  command -v podman >/dev/null || pkgs+=(podman)
  command -v runc >/dev/null || pkgs+=(runc)
  [[ -x /bin/busybox ]] || pkgs+=(busybox-static)
  [[ -x "$PG_BIN/initdb" ]] || pkgs+=(postgresql)
  command -v xmllint >/dev/null || pkgs+=(libxml2-utils)
  command -v docker >/dev/null || die "the docker CLI is not installed (only the CLI is needed; podman serves its API)"
  ((${#pkgs[@]} == 0)) && return 0
  [[ $EUID -eq 0 ]] || die "missing packages (${pkgs[*]}) and not root: install them or run as root"
  say "installing ${pkgs[*]}"
  # Package scripts would start the system sshd on :22 and a postgres cluster on :5432;
  # nothing here should listen beyond what we start, so forbid service starts meanwhile.
  local made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  local rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >"$STATE/apt.log" 2>&1; } || rc=$?
  ((made_policy)) && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || die "apt-get install ${pkgs[*]} failed (exit $rc); see $STATE/apt.log"
}

ensure_user() {
  if ! id "$SSH_USER" >/dev/null 2>&1; then
    # Password field `*`: no password login, but not "locked" (sshd refuses locked accounts
    # even for key auth when it can see the `!`).
    useradd -m -s /bin/bash -p '*' "$SSH_USER" || die "useradd $SSH_USER failed"
    say "added user $SSH_USER"
  fi
}

# --- ssh -------------------------------------------------------------------------------------

ensure_keys() {
  mkdir -p "$STATE/ssh"
  chmod 755 "$STATE" "$STATE/ssh"
  [[ -s "$STATE/ssh/client_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C opsdoc-test-client -f "$STATE/ssh/client_ed25519"
  # A second client key, encrypted, for the passphrase-callback test.
  [[ -s "$STATE/ssh/client_ed25519_enc" ]] || ssh-keygen -q -t ed25519 -N "$KEY_PASSPHRASE" -C opsdoc-test-client-enc -f "$STATE/ssh/client_ed25519_enc"
  local port
  for port in "$SSH_PORT" "$JUMP_PORT"; do
    [[ -s "$STATE/ssh/host_ed25519_$port" ]] || ssh-keygen -q -t ed25519 -N '' -C "opsdoc-test-host-$port" -f "$STATE/ssh/host_ed25519_$port"
  done
  # sshd reads AuthorizedKeysFile as the user, so it must be world-readable (it is public).
  cat "$STATE/ssh/client_ed25519.pub" "$STATE/ssh/client_ed25519_enc.pub" >"$STATE/ssh/authorized_keys"
  chmod 644 "$STATE/ssh/authorized_keys"
  {
    for port in "$SSH_PORT" "$JUMP_PORT"; do
      printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$STATE/ssh/host_ed25519_$port.pub")"
    done
  } >"$STATE/ssh/known_hosts"
}

write_sshd_config() {
  local port="$1" extra="$2"
  cat >"$STATE/ssh/sshd_$port.conf" <<EOF
# Private test sshd ($port): written by scripts/test-env.sh, never the system one.
ListenAddress 127.0.0.1
Port $port
HostKey $STATE/ssh/host_ed25519_$port
PidFile $STATE/ssh/sshd_$port.pid
AuthorizedKeysFile $STATE/ssh/authorized_keys
AllowUsers $SSH_USER
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
LogLevel VERBOSE
MaxSessions 100
MaxStartups 100:30:200
AcceptEnv LANG LC_* OPSDOC_*
# The chain tests run the docker CLI as $SSH_USER against podman's socket.
SetEnv DOCKER_HOST=unix://$STATE/podman/podman.sock
Subsystem sftp internal-sftp
$extra
EOF
}

start_sshd() {
  local port="$1" extra="$2"
  write_sshd_config "$port" "$extra"
  if alive "$STATE/ssh/sshd_$port.pid" "sshd_$port.conf"; then
    say "sshd on 127.0.0.1:$port already running (pid $(cat "$STATE/ssh/sshd_$port.pid"))"
    return
  fi
  port_busy "$port" && die "127.0.0.1:$port is already in use by another program (not our sshd)"
  mkdir -p /run/sshd && chmod 755 /run/sshd # privilege separation dir that sshd insists on
  /usr/sbin/sshd -t -f "$STATE/ssh/sshd_$port.conf" || die "sshd config $STATE/ssh/sshd_$port.conf is invalid"
  # Without -D sshd daemonises and writes PidFile: `down` kills exactly that pid.
  /usr/sbin/sshd -f "$STATE/ssh/sshd_$port.conf" -E "$STATE/ssh/sshd_$port.log" 9>&-
  wait_port "$port" "sshd" "$STATE/ssh/sshd_$port.log"
  say "sshd on 127.0.0.1:$port started (pid $(cat "$STATE/ssh/sshd_$port.pid"))"
}

# --- postgres --------------------------------------------------------------------------------

start_pg() {
  local dir="$STATE/pg"
  mkdir -p "$dir/sock"
  chown -R postgres: "$dir"
  if [[ ! -s "$dir/data/PG_VERSION" ]]; then
    runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -A trust -U "$PG_USER" >"$dir/initdb.log" 2>&1 ||
      die "initdb failed; see $dir/initdb.log"
  fi
  if runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    say "postgres on 127.0.0.1:$PG_PORT already running"
    return
  fi
  port_busy "$PG_PORT" && die "127.0.0.1:$PG_PORT is already in use by another program (not our postgres)"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" \
    -o "-k $dir/sock -p $PG_PORT -c listen_addresses=127.0.0.1" -w start >/dev/null 9>&- ||
    die "postgres did not start; see $dir/log: $(tail -n 5 "$dir/log" | tr '\n' ' ')"
  say "postgres on 127.0.0.1:$PG_PORT started"
}

# --- podman ----------------------------------------------------------------------------------

podman_() { CONTAINERS_CONF="$STATE/podman/containers.conf" podman "$@"; }

# Removes the test container for good: podman may still be settling the state of one whose
# process died (a first `rm -f` can leave the name taken), so it is asked again until it is gone.
remove_container() {
  local i
  for i in 1 2 3 4 5 6; do
    podman_ rm -f --time 0 "$CONTAINER" >/dev/null 2>&1 9>&- || true
    podman_ container exists "$CONTAINER" 9>&- || return 0
    sleep 0.5
  done
  die "podman could not remove the stale container $CONTAINER; remove it with: podman rm -f $CONTAINER"
}

start_podman() {
  local dir="$STATE/podman"
  mkdir -p "$dir"
  chmod 755 "$dir"
  # crun fails here on setrlimit; runc works once podman's default ulimits are off.
  # exit_command_delay: podman keeps a conmon per `docker exec` for this long (default 300 s,
  # Docker's grace for reading the exit code); a test run makes hundreds of execs, and the
  # docker CLI reads the code at once.
  cat >"$dir/containers.conf" <<'EOF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"
exit_command_delay = 10
EOF
  if ! podman_ image exists "$IMAGE"; then
    local rootfs="$dir/rootfs" a
    rm -rf "$rootfs" && mkdir -p "$rootfs"/{bin,tmp,etc,root,proc,sys,dev}
    chmod 1777 "$rootfs/tmp"
    cp /bin/busybox "$rootfs/bin/"
    for a in $(/bin/busybox --list); do [[ -e "$rootfs/bin/$a" ]] || ln -s busybox "$rootfs/bin/$a"; done
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rootfs/etc/passwd"
    printf 'root:x:0:\n' >"$rootfs/etc/group"
    tar -C "$rootfs" -cf "$dir/rootfs.tar" .
    podman_ import --quiet "$dir/rootfs.tar" "$IMAGE" >/dev/null || die "podman import failed"
    rm -rf "$rootfs" "$dir/rootfs.tar"
    say "imported $IMAGE"
  fi
  local running
  running="$(podman_ inspect -f '{{.State.Running}}' "$CONTAINER" 2>/dev/null || true)"
  # podman's record can say "running" for a container whose process is gone (the machine or
  # its processes were stopped under it): exec then fails with "cannot exec in a stopped
  # container". Such a container is removed and made again.
  if [[ "$running" == true ]] && ! podman_ exec "$CONTAINER" true >/dev/null 2>&1 9>&-; then
    remove_container
    say "container $CONTAINER was recorded as running but did not answer; made again"
    running=""
  fi
  if [[ "$running" == false ]]; then
    if podman_ start "$CONTAINER" >/dev/null 9>&-; then
      say "container $CONTAINER restarted"
      running=true
    else
      remove_container
      say "container $CONTAINER would not restart; made again"
      running=""
    fi
  elif [[ "$running" == true ]]; then
    say "container $CONTAINER already running"
  fi
  if [[ "$running" != true ]]; then
    # No network: the tests only exec into it, and it keeps the host's firewall untouched.
    podman_ run -d --name "$CONTAINER" --network none "$IMAGE" sleep 2147483647 >"$dir/container.id" 9>&- ||
      die "podman run $CONTAINER failed"
    say "container $CONTAINER started"
  fi
  podman_ inspect -f '{{.Id}}' "$CONTAINER" >"$dir/container.id"

  local sock="$dir/podman.sock"
  if alive "$dir/service.pid" "$sock"; then
    say "podman service already running (pid $(cat "$dir/service.pid"))"
  else
    rm -f "$sock"
    CONTAINERS_CONF="$dir/containers.conf" setsid podman system service --time=0 "unix://$sock" \
      >"$dir/service.log" 2>&1 </dev/null 9>&- &
    echo $! >"$dir/service.pid"
    local i
    for i in $(seq 1 100); do [[ -S "$sock" ]] && break; sleep 0.05; done
    [[ -S "$sock" ]] || die "podman system service did not create $sock; see $dir/service.log"
    say "podman service started (pid $(cat "$dir/service.pid"))"
  fi
  # The socket is root-equivalent: only root and the test user's group may use it (the chain
  # test runs `docker` as $SSH_USER over ssh).
  chgrp "$SSH_USER" "$sock" && chmod 660 "$sock"
  DOCKER_HOST="unix://$sock" docker exec "$CONTAINER" true ||
    die "docker exec through podman's socket failed (DOCKER_HOST=unix://$sock)"
}

write_env() {
  cat >"$STATE/env.sh.tmp" <<EOF
# Written by scripts/test-env.sh up; removed by down. Source it before the tests / bench.
export OPSDOC_TEST_ENV_DIR='$STATE'
export OPSDOC_TEST_SSH_HOST='127.0.0.1'
export OPSDOC_TEST_SSH_PORT='$SSH_PORT'
export OPSDOC_TEST_JUMP_PORT='$JUMP_PORT'
export OPSDOC_TEST_SSH_USER='$SSH_USER'
export OPSDOC_TEST_SSH_KEY='$STATE/ssh/client_ed25519'
export OPSDOC_TEST_SSH_KEY_ENCRYPTED='$STATE/ssh/client_ed25519_enc'
export OPSDOC_TEST_SSH_KEY_PASSPHRASE='$KEY_PASSPHRASE'
export OPSDOC_TEST_KNOWN_HOSTS='$STATE/ssh/known_hosts'
export OPSDOC_TEST_PG_URL='postgresql://$PG_USER@127.0.0.1:$PG_PORT/postgres'
export DOCKER_HOST='unix://$STATE/podman/podman.sock'
export CONTAINERS_CONF='$STATE/podman/containers.conf'
export OPSDOC_TEST_CONTAINER='$CONTAINER'
EOF
  mv "$STATE/env.sh.tmp" "$STATE/env.sh"
  mkdir -p "$LINK_DIR"
  [[ "$LINK_DIR" -ef "$STATE" ]] || cp "$STATE/env.sh" "$LINK_DIR/env.sh"
}

up() {
  [[ $EUID -eq 0 ]] || die "run as root (it adds a user, starts sshd and a rootful podman)"
  mkdir -p "$STATE"
  install_missing
  ensure_user
  ensure_keys
  start_sshd "$SSH_PORT" "AllowTcpForwarding local
PermitOpen 127.0.0.1:$JUMP_PORT localhost:$JUMP_PORT"
  start_sshd "$JUMP_PORT" "AllowTcpForwarding no"
  start_pg
  start_podman
  write_env
  say "ready: . $STATE/env.sh"
}

stop_pid() {
  local pidfile="$1" marker="$2" what="$3" pid i
  if alive "$pidfile" "$marker"; then
    pid="$(head -n1 "$pidfile")"
    kill "$pid"
    for i in $(seq 1 100); do [[ -d "/proc/$pid" ]] || break; sleep 0.05; done
    [[ -d "/proc/$pid" ]] && kill -9 "$pid"
    say "stopped $what (pid $pid)"
  fi
  rm -f "$pidfile"
}

down() {
  [[ -d "$STATE" ]] || { say "nothing to stop ($STATE does not exist)"; return; }
  rm -f "$STATE/env.sh" "$LINK_DIR/env.sh"
  stop_pid "$STATE/ssh/sshd_$SSH_PORT.pid" "sshd_$SSH_PORT.conf" "sshd :$SSH_PORT"
  stop_pid "$STATE/ssh/sshd_$JUMP_PORT.pid" "sshd_$JUMP_PORT.conf" "sshd :$JUMP_PORT"
  if [[ -s "$STATE/pg/data/PG_VERSION" ]] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STATE/pg/data" status >/dev/null 2>&1; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STATE/pg/data" -m fast -w stop >/dev/null && say "stopped postgres"
  fi
  if [[ -s "$STATE/podman/container.id" ]] && command -v podman >/dev/null; then
    # By the id recorded at start, so a same-named container of someone else is left alone.
    local id
    id="$(cat "$STATE/podman/container.id")"
    if podman_ container exists "$id"; then
      podman_ rm -f -t 0 "$id" >/dev/null && say "removed container $CONTAINER"
    fi
    rm -f "$STATE/podman/container.id"
  fi
  stop_pid "$STATE/podman/service.pid" "$STATE/podman/podman.sock" "podman service"
  rm -f "$STATE/podman/podman.sock"
}

status() {
  local rc=0
  alive "$STATE/ssh/sshd_$SSH_PORT.pid" "sshd_$SSH_PORT.conf" && say "sshd :$SSH_PORT running" || { say "sshd :$SSH_PORT down"; rc=1; }
  alive "$STATE/ssh/sshd_$JUMP_PORT.pid" "sshd_$JUMP_PORT.conf" && say "sshd :$JUMP_PORT running" || { say "sshd :$JUMP_PORT down"; rc=1; }
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STATE/pg/data" status >/dev/null 2>&1 && say "postgres :$PG_PORT running" || { say "postgres :$PG_PORT down"; rc=1; }
  alive "$STATE/podman/service.pid" "$STATE/podman/podman.sock" && say "podman service running" || { say "podman service down"; rc=1; }
  [[ -s "$STATE/env.sh" ]] && say "env: $STATE/env.sh" || say "env.sh missing"
  return $rc
}

cmd="${1:-}"
case "$cmd" in
  up | down | status)
    mkdir -p "$STATE"
    # Two `up`s at once (e.g. parallel test runs) must not race on the same pid files.
    exec 9>"$STATE/.lock"
    flock 9
    "$cmd"
    ;;
  *) die "usage: scripts/test-env.sh up|down|status" ;;
esac
