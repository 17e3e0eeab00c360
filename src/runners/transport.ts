/**
 * Transports: how Opsdoc reaches a shell on a target. A transport can start a process there
 * (`exec`) and hand back its streams; a session (`shellSession.ts`) then speaks to a shell
 * through them. Targets compose: a container target is `docker exec -i NAME sh` run through
 * its parent transport (local, or an SSH connection), so "ssh to the manager, then docker
 * exec into the backend" is two transports stacked, with one SSH connection for the session.
 */
import type { Readable, Writable } from 'node:stream';

/** Why a channel ended. */
export interface ChannelEnd {
  /** The process's exit code, when it exited by itself. */
  code: number | null;
  signal?: string;
  /** A person-readable reason: "exited with code 0", "connection to 127.0.0.1:2222 lost: ...". */
  reason: string;
}

/** A live process on a target, reached through a transport. */
export interface Channel {
  readonly stdin: Writable;
  /** stdout; on a pty, stdout and stderr arrive merged here. */
  readonly stdout: Readable;
  /** stderr, or null on a pty. */
  readonly stderr: Readable | null;
  readonly pty: boolean;
  /** Interrupts the foreground command: Ctrl-C on a pty, SIGINT to the process group otherwise. */
  interrupt(): void;
  /**
   * Optional: stops the foreground command harder than `interrupt()`, for a command that ignores
   * Ctrl-C: SIGTERM to the process group without a pty, Ctrl-\ (SIGQUIT) on a pty. A shell
   * session traps both and survives; without this method a session falls back to Ctrl-\ on a
   * pty and to a second interrupt otherwise.
   */
  terminate?(): void;
  /** Resizes the pty (no-op without one). */
  resize(cols: number, rows: number): void;
  /** Ends the process and releases what the channel holds. Idempotent. */
  close(): Promise<void>;
  /** Settles when the process exits or its connection drops; never rejects. */
  readonly ended: Promise<ChannelEnd>;
}

/** Options for starting a process on a target. */
export interface ExecOptions {
  /** Run on a pseudo-terminal (needed by `docker exec -it`, interactive psql, password prompts). */
  pty?: boolean;
  cols?: number;
  rows?: number;
  /** Extra environment for the process (best effort on SSH: servers may refuse `env` requests). */
  env?: Record<string, string>;
  cwd?: string;
}

/** A way to run processes on one target. */
export interface Transport {
  /** "local", "ssh admin@127.0.0.1:2222", "docker exec backend (via ssh admin@manager)". */
  readonly description: string;
  /**
   * Optional: the shell a session starts on this target when not told otherwise (a path or a
   * name on the target's PATH), e.g. a newer bash than the system's on macOS.
   */
  readonly shell?: string;
  /** Starts `argv` on the target. `argv[0]` is looked up on the target's PATH. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<Channel>;
  /** Releases the transport (e.g. closes the SSH connection). Idempotent. */
  close(): Promise<void>;
}
