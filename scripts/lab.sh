#!/usr/bin/env bash
# A small lab of the systems the seed runbooks (BACKEND_ACCESS.md, MIGRATIONS_README.md,
# "Database Operations.md") talk about, all on this machine, on loopback and on network
# namespaces of its own, so Opsdoc can run those runbooks unchanged against real parts:
#
#   - three "hosts": network namespaces lab-manager (10.231.7.11), lab-worker (.12) and
#     lab-db (.13), each with a veth on the bridge lab-br0 (10.231.7.1/24 in the root
#     namespace), its own hostname (a UTS namespace) and its own sshd on port 22 (user
#     dockeradmin, key auth only, DOCKER_HOST set for every session). No route leaves them.
#   - one real Docker Engine (Debian docker.io: dockerd + its own containerd namespace, vfs,
#     no iptables, no bridge) in swarm mode, whose node is named lab-worker; every host's
#     shell talks to it through DOCKER_HOST (a unix socket the dockeradmin group may use).
#   - the swarm service maplefile_backend: a container whose ./maplefile-backend is a small
#     POSIX sh stand-in for the team's binary (--help; migrate up|down|version|force N track
#     a schema version in a file inside the container).
#   - a real registry (Debian docker-registry) on 127.0.0.1:5055 holding
#     127.0.0.1:5055/maplefile-backend:prod.
#   - containers amanat-postgres (the host's PostgreSQL 15 binaries: user amanat, database
#     amanat_dev) and nickapp-redis (the host's redis-server, with requirepass).
#
# Images come only from local root filesystems (busybox-static and host binaries with the
# libraries ldd finds); built images are cached as tarballs in .cache/lab/images/.
#
# Usage: scripts/lab.sh up|down|status      (as root: it installs packages, adds a user)
#   up      installs what is missing (apt-get), starts what is not running, writes lab.env.
#           Idempotent: a second `up` only checks. Prints how long it took.
#   down    stops every process `up` started (by recorded pid), removes the containers, the
#           swarm, the namespaces, veths and bridge, and the state dir (the image cache stays).
#   status  says what runs (exit 1 when something is down).
# Then: `. .cache/lab/lab.env` (host IPs, ssh key, known_hosts, DOCKER_HOST, passwords).
#
# State lives under /tmp (OPSDOC_LAB_DIR overrides it), outside the checkout, so the
# dockeradmin user can reach the engine's socket. Ports used, all on 127.0.0.1: 5055
# (registry), 2377 and 7946 (swarm). Nothing here touches scripts/test-env.sh's parts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$ROOT/scripts/lab.sh"
STATE="${OPSDOC_LAB_DIR:-/tmp/opsdoc-lab-$(printf '%s' "$ROOT" | md5sum | cut -c1-10)}"
CACHE="$ROOT/.cache/lab"
LOCK="$STATE.lock"

NET_PREFIX=10.231.7
BRIDGE=lab-br0
HOSTS=(lab-manager lab-worker lab-db)
declare -A HOST_IP=([lab-manager]="$NET_PREFIX.11" [lab-worker]="$NET_PREFIX.12" [lab-db]="$NET_PREFIX.13")
# docker_gwbridge (which swarm mode insists on) is made by us on this subnet, as the bridge
# lab-gwbr0 without masquerading, instead of Docker's own on 172.17.0.0/16.
GW_SUBNET=10.231.8.0/24
GW_IFACE=lab-gwbr0
SSH_USER=dockeradmin
SSH_PORT=22
ACCOUNT_COMMENT="opsdoc lab"
REGISTRY_ADDR=127.0.0.1:5055
SWARM_PORT=2377
GOSSIP_PORT=7946
ENGINE_HOSTNAME=lab-worker
CTR_NS=opsdoc-lab
SERVICE=maplefile_backend
BACKEND_IMAGE="$REGISTRY_ADDR/maplefile-backend:prod"
PG_IMAGE=lab/postgres:15
REDIS_IMAGE=lab/redis:7
PG_CONTAINER=amanat-postgres
REDIS_CONTAINER=nickapp-redis
PG_VERSION_DIR=/usr/lib/postgresql/15
SOCK="$STATE/run/docker.sock"

