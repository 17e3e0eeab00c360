/**
 * Which programs read text as code, and in which language: the string of `sh -c`, `ssh host
 * CMD`, `eval`, `psql -c`, `python -c` (also after `sudo`, `docker exec`, `kubectl exec --`),
 * and what a here-document feeds a shell, `ssh host`, a SQL client, python, node or redis-cli.
 *
 * Pure.
 */
import type { FillLanguage } from './types';
import { platformClient } from '../shell/clients';

/** The last part of a path (`/usr/bin/psql` -> `psql`): how a command is recognised. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash', 'mksh', 'yash', 'posh']);
/** Commands that run another command given in their arguments. */
const WRAPPERS = new Set([
  'sudo', 'doas', 'env', 'nohup', 'nice', 'ionice', 'timeout', 'time', 'stdbuf', 'setsid', 'chroot', 'runuser',
  'xargs', 'find', 'parallel', 'docker', 'podman', 'nerdctl', 'kubectl', 'oc', 'crictl', 'lxc', 'incus',
  'systemd-run', 'flock', 'exec', 'command', 'builtin', 'strace', 'unshare', 'nsenter', 'ip', 'busybox',
  'docker-compose', 'script', 'tmux', 'screen', 'caffeinate', 'chpst', 'sg', 'newgrp', 'torsocks', 'proxychains',
]);
const SSH_WITH_VALUE = new Set('BbcDEeFIiJLlmOopQRSWw'.split(''));

/** Options of a command that take the code as their value: `-c CODE`, `--command=CODE`. */
const CLIENT_CODE_OPTIONS: Record<string, { short: string[]; long: string[]; language: FillLanguage }> = {
  psql: { short: ['c'], long: ['command'], language: 'sql-psql' },
  mysql: { short: ['e'], long: ['execute'], language: 'sql-mysql' },
  mariadb: { short: ['e'], long: ['execute'], language: 'sql-mysql' },
  cqlsh: { short: ['e'], long: ['execute'], language: 'cql' },
  python: { short: ['c'], long: [], language: 'python' },
  python3: { short: ['c'], long: [], language: 'python' },
  python2: { short: ['c'], long: [], language: 'python' },
  node: { short: ['e', 'p'], long: ['eval', 'print'], language: 'js' },
  mongosh: { short: [], long: ['eval'], language: 'js' },
  mongo: { short: [], long: ['eval'], language: 'js' },
  su: { short: ['c'], long: ['command'], language: 'shell' },
  runuser: { short: ['c'], long: ['command'], language: 'shell' },
};

/** The programs whose stdin is code in a language, when they are given no code otherwise. */
const STDIN_LANGUAGES: Record<string, FillLanguage> = {
  psql: 'sql-psql', mysql: 'sql-mysql', mariadb: 'sql-mysql', sqlite3: 'sql-sqlite', cqlsh: 'cql',
  python: 'python', python3: 'python', python2: 'python', node: 'js', mongosh: 'js', mongo: 'js', 'redis-cli': 'redis',
};

/**
 * Which arguments of a command (by their literal values; null where not literal) another
 * program reads as code, and in which language.
 */
export function codeArguments(args: ReadonlyArray<string | null>): { indexes: number[]; language: FillLanguage; strip?: number } | undefined {
  const name = (i: number) => (args[i] === null || args[i] === undefined ? undefined : basename(args[i]!));
  const first = name(0);
  if (first === undefined) return undefined;
  if (first === 'eval') return args.length > 1 ? { indexes: range(1, args.length), language: 'shell' } : undefined;
  if (first === 'ssh' || first === 'autossh') {
    const host = sshHostIndex(args, 1);
    return host !== undefined && host + 1 < args.length ? { indexes: range(host + 1, args.length), language: 'shell' } : undefined;
  }
  if (first === 'watch') {
    let i = 1;
    for (; i < args.length; i++) {
      const a = args[i];
      if (a === null || a === undefined || !a.startsWith('-')) break;
      if (a === '-x' || a === '--exec') return undefined;
      if (a === '-n' || a === '--interval' || a === '-q' || a === '--equexit') i++;
    }
    return i < args.length ? { indexes: range(i, args.length), language: 'shell' } : undefined;
  }
  if (first === 'gcloud') {
    const at = optionValue(args, 1, [], ['command']);
    if (at) return { indexes: [at.index], language: 'shell', ...(at.strip ? { strip: at.strip } : {}) };
  }
  for (let i = 0; i < args.length; i++) {
    const program = name(i);
    if (program === undefined) continue;
    if (i > 0 && !WRAPPERS.has(first)) break;
    if (SHELLS.has(program)) {
      const at = shellCommandString(args, i + 1);
      if (at !== undefined) return { indexes: [at], language: 'shell' };
    }
    const client = CLIENT_CODE_OPTIONS[program];
    if (client) {
      const at = optionValue(args, i + 1, client.short, client.long);
      if (at) return { indexes: [at.index], language: client.language, ...(at.strip ? { strip: at.strip } : {}) };
    }
  }
  return undefined;
}

