/**
 * ~/.ssh/config: read with its Includes, and one hop (and its ProxyJump hops) resolved from it
 * and the target: host, port, user, identity files, agent, known_hosts, keepalive, timeouts.
 */
import { readFile, readdir } from 'node:fs/promises';
import { homedir, userInfo, hostname as localHostname } from 'node:os';
import { join, dirname, isAbsolute, basename } from 'node:path';
import { parse as parseSshConfig } from 'ssh-config';
import { parseHostSpec } from '../core/profiles';
import { DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_KEEPALIVE_COUNT, DEFAULT_KEEPALIVE_S, type SshTarget } from './sshTypes';

type ConfigValues = Record<string, string | string[]>;
type SshConfigFile = { compute(host: string): ConfigValues };

/** One SSH hop, resolved from the target and ~/.ssh/config. */
export interface Hop {
  /** `user@alias` plus `:port` off 22: how messages name it. */
  label: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** The identity files the profile or the ssh config names (not the defaults tried when none is named). */
  namedIdentityFiles: string[];
  identitiesOnly: boolean;
  agent: string | undefined;
  /** The first one is where accepted keys are written. */
  knownHostsFiles: string[];
  hashKnownHosts: boolean;
  strict: 'yes' | 'ask' | 'accept-new' | 'no';
  keepaliveS: number;
  keepaliveCount: number;
  connectTimeoutS: number;
  proxyJump: string[];
}