say() { printf 'lab: %s\n' "$*"; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# A pid file is trusted only while its process is alive AND still the program we started
# (pids get reused): the command line must mention $2.
alive() {
  local pidfile="$1" marker="$2" pid
  [[ -s "$pidfile" ]] || return 1
  pid="$(head -n1 "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

# A process that has exited but is not reaped yet (a zombie of pid 1) counts as gone.
running() { [[ -d "/proc/$1" ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# host port: something accepts TCP connections there (within a second).
port_open() { timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/$2"' sh "$1" "$2" 2>/dev/null; }

netns_exists() { ip netns list 2>/dev/null | awk '{ print $1 }' | grep -qxF -- "$1"; }

dk() { DOCKER_HOST="unix://$SOCK" docker "$@"; }

# --- packages and the user ---------------------------------------------------------------------

install_missing() {
  local pkgs=()
  [[ -x /usr/sbin/dockerd ]] || pkgs+=(docker.io)
  [[ -x /usr/bin/docker-registry ]] || pkgs+=(docker-registry)
  [[ -x /bin/busybox ]] || pkgs+=(busybox-static)
  [[ -x /usr/sbin/sshd ]] || pkgs+=(openssh-server)
  command -v ssh >/dev/null || pkgs+=(openssh-client)
  command -v ip >/dev/null || pkgs+=(iproute2)
  command -v curl >/dev/null || pkgs+=(curl)
  [[ -x "$PG_VERSION_DIR/bin/postgres" ]] || pkgs+=(postgresql-15)
  [[ -x /usr/bin/redis-check-rdb ]] || pkgs+=(redis-server)
  [[ -x /usr/bin/redis-cli ]] || pkgs+=(redis-tools)
  ((${#pkgs[@]} == 0)) && return 0
  say "installing ${pkgs[*]}"
  # Package scripts would start the system dockerd, containerd, registry, redis and sshd;
  # forbid service starts meanwhile (a policy-rc.d already there is left as it is).
  local made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  local rc=0
  { apt-get -o DPkg::Lock::Timeout=300 update -qq >"$STATE/apt.log" 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
      "${pkgs[@]}" >>"$STATE/apt.log" 2>&1; } || rc=$?
  ((made_policy)) && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || die "apt-get install ${pkgs[*]} failed (exit $rc); see $STATE/apt.log"
  command -v docker >/dev/null || die "no docker CLI after installing docker.io"
}

account_is_ours() { [[ "$(getent passwd "$SSH_USER" | cut -d: -f5)" == "$ACCOUNT_COMMENT" ]]; }

ensure_user() {
  if ! id "$SSH_USER" >/dev/null 2>&1; then
    # Password field `*`: no password login, but not "locked" (sshd refuses locked accounts).
    useradd -m -s /bin/bash -p '*' -c "$ACCOUNT_COMMENT" "$SSH_USER" || die "useradd $SSH_USER failed"
    say "added user $SSH_USER"
  fi
}

# --- ssh keys ----------------------------------------------------------------------------------

ensure_keys() {
  local d="$STATE/ssh" h
  mkdir -p "$d"
  chmod 755 "$d"
  [[ -s "$d/client_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C opsdoc-lab-client -f "$d/client_ed25519"
  # The key dockeradmin itself uses for hops between the lab hosts (ssh from the manager to
  # the worker, as the runbooks do).
  [[ -s "$d/inner_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C "$SSH_USER@opsdoc-lab" -f "$d/inner_ed25519"
  for h in "${HOSTS[@]}"; do
    [[ -s "$d/host_ed25519_$h" ]] || ssh-keygen -q -t ed25519 -N '' -C "opsdoc-lab-$h" -f "$d/host_ed25519_$h"
  done
  # sshd reads AuthorizedKeysFile as the user: world-readable (it is public).
  cat "$d/client_ed25519.pub" "$d/inner_ed25519.pub" >"$d/authorized_keys"
  chmod 644 "$d/authorized_keys"
  {
    for h in "${HOSTS[@]}"; do printf '%s %s\n' "${HOST_IP[$h]}" "$(cut -d' ' -f1,2 "$d/host_ed25519_$h.pub")"; done
    for h in "${HOSTS[@]}"; do printf '%s %s\n' "$h" "$(cut -d' ' -f1,2 "$d/host_ed25519_$h.pub")"; done
  } >"$d/known_hosts"
  chmod 644 "$d/known_hosts"
  if account_is_ours; then
    local home
    home="$(getent passwd "$SSH_USER" | cut -d: -f6)"
    install -d -m 700 -o "$SSH_USER" -g "$SSH_USER" "$home/.ssh"
    install -m 600 -o "$SSH_USER" -g "$SSH_USER" "$d/inner_ed25519" "$home/.ssh/id_ed25519"
    install -m 644 -o "$SSH_USER" -g "$SSH_USER" "$d/inner_ed25519.pub" "$home/.ssh/id_ed25519.pub"
    install -m 644 -o "$SSH_USER" -g "$SSH_USER" "$d/known_hosts" "$home/.ssh/known_hosts"
  else
    say "note: user $SSH_USER was not made by the lab; its ~/.ssh is left alone (hops between lab hosts need a key there)"
  fi
}

# --- network namespaces ------------------------------------------------------------------------

ensure_net() {
  mkdir -p "$STATE/net"
  local route
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    route="$(ip -4 route show "$NET_PREFIX.0/24")"
    [[ -z "$route" ]] || die "$NET_PREFIX.0/24 is already routed ($route); the lab needs it"
    ip link add "$BRIDGE" type bridge
    say "bridge $BRIDGE created"
  fi
  ip -4 addr show dev "$BRIDGE" | grep -qF "$NET_PREFIX.1/24" || ip addr add "$NET_PREFIX.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # iproute2 bind-mounts /run/netns onto itself on the first `ip netns add`; down undoes that
  # only if the lab made it.
  if ! mountpoint -q /run/netns 2>/dev/null; then
    : >"$STATE/net/run-netns-made-by-lab"
  fi
  local h ip veth
  for h in "${HOSTS[@]}"; do
    ip="${HOST_IP[$h]}"
    veth="v$h"
    if ! netns_exists "$h"; then
      ip netns add "$h"
      say "namespace $h created"
    fi
    if ! ip link show "$veth" >/dev/null 2>&1; then
      ip -n "$h" link del eth0 >/dev/null 2>&1 || true
      ip link add "$veth" type veth peer name eth0 netns "$h"
      # A namespace made anew has a new MAC address: forget the old one.
      ip neigh flush to "$ip" dev "$BRIDGE" >/dev/null 2>&1 || true
    fi
    ip link set "$veth" master "$BRIDGE"
    ip link set "$veth" up
    ip -n "$h" link set lo up
    ip -n "$h" -4 addr show dev eth0 | grep -qF "$ip/24" || ip -n "$h" addr add "$ip/24" dev eth0
    ip -n "$h" link set eth0 up
    # Only the lab's own /24: no default route, nothing leaves the namespace.
    ip -n "$h" route del default >/dev/null 2>&1 || true
    [[ -d /etc/netns ]] || { mkdir /etc/netns && : >"$STATE/net/etc-netns-made-by-lab"; }
    mkdir -p "/etc/netns/$h"
    {
      printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
      printf '%s\tlab-host\n' "$NET_PREFIX.1"
      local o
      for o in "${HOSTS[@]}"; do printf '%s\t%s\n' "${HOST_IP[$o]}" "$o"; done
    } >"/etc/netns/$h/hosts"
  done
}

# --- sshd per host -------------------------------------------------------------------------------

write_sshd_config() {
  local h="$1"
  cat >"$STATE/ssh/sshd_$h.conf" <<EOF
# Private sshd of the lab host $h (network namespace $h): written by scripts/lab.sh.
ListenAddress ${HOST_IP[$h]}
Port $SSH_PORT
HostKey $STATE/ssh/host_ed25519_$h
PidFile $STATE/ssh/sshd_$h.pid
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
AllowTcpForwarding yes
LogLevel VERBOSE
MaxSessions 100
MaxStartups 100:30:200
AcceptEnv LANG LC_* OPSDOC_*
# Every session reaches the lab's one Docker Engine.
SetEnv DOCKER_HOST=unix://$SOCK
Subsystem sftp internal-sftp
EOF
}

start_sshd() {
  local h="$1" ip="${HOST_IP[$1]}"
  write_sshd_config "$h"
  if alive "$STATE/ssh/sshd_$h.pid" "sshd_$h.conf"; then
    say "sshd on $h ($ip:$SSH_PORT) already running (pid $(cat "$STATE/ssh/sshd_$h.pid"))"
    return
  fi
  port_open "$ip" "$SSH_PORT" && die "$ip:$SSH_PORT is already in use by a program that is not the lab's sshd"
  mkdir -p /run/sshd && chmod 755 /run/sshd # privilege separation dir that sshd insists on
  /usr/sbin/sshd -t -f "$STATE/ssh/sshd_$h.conf" || die "sshd config $STATE/ssh/sshd_$h.conf is invalid"
  # In the host's network namespace and a UTS namespace of its own (its hostname); sshd
  # daemonises and writes PidFile, which `down` kills.
  ip netns exec "$h" unshare --uts sh -c 'hostname "$1" && shift && exec "$@"' sh "$h" \
    /usr/sbin/sshd -f "$STATE/ssh/sshd_$h.conf" -E "$STATE/ssh/sshd_$h.log" 9>&-
  for _ in $(seq 1 100); do
    port_open "$ip" "$SSH_PORT" && break
    sleep 0.05
  done
  port_open "$ip" "$SSH_PORT" || die "sshd on $h did not listen on $ip:$SSH_PORT; see $STATE/ssh/sshd_$h.log"
  say "sshd on $h ($ip:$SSH_PORT) started (pid $(cat "$STATE/ssh/sshd_$h.pid"))"
}

# --- the Docker Engine ----------------------------------------------------------------------------

engine_answers() { [[ -S "$SOCK" ]] && dk version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start_dockerd() {
  local d="$STATE/docker"
  mkdir -p "$d/root" "$d/exec" "$STATE/run"
  chmod 755 "$STATE" "$STATE/run"
  # Our own (empty) config file, so /etc/docker/daemon.json of this machine is not read.
  printf '{\n  "log-driver": "json-file",\n  "log-opts": { "max-size": "10m" }\n}\n' >"$d/daemon.json"
  if alive "$d/dockerd.pid" "$d/daemon.json"; then
    engine_answers || die "dockerd (pid $(cat "$d/dockerd.pid")) runs but does not answer on $SOCK; see $d/dockerd.log"
    say "dockerd already running (pid $(cat "$d/dockerd.pid"))"
  else
    rm -f "$SOCK" "$d/dockerd.pid" # dockerd refuses to start over a pid file of a live process
    # A UTS namespace of its own, so the swarm node is named lab-worker (the NODE column of
    # `docker service ps`); the host's name stays as it is. dockerd starts its own containerd
    # (a child) under exec-root, in the containerd namespace $CTR_NS.
    setsid unshare --uts sh -c 'hostname "$1" && shift && exec "$@"' sh "$ENGINE_HOSTNAME" \
      /usr/sbin/dockerd --config-file "$d/daemon.json" \
      --data-root "$d/root" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
      -H "unix://$SOCK" --group "$SSH_USER" \
      --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none \
      --userland-proxy=false --storage-driver=vfs \
      --containerd-namespace "$CTR_NS" --containerd-plugins-namespace "$CTR_NS-plugins" \
      --cgroup-parent "$CTR_NS" \
      >"$d/dockerd.log" 2>&1 </dev/null 9>&- &
    local pid=$! # dockerd itself (setsid, unshare and sh exec into it); it writes the pid file
    for _ in $(seq 1 200); do
      engine_answers && break
      running "$pid" || die "dockerd exited; see $d/dockerd.log: $(tail -n 5 "$d/dockerd.log" | tr '\n' ' ')"
      sleep 0.1
    done
    engine_answers || die "dockerd did not answer on $SOCK within 20 s; see $d/dockerd.log"
    say "dockerd started (pid $(cat "$d/dockerd.pid"), DOCKER_HOST=unix://$SOCK)"
  fi
  # The socket is root-equivalent: root and the dockeradmin group only.
  chgrp "$SSH_USER" "$SOCK" && chmod 660 "$SOCK"
}

ensure_swarm() {
  local st
  st="$(dk info --format '{{.Swarm.LocalNodeState}}')"
  if [[ "$st" == active ]]; then
    say "swarm already active (node $(dk info --format '{{.Name}}'))"
  else
    [[ "$st" == inactive ]] || dk swarm leave --force >/dev/null 2>&1 || true
    local p
    for p in "$SWARM_PORT" "$GOSSIP_PORT"; do
      port_open 127.0.0.1 "$p" && die "127.0.0.1:$p is in use by another program; swarm mode needs it"
    done
    # Swarm init wants docker_gwbridge; made here on the lab's own subnet, without masquerade.
    dk network inspect docker_gwbridge >/dev/null 2>&1 ||
      dk network create --driver bridge --subnet "$GW_SUBNET" \
        --opt com.docker.network.bridge.name="$GW_IFACE" \
        --opt com.docker.network.bridge.enable_icc=false \
        --opt com.docker.network.bridge.enable_ip_masquerade=false \
        --opt com.docker.network.driver.mtu=1500 docker_gwbridge >/dev/null
    dk swarm init --advertise-addr 127.0.0.1 --listen-addr "127.0.0.1:$SWARM_PORT" \
      --data-path-addr 127.0.0.1 >/dev/null || die "docker swarm init failed; see $STATE/docker/dockerd.log"
    say "swarm initialised (one node, $(dk info --format '{{.Name}}'), manager on 127.0.0.1:$SWARM_PORT)"
  fi
  # The routing mesh (ingress overlay) opens a VXLAN socket on 0.0.0.0:4789; the lab publishes
  # no ports, so it goes. Its sandbox is set up a moment after init: removing the network
  # before that leaves Docker to set it up anyway (and make a docker_gwbridge of its own).
  if dk network inspect ingress >/dev/null 2>&1; then
    for _ in $(seq 1 100); do
      [[ -e "$STATE/docker/exec/netns/ingress_sbox" ]] && break
      sleep 0.1
    done
    echo y | dk network rm ingress >/dev/null 2>&1 || die "could not remove the ingress network"
    say "removed the ingress network (routing mesh)"
  fi
  # docker_gwbridge stays: the lab's own (no masquerade, no members), so Docker never makes
  # one on 172.17.0.0/16.
}

# --- images (from local root filesystems only) ---------------------------------------------------

# The cache key: this script (which holds the image recipes) and the packages the images are
# made of.
image_hash() {
  {
    md5sum "$SELF"
    dpkg-query -W -f '${Package} ${Version}\n' busybox-static postgresql-15 redis-server redis-tools 2>/dev/null
  } | md5sum | cut -c1-12
}

# A busybox root filesystem: /bin/busybox and a link per applet, /etc/passwd, /tmp.
base_rootfs() {
  local r="$1" a
  rm -rf "$r" && mkdir -p "$r"/{bin,etc,root,proc,sys,dev,tmp,var/tmp,usr/bin,usr/local/bin}
  chmod 1777 "$r/tmp" "$r/var/tmp"
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list); do [[ -e "$r/bin/$a" ]] || ln -s busybox "$r/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  printf 'hosts: files dns\npasswd: files\ngroup: files\n' >"$r/etc/nsswitch.conf"
}

# Copies ELF files (keeping their paths) and every library ldd finds for them.
copy_with_libs() {
  local r="$1" f lib
  shift
  # (cp --parents is run from / with relative paths: with -a and absolute ones it fails to
  # set the made directories' attributes.)
  for f in "$@"; do (cd / && cp -a --parents "${f#/}" "$r/"); done
  for f in "$@"; do
    [[ -L "$f" ]] && continue
    ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }' || true # not all are ELF
  done | sort -u | while read -r lib; do
    [[ -e "$r$lib" ]] || (cd / && cp -L --parents "${lib#/}" "$r/")
  done
  printf '/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n' >"$r/etc/ld.so.conf"
  ldconfig -r "$r" 2>/dev/null || true
}

# import_rootfs DIR IMAGE CHANGE...: a root filesystem becomes an image.
import_rootfs() {
  local r="$1" image="$2" args=() c
  shift 2
  for c in "$@"; do args+=(--change "$c"); done
  tar --numeric-owner -C "$r" -c . | dk import "${args[@]}" - "$image" >/dev/null
  rm -rf "$r"
}

build_backend_image() {
  local r="$STATE/build/backend" commit="$1"
  base_rootfs "$r"
  mkdir -p "$r/app" "$r/var/lib/maplefile"
  write_backend_script >"$r/app/maplefile-backend"
  chmod 755 "$r/app/maplefile-backend"
  import_rootfs "$r" "$BACKEND_IMAGE" \
    'WORKDIR /app' \
    "ENV GIT_COMMIT=$commit" \
    'ENV DATABASE_HOSTS=cassandra-1,cassandra-2,cassandra-3' \
    'ENV DATABASE_KEYSPACE=maplefile' \
    'ENV DATABASE_AUTO_MIGRATE=true' \
    'CMD ["./maplefile-backend", "serve"]'
}

build_postgres_image() {
  local r="$STATE/build/postgres" f elfs=()
  base_rootfs "$r"
  printf 'postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n' >>"$r/etc/passwd"
  printf 'postgres:x:999:\n' >>"$r/etc/group"
  for f in "$PG_VERSION_DIR"/bin/*; do elfs+=("$f"); done
  while IFS= read -r f; do elfs+=("$f"); done < <(find "$PG_VERSION_DIR/lib" -maxdepth 1 -name '*.so' ! -name 'llvmjit*')
  copy_with_libs "$r" "${elfs[@]}"
  (cd / && cp -a --parents usr/share/postgresql/15 usr/share/zoneinfo "$r/")
  rm -rf "$r/usr/share/postgresql/15/man"
  mkdir -p "$r/var/lib/postgresql/data" "$r/var/run/postgresql"
  chown -R 999:999 "$r/var/lib/postgresql" "$r/var/run/postgresql"
  chmod 700 "$r/var/lib/postgresql/data"
  chmod 2775 "$r/var/run/postgresql"
  write_postgres_entrypoint >"$r/usr/local/bin/docker-entrypoint.sh"
  chmod 755 "$r/usr/local/bin/docker-entrypoint.sh"
  import_rootfs "$r" "$PG_IMAGE" \
    "ENV PATH=$PG_VERSION_DIR/bin:/usr/local/bin:/usr/bin:/bin" \
    'ENV PGDATA=/var/lib/postgresql/data' \
    'ENV TZ=UTC' \
    'USER postgres' \
    'WORKDIR /var/lib/postgresql' \
    'CMD ["/usr/local/bin/docker-entrypoint.sh"]'
}

build_redis_image() {
  local r="$STATE/build/redis"
  base_rootfs "$r"
  printf 'redis:x:999:999:Redis:/data:/bin/sh\n' >>"$r/etc/passwd"
  printf 'redis:x:999:\n' >>"$r/etc/group"
  copy_with_libs "$r" /usr/bin/redis-check-rdb /usr/bin/redis-cli
  # Debian's redis-server is a link to redis-check-rdb: the binary acts on its argv[0].
  ln -sf redis-check-rdb "$r/usr/bin/redis-server"
  mkdir -p "$r/data"
  chown 999:999 "$r/data"
  import_rootfs "$r" "$REDIS_IMAGE" \
    'USER redis' \
    'WORKDIR /data' \
    'CMD ["redis-server", "--dir", "/data"]'
}

# ensure_image IMAGE NAME BUILDER: present in the engine, else loaded from the cache, else
# built and then cached.
ensure_image() {
  local image="$1" name="$2" builder="$3" hash tar
  hash="$(image_hash)"
  if dk image inspect "$image" >/dev/null 2>&1; then
    say "image $image present"
    return
  fi
  mkdir -p "$CACHE/images"
  tar="$CACHE/images/$name-$hash.tar"
  if [[ -s "$tar" ]] && dk load -q -i "$tar" >/dev/null 2>&1 && dk image inspect "$image" >/dev/null 2>&1; then
    say "image $image loaded from the cache ($tar)"
    return
  fi
  "$builder" "${hash:0:7}"
  rm -f "$CACHE/images/$name-"*.tar
  dk save -o "$tar.tmp" "$image" && mv "$tar.tmp" "$tar"
  say "image $image built from a local root filesystem (cached as $tar)"
}

# --- the registry --------------------------------------------------------------------------------

registry_has_backend() {
  curl -fsS --max-time 5 "http://$REGISTRY_ADDR/v2/maplefile-backend/tags/list" 2>/dev/null | grep -q '"prod"'
}

start_registry() {
  local d="$STATE/registry"
  mkdir -p "$d/data"
  if [[ ! -s "$d/config.yml" ]]; then
    cat >"$d/config.yml" <<EOF
# Private registry of the lab: written by scripts/lab.sh.
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $d/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
  secret: $(head -c 16 /dev/urandom | md5sum | cut -c1-32)
EOF
  fi
  if alive "$d/registry.pid" "$d/config.yml"; then
    say "registry on $REGISTRY_ADDR already running (pid $(cat "$d/registry.pid"))"
  else
    port_open "${REGISTRY_ADDR%:*}" "${REGISTRY_ADDR#*:}" && die "$REGISTRY_ADDR is in use by another program (not the lab's registry)"
    setsid /usr/bin/docker-registry serve "$d/config.yml" >"$d/registry.log" 2>&1 </dev/null 9>&- &
    echo $! >"$d/registry.pid"
    for _ in $(seq 1 100); do
      curl -fsS --max-time 2 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && break
      sleep 0.1
    done
    curl -fsS --max-time 2 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 || die "the registry did not answer on $REGISTRY_ADDR; see $d/registry.log"
    say "registry on $REGISTRY_ADDR started (pid $(cat "$d/registry.pid"))"
  fi
  if registry_has_backend; then
    say "registry already holds $BACKEND_IMAGE"
  else
    # Loopback registries are plain HTTP for Docker without any insecure-registries setting.
    dk push -q "$BACKEND_IMAGE" >"$d/push.log" 2>&1 || die "docker push $BACKEND_IMAGE failed; see $d/push.log"
    registry_has_backend || die "pushed $BACKEND_IMAGE but the registry does not list it"
    say "pushed $BACKEND_IMAGE"
  fi
}

# --- the backend service and the database containers ----------------------------------------------

backend_task_running() {
  dk service ps "$SERVICE" --filter desired-state=running --format '{{.CurrentState}}' 2>/dev/null | grep -q '^Running' &&
    [[ -n "$(dk ps --filter "name=maplefile.*backend" -q)" ]]
}

ensure_service() {
  if dk service inspect "$SERVICE" >/dev/null 2>&1; then
    if backend_task_running; then
      say "service $SERVICE already running"
      return
    fi
    say "service $SERVICE exists; waiting for its task"
  else
    # DATABASE_AUTO_MIGRATE=false: a new task starts with no migration applied, so
    # `migrate up` has something to do (the image's default, like the stack file's, is true).
    dk service create --detach --no-resolve-image --name "$SERVICE" \
      --env DATABASE_AUTO_MIGRATE=false --stop-grace-period 5s \
      --label opsdoc.lab=1 "$BACKEND_IMAGE" >/dev/null || die "docker service create $SERVICE failed"
    say "service $SERVICE created"
  fi
  for _ in $(seq 1 300); do
    backend_task_running && break
    sleep 0.2
  done
  backend_task_running || die "service $SERVICE has no running task: $(dk service ps "$SERVICE" --no-trunc --format '{{.CurrentState}} {{.Error}}' | head -3 | tr '\n' ' ')"
  say "service $SERVICE running ($(dk ps --filter "name=maplefile.*backend" --format '{{.Names}}' | head -1))"
}

secret() {
  local f="$STATE/secrets/$1"
  mkdir -p "$STATE/secrets" && chmod 700 "$STATE/secrets"
  [[ -s "$f" ]] || { head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$f"; chmod 600 "$f"; }
  cat "$f"
}

# ensure_container NAME READY-CHECK RUN-ARGS...: running, or started, or created.
ensure_container() {
  local name="$1" ready="$2" running
  shift 2
  running="$(dk inspect -f '{{.State.Running}}' "$name" 2>/dev/null || true)"
  if [[ "$running" == true ]] && "$ready"; then
    say "container $name already running"
    return
  fi
  if [[ "$running" == false ]]; then
    dk start "$name" >/dev/null || die "docker start $name failed"
  elif [[ -z "$running" ]]; then
    # No network but its own loopback: reached with `docker exec`, as the runbooks do.
    dk run -d --name "$name" --hostname "$name" --network none --label opsdoc.lab=1 "$@" >/dev/null ||
      die "docker run $name failed"
  fi
  for _ in $(seq 1 300); do
    "$ready" && break
    sleep 0.2
  done
  "$ready" || die "container $name did not get ready: $(dk logs --tail 10 "$name" 2>&1 | tr '\n' ' ')"
  say "container $name running"
}

pg_ready() { dk exec "$PG_CONTAINER" psql -U amanat -d amanat_dev -XAtqc 'select 1' >/dev/null 2>&1; }
redis_ready() { [[ "$(dk exec "$REDIS_CONTAINER" redis-cli --no-auth-warning -a "$(secret redis_password)" ping 2>/dev/null)" == PONG ]]; }

ensure_databases() {
  ensure_container "$PG_CONTAINER" pg_ready \
    -e POSTGRES_USER=amanat -e POSTGRES_DB=amanat_dev -e "POSTGRES_PASSWORD=$(secret pg_password)" "$PG_IMAGE"
  ensure_container "$REDIS_CONTAINER" redis_ready \
    "$REDIS_IMAGE" redis-server --dir /data --requirepass "$(secret redis_password)"
}

# --- env file ----------------------------------------------------------------------------------

write_env() {
  cat >"$STATE/lab.env.tmp" <<EOF
# Written by scripts/lab.sh up; removed by down. Source it: . .cache/lab/lab.env
export OPSDOC_LAB_DIR='$STATE'
export OPSDOC_LAB_MANAGER_IP='${HOST_IP[lab-manager]}'
export OPSDOC_LAB_WORKER_IP='${HOST_IP[lab-worker]}'
export OPSDOC_LAB_DB_IP='${HOST_IP[lab-db]}'
export OPSDOC_LAB_SSH_PORT='$SSH_PORT'
export OPSDOC_LAB_SSH_USER='$SSH_USER'
export OPSDOC_LAB_SSH_KEY='$STATE/ssh/client_ed25519'
export OPSDOC_LAB_KNOWN_HOSTS='$STATE/ssh/known_hosts'
export OPSDOC_LAB_REGISTRY='$REGISTRY_ADDR'
export OPSDOC_LAB_BACKEND_IMAGE='$BACKEND_IMAGE'
export OPSDOC_LAB_PG_PASSWORD='$(secret pg_password)'
export OPSDOC_LAB_REDIS_PASSWORD='$(secret redis_password)'
export OPSDOC_LAB_DOCKER_HOST='unix://$SOCK'
export DOCKER_HOST='unix://$SOCK'
EOF
  chmod 600 "$STATE/lab.env.tmp"
  mv "$STATE/lab.env.tmp" "$STATE/lab.env"
  mkdir -p "$CACHE"
  install -m 600 "$STATE/lab.env" "$CACHE/lab.env"
}

up() {
  [[ $EUID -eq 0 ]] || die "run as root (it installs packages, adds a user, makes network namespaces)"
  local t0
  t0="$(date +%s.%N)"
  mkdir -p "$STATE"
  chmod 755 "$STATE"
  install_missing
  ensure_user
  ensure_keys
  ensure_net
  local h
  for h in "${HOSTS[@]}"; do start_sshd "$h"; done
  start_dockerd
  ensure_image "$BACKEND_IMAGE" maplefile-backend build_backend_image
  ensure_image "$PG_IMAGE" postgres build_postgres_image
  ensure_image "$REDIS_IMAGE" redis build_redis_image
  rm -rf "$STATE/build"
  ensure_swarm
  start_registry
  ensure_service
  ensure_databases
  write_env
  say "ready: . $CACHE/lab.env   (ssh -i \$OPSDOC_LAB_SSH_KEY -o UserKnownHostsFile=\$OPSDOC_LAB_KNOWN_HOSTS $SSH_USER@${HOST_IP[lab-manager]})"
  say "up took $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }')"
}

# --- down ----------------------------------------------------------------------------------------

stop_pid() {
  local pidfile="$1" marker="$2" what="$3" pid
  if alive "$pidfile" "$marker"; then
    pid="$(head -n1 "$pidfile")"
    kill "$pid"
    for _ in $(seq 1 300); do running "$pid" || break; sleep 0.05; done
    running "$pid" && kill -9 "$pid"
    say "stopped $what (pid $pid)"
  fi
  rm -f "$pidfile"
}

# Pids whose command line mentions $1 (a path only the lab's processes carry).
pids_mentioning() {
  local p
  for p in /proc/[0-9]*; do
    [[ -r "$p/cmdline" ]] || continue
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$1" && echo "${p#/proc/}"
  done
  return 0
}

down() {
  [[ $EUID -eq 0 ]] || die "run as root"
  case "$(basename "$STATE")" in opsdoc-lab*) ;; *) die "refusing to remove $STATE (its name does not start with opsdoc-lab)" ;; esac
  rm -f "$CACHE/lab.env" "$STATE/lab.env"
  local d="$STATE/docker" pid
  if alive "$d/dockerd.pid" "$d/daemon.json" && engine_answers; then
    dk service rm "$SERVICE" >/dev/null 2>&1 && say "removed service $SERVICE" || true
    # The engine is the lab's own: every container on it is the lab's.
    local ids=()
    mapfile -t ids < <(dk ps -aq)
    ((${#ids[@]} == 0)) || { dk rm -f "${ids[@]}" >/dev/null 2>&1 || true; say "removed ${#ids[@]} containers"; }
    dk swarm leave --force >/dev/null 2>&1 && say "left the swarm" || true
    # The engine's bridge networks (docker_gwbridge) keep their interfaces after it stops.
    local net
    for net in $(dk network ls --filter driver=bridge -q); do
      dk network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' "$net" 2>/dev/null
    done >"$STATE/net/engine-bridges" || true
  fi
  stop_pid "$d/dockerd.pid" "$d/daemon.json" "dockerd"
  local br
  while read -r br; do
    [[ -n "$br" ]] && ip link show "$br" >/dev/null 2>&1 && ip link del "$br" && say "removed the engine's bridge $br"
  done < <(cat "$STATE/net/engine-bridges" 2>/dev/null; echo "$GW_IFACE")
  # containerd and its shims are dockerd's children and stop with it; any left (dockerd
  # killed hard) carry the lab's exec-root in their command line.
  for pid in $(pids_mentioning "$d/exec/"); do
    kill "$pid" 2>/dev/null && say "stopped leftover $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-40) (pid $pid)" || true
  done
  stop_pid "$STATE/registry/registry.pid" "$STATE/registry/config.yml" "registry"
  local h
  for h in "${HOSTS[@]}"; do
    stop_pid "$STATE/ssh/sshd_$h.pid" "sshd_$h.conf" "sshd on $h"
  done
  # Whatever still runs inside a lab namespace (ssh sessions, their shells) was started by the
  # lab's sshd.
  for h in "${HOSTS[@]}"; do
    netns_exists "$h" || continue
    for pid in $(ip netns pids "$h" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 40); do [[ -z "$(ip netns pids "$h" 2>/dev/null)" ]] && break; sleep 0.05; done
    for pid in $(ip netns pids "$h" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$h" && say "removed namespace $h (and its veth)"
    rm -rf "/etc/netns/$h"
  done
  for h in "${HOSTS[@]}"; do ip link del "v$h" >/dev/null 2>&1 || true; done
  ip link del "$BRIDGE" >/dev/null 2>&1 && say "removed bridge $BRIDGE" || true
  [[ -e "$STATE/net/etc-netns-made-by-lab" ]] && rmdir /etc/netns 2>/dev/null || true
  if [[ -e "$STATE/net/run-netns-made-by-lab" ]] && mountpoint -q /run/netns 2>/dev/null &&
    [[ -z "$(ls -A /run/netns 2>/dev/null)" ]]; then
    umount /run/netns && rmdir /run/netns 2>/dev/null || true
  fi
  # Mounts under the state dir (dockerd bind-mounts its data-root; it undoes that when it
  # stops, this is for a dockerd that was killed hard).
  local m
  while read -r m; do
    [[ -n "$m" ]] && { umount "$m" 2>/dev/null || umount -l "$m"; }
  done < <(awk -v s="$STATE/" 'index($5, s) == 1 || $5 == substr(s, 1, length(s) - 1) { print $5 }' /proc/self/mountinfo | sort -r)
  local c
  for c in /sys/fs/cgroup/*/"$CTR_NS" /sys/fs/cgroup/"$CTR_NS"; do [[ -d "$c" ]] && rmdir "$c" 2>/dev/null || true; done
  if account_is_ours; then
    local home
    home="$(getent passwd "$SSH_USER" | cut -d: -f6)"
    rm -f "$home/.ssh/id_ed25519" "$home/.ssh/id_ed25519.pub" "$home/.ssh/known_hosts"
  fi
  rm -rf "$STATE"
  say "down (the user $SSH_USER and the image cache $CACHE/images stay)"
}

# --- status --------------------------------------------------------------------------------------

status() {
  local rc=0 h pid
  for h in "${HOSTS[@]}"; do
    if alive "$STATE/ssh/sshd_$h.pid" "sshd_$h.conf"; then
      pid="$(cat "$STATE/ssh/sshd_$h.pid")"
      say "host $h ${HOST_IP[$h]}: sshd running (pid $pid, hostname $(nsenter -t "$pid" -u hostname))"
    else
      say "host $h ${HOST_IP[$h]}: $(netns_exists "$h" && echo 'namespace up, ' || echo 'no namespace, ')sshd down"
      rc=1
    fi
  done
  if alive "$STATE/docker/dockerd.pid" "$STATE/docker/daemon.json" && engine_answers; then
    say "dockerd running (pid $(cat "$STATE/docker/dockerd.pid")), swarm $(dk info --format '{{.Swarm.LocalNodeState}}'), node $(dk info --format '{{.Name}}')"
    if backend_task_running; then
      say "service $SERVICE: $(dk service ps "$SERVICE" --filter desired-state=running --format '{{.Name}} on {{.Node}}: {{.CurrentState}}' | head -1)"
    else
      say "service $SERVICE: no running task"
      rc=1
    fi
    local c
    for c in "$PG_CONTAINER" "$REDIS_CONTAINER"; do
      say "container $c: $(dk inspect -f '{{.State.Status}}' "$c" 2>/dev/null || echo missing)"
    done
  else
    say "dockerd down"
    rc=1
  fi
  if alive "$STATE/registry/registry.pid" "$STATE/registry/config.yml"; then
    say "registry on $REGISTRY_ADDR running (pid $(cat "$STATE/registry/registry.pid"))$(registry_has_backend && echo ", holds $BACKEND_IMAGE")"
  else
    say "registry down"
    rc=1
  fi
  [[ -s "$STATE/lab.env" ]] && say "env: $CACHE/lab.env" || say "lab.env missing"
  return $rc
}

# --- what goes into the images -------------------------------------------------------------------

write_backend_script() {
  cat <<'SCRIPT'
#!/bin/sh
# maplefile-backend: a stand-in for the MapleFile backend binary, made by Opsdoc's lab
# (scripts/lab.sh). There is no Cassandra here: `migrate` tracks the schema version in a file
# inside the container the way golang-migrate tracks it in the database, with the same
# commands, messages of the same shape and a non-zero exit on errors.
set -u

PROG=maplefile-backend
MAX_VERSION=24
STATE_DIR=${MAPLEFILE_STATE_DIR:-/var/lib/maplefile}
VERSION_FILE=$STATE_DIR/schema_version
NAMES="create_sessions create_users_by_id create_users_by_email create_users_by_verification_code
create_collections_by_id create_collections_by_user create_collection_members create_files_by_id
create_files_by_collection create_files_by_owner create_file_versions create_storage_daily_usage
create_storage_usage_events create_user_blocks create_tags create_tags_by_user
create_collection_tags create_file_tags create_share_links create_share_links_by_file
create_audit_log create_notifications create_api_keys create_sync_cursors"

usage() {
  cat <<EOF
MapleFile backend (Opsdoc lab stand-in)

Usage:
  $PROG [command]

Available Commands:
  serve                 Start the backend server (what the container runs)
  migrate up [N]        Apply all pending migrations, or the next N
  migrate down [N]      Roll back the last migration (or the last N)
  migrate version       Print the current schema version
  migrate force V       Set the schema version to V and clear the dirty flag (-1: none)
  version               Print the build version

Flags:
  -h, --help   help for $PROG

Migrations: 001-$MAX_VERSION, state in $VERSION_FILE.
EOF
}

err() { printf 'error: %s\n' "$*" >&2; }

name_of() {
  n=$1
  set -- $NAMES
  shift $((n - 1))
  printf '%s' "$1"
}

# Sets CUR (-1 when no migration was ever applied) and DIRTY (true|false).
read_state() {
  CUR=-1
  DIRTY=false
  [ -s "$VERSION_FILE" ] || return 0
  read -r CUR DIRTY <"$VERSION_FILE" || true
  [ "${DIRTY:-}" = dirty ] && DIRTY=true || DIRTY=false
  case $CUR in '' | *[!0-9-]*) err "corrupt state file $VERSION_FILE"; exit 1 ;; esac
}

write_state() {
  mkdir -p "$STATE_DIR"
  if [ "$1" -lt 0 ]; then
    rm -f "$VERSION_FILE"
  else
    printf '%s %s\n' "$1" "$2" >"$VERSION_FILE.tmp" && mv "$VERSION_FILE.tmp" "$VERSION_FILE"
  fi
}

is_int() { case $1 in '' | -) return 1 ;; -*) case ${1#-} in *[!0-9]*) return 1 ;; esac ;; *[!0-9]*) return 1 ;; esac; return 0; }

refuse_dirty() {
  if [ "$DIRTY" = true ]; then
    err "Dirty database version $CUR. Fix and force version."
    exit 1
  fi
}

migrate_up() {
  read_state
  refuse_dirty
  target=$MAX_VERSION
  if [ $# -gt 0 ]; then
    is_int "$1" && [ "$1" -gt 0 ] || { err "up: N must be a positive number, got '$1'"; exit 1; }
    target=$((CUR < 0 ? $1 : CUR + $1))
    [ "$target" -gt "$MAX_VERSION" ] && target=$MAX_VERSION
  fi
  if [ "$CUR" -ge "$target" ]; then
    echo "no change"
    return 0
  fi
  v=$((CUR < 0 ? 1 : CUR + 1))
  while [ "$v" -le "$target" ]; do
    if [ "${MIGRATE_FAIL_AT:-}" = "$v" ]; then
      write_state "$v" dirty
      err "migration failed in line 0: $(printf '%03d' "$v")_$(name_of "$v").up.cql (MIGRATE_FAIL_AT=$v), version $v is now dirty"
      exit 1
    fi
    write_state "$v" clean
    printf '%d/u %s\n' "$v" "$(name_of "$v")"
    v=$((v + 1))
  done
}

migrate_down() {
  read_state
  refuse_dirty
  n=1
  if [ $# -gt 0 ]; then
    is_int "$1" && [ "$1" -gt 0 ] || { err "down: N must be a positive number, got '$1'"; exit 1; }
    n=$1
  fi
  if [ "$CUR" -lt 1 ]; then
    echo "no change"
    return 0
  fi
  while [ "$n" -gt 0 ] && [ "$CUR" -ge 1 ]; do
    printf '%d/d %s\n' "$CUR" "$(name_of "$CUR")"
    CUR=$((CUR - 1))
    if [ "$CUR" -eq 0 ]; then write_state -1 clean; else write_state "$CUR" clean; fi
    n=$((n - 1))
  done
}

migrate_version() {
  read_state
  if [ "$CUR" -lt 0 ]; then
    err "no migration"
    exit 1
  fi
  if [ "$DIRTY" = true ]; then echo "$CUR (dirty)"; else echo "$CUR"; fi
}

migrate_force() {
  [ $# -eq 1 ] || { err "force: exactly one version expected (usage: $PROG migrate force V)"; exit 1; }
  is_int "$1" || { err "force: version must be a number, got '$1'"; exit 1; }
  if [ "$1" -lt -1 ] || [ "$1" -gt "$MAX_VERSION" ]; then
    err "force: version $1 is out of range (-1..$MAX_VERSION)"
    exit 1
  fi
  write_state "$1" clean
  if [ "$1" -lt 0 ]; then echo "forced: no migration applied"; else echo "forced version $1"; fi
}

serve() {
  echo "🚀 MapleFile backend starting (Opsdoc lab stand-in)"
  echo "📝 Git Commit: ${GIT_COMMIT:-unknown}"
  echo "🗄️  Cassandra hosts: ${DATABASE_HOSTS:-unset}, keyspace: ${DATABASE_KEYSPACE:-unset}"
  if [ "${DATABASE_AUTO_MIGRATE:-true}" = true ]; then
    echo "Running database migrations (DATABASE_AUTO_MIGRATE=true)"
    "$0" migrate up || echo "ERROR: auto-migration failed"
  else
    echo "Auto-migration disabled (DATABASE_AUTO_MIGRATE=${DATABASE_AUTO_MIGRATE})"
  fi
  echo "✅ Backend ready (stand-in: no HTTP server)"
  trap 'echo "Shutting down"; exit 0' TERM INT
  while :; do
    sleep 3600 &
    wait $!
  done
}

case ${1:-} in
  -h | --help | help) usage ;;
  version | --version) echo "$PROG (lab stand-in) commit ${GIT_COMMIT:-unknown}" ;;
  serve) serve ;;
  migrate)
    shift
    sub=${1:-}
    [ $# -gt 0 ] && shift
    case $sub in
      up) migrate_up "$@" ;;
      down) migrate_down "$@" ;;
      version) migrate_version ;;
      force) migrate_force "$@" ;;
      -h | --help | '') usage ;;
      *) err "unknown migrate command \"$sub\" (up, down, version, force)"; exit 2 ;;
    esac
    ;;
  '') usage; exit 1 ;;
  *)
    printf 'Error: unknown command "%s" for "%s"\nRun '"'"'%s --help'"'"' for usage.\n' "$1" "$PROG" "$PROG" >&2
    exit 1
    ;;
esac
SCRIPT
}

write_postgres_entrypoint() {
  cat <<'SCRIPT'
#!/bin/sh
# Entry point of the lab's PostgreSQL image (the host's PostgreSQL 15 binaries): on an empty
# data dir it runs initdb with POSTGRES_USER / POSTGRES_PASSWORD and creates POSTGRES_DB, the
# way the official image does; then it runs the server in the foreground.
set -eu
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
PGDATA=${PGDATA:-/var/lib/postgresql/data}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo "error: POSTGRES_PASSWORD is not set" >&2; exit 1; }
  pw=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pw" -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256
  rm -f "$pw"
  printf "listen_addresses = '*'\njit = off\n" >>"$PGDATA/postgresql.conf"
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  # A private socket while setting up, so nobody mistakes this server for the real one.
  mkdir -p /tmp/pginit
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -k /tmp/pginit" start
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -h /tmp/pginit -X -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop
fi
exec postgres -D "$PGDATA"
SCRIPT
}

cmd="${1:-}"
case "$cmd" in
  up | down)
    # Two runs at once must not race on the same pid files.
    exec 9>"$LOCK"
    flock 9
    "$cmd"
    [[ "$cmd" == up ]] || rm -f "$LOCK"
    ;;
  status) status ;;
  *) die "usage: scripts/lab.sh up|down|status" ;;
esac
