/**
 * A person at this process's terminal: questions on stderr, answers from stdin, a secret's
 * typing not echoed.
 */
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { Terminal } from './gateAnswers';

/** Whether a person is at this process's terminal (stdin and stdout both a TTY). */
export function atTerminal(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** The person at this process's terminal, or undefined when there is none. */
export function processTerminal(): Terminal | undefined {
  if (!atTerminal()) return undefined;
  return {
    ask: (question, options) => ask(question, options?.secret ?? false),
    say: (text) => process.stderr.write(text),
  };
}

/**
 * Asks on the terminal; a secret's typing is not echoed. Undefined when input ends or the
 * question is interrupted (Ctrl+C, Ctrl+D).
 *
 * A secret is read through an output that goes quiet once the question is written: the
 * terminal is in raw mode while readline reads, so nothing else echoes what is typed. (This
 * replaces patching readline's private `_writeToOutput`, which node 20's readline/promises
 * does not have: the prompt crashed with a TypeError.)
 */
export async function ask(question: string, secret = false): Promise<string | undefined> {
  let quiet = false;
  const output = secret
    ? new Writable({ write: (chunk: Buffer | string, _encoding, done) => { if (!quiet) process.stderr.write(chunk); done(); } })
    : process.stderr;
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  // Ctrl+C ends the question. (Closing readline from its SIGINT leaves the promise pending
  // for ever, and node then exits 0 with nothing run; an abort rejects it.)
  const interrupt = new AbortController();
  rl.on('SIGINT', () => interrupt.abort());
  try {
    const answer = rl.question(question, { signal: interrupt.signal });
    // The question is written synchronously by now: what follows is typing.
    quiet = secret;
    return await answer;
  } catch {
    return undefined;
  } finally {
    rl.close();
    if (secret) process.stderr.write('\n');
  }
}