/** The ssh config `file` (default ~/.ssh/config, `null` for none), Includes expanded; a missing default file is empty. */
export async function loadConfig(file: string | null | undefined): Promise<SshConfigFile> {
  const empty: SshConfigFile = { compute: () => ({}) };
  if (file === null) return empty;
  const path = file ?? join(homedir(), '.ssh', 'config');
  let text: string;
  try {
    text = await expandIncludes(path, dirname(path), 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && file === undefined) return empty;
    throw new Error(`cannot read ssh config ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = parseSshConfig(text);
  // `Match exec` would run a command from inside the editor: not evaluated.
  return { compute: (host) => parsed.compute(host, { ignoreCase: true, matchExec: false }) as ConfigValues };
}

/**
 * The config text with `Include` lines replaced by the files they name (relative paths are
 * relative to ~/.ssh, `*` and `?` in the last component). Inlining in place gives OpenSSH's
 * meaning: an Include inside a Host block applies to that block until the next Host/Match.
 */
async function expandIncludes(path: string, base: string, depth: number): Promise<string> {
  const text = await readFile(path, 'utf8');
  if (depth > 8 || !/^[ \t]*include\b/im.test(text)) return text;
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const value = includeValue(line);
    if (value === undefined) {
      out.push(line);
      continue;
    }
    for (const spec of value.split(/\s+/)) {
      const unquoted = spec.replace(/^"(.*)"$/, '$1');
      const expanded = expandTilde(unquoted);
      const full = isAbsolute(expanded) ? expanded : join(base, expanded);
      for (const f of await globFiles(full)) {
        try {
          out.push(await expandIncludes(f, base, depth + 1));
        } catch {
          // A missing include is not an error for OpenSSH either.
        }
      }
    }
  }
  return out.join('\n');
}

/**
 * The value of an `Include` line (`Include a b`, `include = a`), as
 * `/^\s*include\s*[=\s]\s*(.+?)\s*$/i` would read it, or undefined. Scanned: in that regex the
 * blanks and the lazy value trade characters, polynomial on a long run of blanks.
 */
function includeValue(line: string): string | undefined {
  const text = line.trimStart();
  if (!/^include/i.test(text)) return undefined;
  let at = 'include'.length;
  const blank = (c: string | undefined) => c !== undefined && /\s/.test(c);
  while (blank(text[at])) at++;
  if (text[at] === '=') at++;
  else if (at === 'include'.length) return undefined;
  const value = text.slice(at).trim();
  return value === '' ? undefined : value;
}

/**
 * Whether `name` matches the glob `pattern` (`*`, `?`), by the usual two-pointer walk that goes
 * back only to the last `*`: a regex made of `.*` per star backtracks exponentially.
 */
function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = n;
    } else if (star !== -1) {
      p = star + 1;
      n = ++resume;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

async function globFiles(pattern: string): Promise<string[]> {
  const name = basename(pattern);
  if (!/[*?]/.test(name)) return [pattern];
  const dir = dirname(pattern);
  try {
    return (await readdir(dir)).filter((f) => globMatch(name, f)).sort().map((f) => join(dir, f));
  } catch {
    return [];
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function all(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(/\s+/)).filter(Boolean);
}

function expandTilde(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

/** OpenSSH's % tokens in IdentityFile / UserKnownHostsFile, and `~`. */
function expandTokens(p: string, hop: { host: string; port: number; user: string; alias: string }): string {
  const local = userInfo();
  const out = p.replace(/%([%dhiklnpru])/g, (_m, t: string) => {
    switch (t) {
      case '%': return '%';
      case 'd': return homedir();
      case 'h': return hop.host;
      case 'i': return String(local.uid);
      case 'k': return hop.alias;
      case 'l': return localHostname().split('.')[0]!;
      case 'n': return hop.alias;
      case 'p': return String(hop.port);
      case 'r': return hop.user;
      case 'u': return local.username;
      default: return _m;
    }
  });
  return expandTilde(out);
}

/** ProxyJump's hops, in order (a comma-separated string, or a list). */
export function splitJumps(jump: string | string[]): string[] {
  return (Array.isArray(jump) ? jump : jump.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** One ProxyJump hop: `[ssh://][user@]host[:port]`. */
export function parseJump(spec: string): { host: string; user?: string; port?: number } {
  const s = spec.replace(/^ssh:\/\//, '').replace(/\/$/, '');
  return parseHostSpec(s);
}

/** One hop as OpenSSH would connect: explicit target fields first, then the config for that host, then the defaults. */
export function resolveHop(
  spec: { host: string; user?: string; port?: number },
  config: SshConfigFile,
  overrides: Pick<SshTarget, 'identityFile' | 'keepaliveSeconds' | 'knownHostsFile'>,
): Hop {
  const c = config.compute(spec.host);
  if (first(c.proxycommand) && first(c.proxycommand)!.toLowerCase() !== 'none') {
    throw new Error(`ssh ${spec.host}: ProxyCommand (from the ssh config) is not supported; use ProxyJump`);
  }
  const host = (first(c.hostname) ?? spec.host).replace(/%h/g, spec.host);
  const port = spec.port ?? (first(c.port) ? Number(first(c.port)) : 22);
  const user = spec.user ?? first(c.user) ?? userInfo().username;
  const tokens = { host, port, user, alias: spec.host };
  const configured = all(c.identityfile).map((f) => expandTokens(f, tokens));
  const explicit = overrides.identityFile ? [expandTilde(overrides.identityFile)] : [];
  const defaults = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(homedir(), '.ssh', f));
  const identityFiles = [...new Set([...explicit, ...(configured.length > 0 ? configured : explicit.length > 0 ? [] : defaults)])];
  const agentSetting = first(c.identityagent);
  let agent: string | undefined = process.env.SSH_AUTH_SOCK || undefined;
  if (agentSetting) agent = agentSetting.toLowerCase() === 'none' ? undefined : agentSetting === 'SSH_AUTH_SOCK' ? agent : expandTokens(agentSetting.replace(/^\$\{?SSH_AUTH_SOCK\}?$/, agent ?? ''), tokens) || undefined;
  const userKnown = overrides.knownHostsFile
    ? [expandTilde(overrides.knownHostsFile)]
    : all(c.userknownhostsfile).filter((f) => f.toLowerCase() !== 'none').map((f) => expandTokens(f, tokens));
  const knownHostsFiles = overrides.knownHostsFile
    ? userKnown
    : [...(userKnown.length > 0 ? userKnown : [join(homedir(), '.ssh', 'known_hosts')]), ...(all(c.globalknownhostsfile).length > 0 ? all(c.globalknownhostsfile) : ['/etc/ssh/ssh_known_hosts'])];
  const strictRaw = (first(c.stricthostkeychecking) ?? 'ask').toLowerCase();
  const strict = strictRaw === 'yes' ? 'yes' : strictRaw === 'no' || strictRaw === 'off' ? 'no' : strictRaw === 'accept-new' ? 'accept-new' : 'ask';
  const num = (v: string | string[] | undefined, fallback: number) => {
    const n = Number(first(v));
    return first(v) !== undefined && Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  const proxy = first(c.proxyjump);
  return {
    label: `${user}@${spec.host}${port === 22 ? '' : `:${port}`}`,
    host,
    port,
    user,
    identityFiles,
    namedIdentityFiles: [...explicit, ...configured],
    identitiesOnly: (first(c.identitiesonly) ?? '').toLowerCase() === 'yes',
    agent,
    knownHostsFiles,
    hashKnownHosts: (first(c.hashknownhosts) ?? '').toLowerCase() === 'yes',
    strict,
    keepaliveS: overrides.keepaliveSeconds ?? num(c.serveraliveinterval, DEFAULT_KEEPALIVE_S),
    keepaliveCount: Math.max(1, num(c.serveralivecountmax, DEFAULT_KEEPALIVE_COUNT)),
    connectTimeoutS: num(c.connecttimeout, DEFAULT_CONNECT_TIMEOUT_S) || DEFAULT_CONNECT_TIMEOUT_S,
    proxyJump: proxy && proxy.toLowerCase() !== 'none' ? splitJumps(proxy) : [],
  };
}
