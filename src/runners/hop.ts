/**
 * The hop transport: a process on the host a doc's `ssh host` line goes to, started by the
 * `ssh` client where the session is (this machine, or the profile's SSH host), the way a
 * person's terminal follows the doc. The doc's own ssh line is used as written (its options,
 * `-p`, `-i`, `-J`, and the user's ssh config and known_hosts where it runs), with:
 *
 * - `-T`: no terminal (the session speaks a protocol, not keystrokes);
 * - `-o BatchMode=yes`: no password or host-key question nobody could answer; an unknown host
 *   key or a refused key fails the hop at once with ssh's own one-line reason;
 * - the process started as `sh -c 'echo <marker>$$ >&2; exec "$@"'` (see relayed.ts), so a
 *   Ctrl-C, a timeout or the end of the hop reaches the process group on that host through a
 *   second `ssh` (`kill -INT -- -<pgid>`): ending the local `ssh` alone would leave the
 *   remote command running.
 */
import { randomBytes } from 'node:crypto';
import { singleQuoted } from '../core/shell';
import { RelayedChannel, runThrough, type Signal } from './relayed';
import type { Channel, ExecOptions, Transport } from './transport';

/**
 * A transport to the host of the doc's `ssh` line through `parent`: `sshArgs` are the line's
 * words after `ssh` as the session expanded them (`-p`, `2222`, `admin@10.0.0.5`: a
 * `$WORKER` exported by an earlier step is its value, as in a person's terminal). `label` names
 * the host in descriptions (`admin@10.0.0.5`). Closing it ends the processes it started (a hop
 * still connecting included) and leaves the parent open: the session it came from goes on.
 */
export function hopTransport(sshArgs: readonly string[], label: string, parent: Transport): Transport {
  const description = parent.description === 'local' ? `ssh ${label}` : `ssh ${label} (from ${parent.description})`;
  /** `ssh -T -o BatchMode=yes <the doc's options and host> <remote command>`. */
  const viaSsh = (remote: string): string[] => ['ssh', '-T', '-o', 'BatchMode=yes', ...sshArgs, remote];
  // What this transport started, so that closing it ends a hop still connecting.
  const open = new Set<Channel>();
  return {
    description,
    async exec(argv: readonly string[], options: ExecOptions = {}): Promise<Channel> {
      if (argv.length === 0 || argv[0] === '') throw new Error(`${description}: empty argv`);
      const marker = `OPSDOCPID${randomBytes(6).toString('hex')}:`;
      const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${singleQuoted(v)}`);
      const cd = options.cwd ? `cd ${singleQuoted(options.cwd)} && ` : '';
      // The remote shell parses this line: every word of ours is quoted for it.
      const remote = `${cd}${env.length ? `env ${env.join(' ')} ` : ''}exec sh -c ${singleQuoted(`echo "${marker}$$" >&2; exec "$@"`)} sh ${argv.map(singleQuoted).join(' ')}`;
      const channel = await parent.exec(viaSsh(remote));
      const signalThere = async (pid: number, signal: Signal): Promise<void> => {
        // The process group of the hop's shell, so the command it runs gets the signal too.
        const kill = `g=$(ps -o pgid= -p ${pid} 2>/dev/null | tr -d ' '); kill -${signal} -- "-\${g:-${pid}}" 2>/dev/null || kill -${signal} ${pid}`;
        await runThrough(parent, viaSsh(kill)).catch(() => {});
      };
      const relayed = new RelayedChannel(channel, marker, signalThere);
      open.add(relayed);
      void relayed.ended.then(() => open.delete(relayed));
      return relayed;
    },
    // Ends what the hop started; the parent belongs to the session the hop started from.
    close: async () => {
      await Promise.all([...open].map((c) => c.close().catch(() => {})));
    },
  };
}
