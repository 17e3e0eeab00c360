/**
 * The container transport: a process inside a container is the engine's CLI (`docker exec`,
 * `podman exec`, `kubectl exec`) run through a parent transport. With a local parent that is
 * this machine's CLI; with an SSH parent it is the CLI on the remote host, over the same SSH
 * connection, which is the chain "ssh to the manager, then docker exec into the backend".
 *
 * No engine API client on purpose: the CLI already knows the user's contexts, sockets
 * (DOCKER_HOST, podman's socket), kubeconfig and credentials on whatever host it runs on, and
 * runbooks say `docker exec` too, so the same path is exercised.
 */
import { randomBytes } from 'node:crypto';
import type { ContainerTarget as ProfileContainerTarget } from '../core/profiles';
import type { Channel, ExecOptions, Transport } from './transport';
import { RelayedChannel, runThrough as run, type Signal } from './relayed';

/** Which container, and how to reach it: a profile's container target without `type` and `via` (the parent transport is `via`). */
export type ContainerTarget = Omit<ProfileContainerTarget, 'type' | 'via'>;

/** The transport returned by {@link containerTransport}. */
export interface ContainerTransport extends Transport {
  /** The shell to start inside (the target's `shell`, default `sh`). */
  readonly shell: string;
}

/**
 * A transport into a container through `parent`. Nothing runs until `exec`: then, for a
 * `filter`, `ENGINE ps --filter F -q` runs through the parent first (every exec, so a
 * container replaced since the last session is found again) and the first id is used; no
 * match is an error naming the filter and where it ran. Then the exec itself:
 *
 *     docker exec -i [-t] [-u USER] [-w CWD] [-e K=V]... NAME ARGV...
 *     kubectl exec -i [-t] [-n NS] [--context C] [-c CONTAINER] pod/NAME|deploy/NAME -- [sh -c 'cd ..' sh] [env K=V] ARGV...
 *
 * `-t` (and a pty from the parent, which docker needs for `-t`) when `pty` is asked.
 *
 * Signals and ending: on a pty, `interrupt()` writes Ctrl-C, which the CLI relays into the
 * container's pty, whose line discipline signals the foreground process group there.
 * Without a pty a signal to the CLI would NOT reach the process inside (`docker exec` and
 * `kubectl exec` forward no signals; killing the CLI leaves the process running). And with
 * or without a pty, ending the CLI does not end the process inside: a pty never sees EOF,
 * and a process that does not read stdin never notices. So every exec runs as
 * `sh -c 'echo <marker><pid>; exec "$@"' sh ARGV...`: that line (on stderr, or on the pty's
 * output; removed from what the caller reads) tells the pid inside the container, where the
 * exec'd process leads its own process group. Without a pty `interrupt()` / `terminate()`
 * run `ENGINE exec NAME kill -INT|-TERM -<pid>` through the parent, which reaches the running
 * command the way a local SIGINT to the process group does; `close()` sends SIGHUP to that
 * group (what a closing terminal sends) before closing the CLI. This needs a `sh` in the
 * container (any session needs one anyway).
 *
 * The container transport owns its parent: `close()` closes the parent too (one call
 * releases the whole chain, e.g. the SSH connection under it).
 */
export function containerTransport(target: ContainerTarget, parent: Transport): ContainerTransport {
  const engine = target.engine;
  const via = parent.description === 'local' ? '' : ` (via ${parent.description})`;
  const description = `${engine} exec ${describeSelector(target)}${via}`;

  const resolveName = async (): Promise<string> => {
    if (engine === 'kubectl') {
      if (target.pod) return `pod/${target.pod}`;
      if (target.deployment) return `deploy/${target.deployment}`;
      throw new Error(`${description}: kubectl needs "pod" or "deployment"`);
    }
    if (target.container) return target.container;
    if (!target.filter) throw new Error(`${description}: ${engine} needs "container" or "filter"`);
    const argv = [engine, 'ps', '--filter', target.filter, '-q'];
    const { code, stdout, stderr } = await run(parent, argv);
    const id = stdout.split(/\s+/).find(Boolean);
    if (code !== 0) throw new Error(`${description}: \`${argv.join(' ')}\` failed (exit ${code ?? 'none'})${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
    if (!id) throw new Error(`${description}: no running container matches --filter ${target.filter}`);
    return id;
  };

  return {
    description,
    shell: target.shell ?? 'sh',
    async exec(argv: readonly string[], options: ExecOptions = {}): Promise<Channel> {
      if (argv.length === 0 || argv[0] === '') throw new Error(`${description}: empty argv`);
      const name = await resolveName();
      const cwd = options.cwd ?? target.cwd;
      const env = Object.entries(options.env ?? {});
      const pty = Boolean(options.pty);
      const marker = `OPSDOCPID${randomBytes(6).toString('hex')}:`;
      let inner = ['sh', '-c', `echo "${marker}$$"${pty ? '' : ' >&2'}; exec "$@"`, 'sh', ...argv];
      let full: string[];
      if (engine === 'kubectl') {
        // kubectl exec has no -w / -e: the same through sh and env inside the container.
        if (env.length > 0) inner = ['env', ...env.map(([k, v]) => `${k}=${v}`), ...inner];
        if (cwd) inner = ['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', cwd, ...inner];
        full = [...kubectlPrefix(pty), name, '--', ...inner];
      } else {
        full = [engine, 'exec', '-i'];
        if (pty) full.push('-t');
        if (target.user) full.push('-u', target.user);
        if (cwd) full.push('-w', cwd);
        for (const [k, v] of env) full.push('-e', `${k}=${v}`);
        full.push(name, ...inner);
      }
      // The environment and cwd went into the CLI's own arguments; the parent gets only the pty.
      const channel = await parent.exec(full, { pty, cols: options.cols, rows: options.rows, env: pty && options.env?.TERM ? { TERM: options.env.TERM } : undefined });
      const signalInside = async (pid: number, signal: Signal): Promise<void> => {
        const argv = engine === 'kubectl' ? [...kubectlPrefix(false), name, '--', 'kill', `-${signal}`, `-${pid}`] : [engine, 'exec', name, 'kill', `-${signal}`, `-${pid}`];
        await run(parent, argv).catch(() => {});
      };
      return new RelayedChannel(channel, marker, signalInside);
    },
    close: () => parent.close(),
  };

  function kubectlPrefix(pty: boolean): string[] {
    const out = ['kubectl', 'exec', '-i'];
    if (pty) out.push('-t');
    if (target.namespace) out.push('-n', target.namespace);
    if (target.context) out.push('--context', target.context);
    if (target.container) out.push('-c', target.container);
    return out;
  }
}

function describeSelector(t: ContainerTarget): string {
  if (t.engine === 'kubectl') {
    const what = t.pod ? `pod/${t.pod}` : `deploy/${t.deployment ?? '?'}`;
    return [what, t.container ? `-c ${t.container}` : '', t.namespace ? `-n ${t.namespace}` : '', t.context ? `--context ${t.context}` : ''].filter(Boolean).join(' ');
  }
  return t.container ?? `[--filter ${t.filter ?? '?'}]`;
}

