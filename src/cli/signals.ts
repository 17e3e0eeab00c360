/** How a command that runs steps stops on a signal or a lost output, ending its session first. */
import { constants as osConstants } from 'node:os';

/** The signals that stop a run or a check: Ctrl-C, `kill`, `timeout`, a closed terminal. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** What {@link stopSignals} returns. */
export interface StopSignals {
  /** The first stop signal received, if any. */
  readonly signal: NodeJS.Signals | undefined;
  /** 128 + the signal's number (143 for SIGTERM), as a shell reports a command killed by it. */
  readonly exitCode: number | undefined;
  /** Stops listening (the signals' default actions apply again). */
  dispose(): void;
}

/**
 * While a command runs steps, SIGINT, SIGTERM and SIGHUP stop it instead of killing Node at
 * once (which would leave the session's shell and its children running, parented to init):
 * the first calls `stop` (cancel the running step; the command records it, ends its session
 * and exits with `exitCode`), a second one `force` (end the session now, without the grace a
 * step gets to stop).
 */
export function stopSignals(stop: (signal: NodeJS.Signals) => void, force: () => void): StopSignals {
  let first: NodeJS.Signals | undefined;
  const stopOnce = (signal: NodeJS.Signals) => {
    if (first !== undefined) return;
    first = signal;
    stop(signal);
  };
  const handler = (signal: NodeJS.Signals) => {
    if (first === undefined) stopOnce(signal);
    else force();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  lostOutput = stopOnce;
  return {
    get signal() {
      return first;
    },
    get exitCode() {
      return first === undefined ? undefined : 128 + (osConstants.signals[first] ?? 0);
    },
    dispose: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, handler);
      if (lostOutput === stopOnce) lostOutput = undefined;
    },
  };
}

/** The running command's stop, while one runs steps (see `stopOnLostOutput`). */
let lostOutput: ((signal: NodeJS.Signals) => void) | undefined;

/**
 * For the CLI's stdout/stderr `error` handler: when output can no longer be written (EPIPE: the
 * reader went away, as in `opsdoc run … | head`; EIO: the terminal closed), a command running
 * steps stops as SIGPIPE or SIGHUP would stop it (its session ended, not left running) and the
 * error is dropped, like the rest of its output. False when no such command runs.
 */
export function stopOnLostOutput(error: NodeJS.ErrnoException): boolean {
  if (!lostOutput) return false;
  lostOutput(error.code === 'EPIPE' ? 'SIGPIPE' : 'SIGHUP');
  return true;
}