/**
 * The language a command reads on its stdin (for a here-document fed to it), or undefined
 * when it reads data (`cat`, `tee`, `kubectl apply -f -`).
 */
export function stdinLanguage(args: ReadonlyArray<string | null>): FillLanguage | undefined {
  const name = (i: number) => (args[i] === null || args[i] === undefined ? undefined : basename(args[i]!));
  const first = name(0);
  if (first === undefined) return undefined;
  // `heroku pg:psql`, `gcloud sql connect`, `rails dbconsole`: the client they open reads it.
  const platform = platformClient(args.map((a) => a ?? ''));
  if (platform) return platform.client === 'psql' ? 'sql-psql' : 'sql';
  if (first === 'ssh' || first === 'autossh') {
    const host = sshHostIndex(args, 1);
    if (host === undefined) return undefined;
    if (host + 1 >= args.length) return 'shell';
    // `ssh host 'bash -s'`: what the remote command reads.
    const remote = args.slice(host + 1).join(' ');
    return stdinLanguage(remote.trim().split(/\s+/));
  }
  for (let i = 0; i < args.length; i++) {
    const program = name(i);
    if (program === undefined) continue;
    if (i > 0 && !WRAPPERS.has(first)) break;
    if (SHELLS.has(program)) {
      if (shellCommandString(args, i + 1) !== undefined) return undefined;
      // `bash script.sh` reads the script, not stdin; `bash`, `bash -s`, `sh -` read stdin.
      const operand = args.slice(i + 1).find((a) => a !== null && !a.startsWith('-') && !a.startsWith('+'));
      return operand === undefined ? 'shell' : undefined;
    }
    const language = STDIN_LANGUAGES[program];
    if (language) {
      const client = CLIENT_CODE_OPTIONS[program];
      if (client && optionValue(args, i + 1, client.short, client.long)) return undefined;
      if (language === 'python' || language === 'js') {
        const operand = args.slice(i + 1).find((a) => a !== null && !a.startsWith('-'));
        if (operand !== undefined && operand !== '-') return undefined;
      }
      return language;
    }
  }
  return undefined;
}

/** The index of ssh's host argument (after its options), from `start`. */
function sshHostIndex(args: ReadonlyArray<string | null>, start: number): number | undefined {
  for (let i = start; i < args.length; i++) {
    const a = args[i];
    if (a === null || a === undefined) return i;
    if (a === '--') return i + 1 < args.length ? i + 1 : undefined;
    if (!a.startsWith('-') || a === '-') return i;
    for (let k = 1; k < a.length; k++) {
      if (SSH_WITH_VALUE.has(a[k]!)) {
        if (k === a.length - 1) i++;
        break;
      }
    }
  }
  return undefined;
}

/** After a shell's name: the index of the command string when the options include `-c`. */
function shellCommandString(args: ReadonlyArray<string | null>, start: number): number | undefined {
  let c = false;
  for (let i = start; i < args.length; i++) {
    const a = args[i];
    if (a === null || a === undefined) return c ? i : undefined;
    if (a === '--') return c && i + 1 < args.length ? i + 1 : undefined;
    if (/^-[A-Za-z]+$/.test(a)) {
      if (a.includes('c')) c = true;
      if (a.endsWith('o') || a.endsWith('O')) i++;
      continue;
    }
    if (/^\+[A-Za-z]+$/.test(a) || a.startsWith('--')) continue;
    return c ? i : undefined;
  }
  return undefined;
}

/**
 * The word holding an option's value: `-c X` and `--command X` (the next word), `-cX` and
 * `--command=X` (this word, whose first `strip` characters are the option).
 */
function optionValue(args: ReadonlyArray<string | null>, start: number, short: string[], long: string[]): { index: number; strip?: number } | undefined {
  for (let i = start; i < args.length; i++) {
    const a = args[i];
    if (a === null || a === undefined) continue;
    if (a === '--') return undefined;
    for (const name of long) {
      if (a === `--${name}`) return i + 1 < args.length ? { index: i + 1 } : undefined;
      if (a.startsWith(`--${name}=`)) return { index: i, strip: name.length + 3 };
    }
    if (/^-[A-Za-z]/.test(a) && !a.startsWith('--')) {
      // `-c X`, `-Xc X` (flags before it), `-cX` (the value glued on)
      if (a.length === 2 && short.includes(a[1]!)) return i + 1 < args.length ? { index: i + 1 } : undefined;
      if (short.includes(a[1]!) && a.length > 2 && !/^-[A-Za-z]+$/.test(a)) return { index: i, strip: 2 };
    }
  }
  return undefined;
}

/** Who reads a nested text, for messages: the command's first literal word. */
export function readerName(args: ReadonlyArray<string | null>): string {
  const first = args[0];
  return first ? basename(first) : 'the command';
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}
