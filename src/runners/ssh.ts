/**
 * The SSH transport: processes on a remote host over ONE ssh2 connection (pure JavaScript;
 * ssh2's optional native crypto is not installed, on purpose).
 *
 * What it honours, the way OpenSSH would:
 * - `~/.ssh/config` (the `ssh-config` package): a Host alias gives HostName, User, Port,
 *   IdentityFile, IdentitiesOnly, IdentityAgent, ProxyJump, UserKnownHostsFile,
 *   StrictHostKeyChecking, HashKnownHosts, ServerAliveInterval/CountMax, ConnectTimeout;
 *   `Include` is followed. Explicit target fields win over the file. `Match exec` blocks are
 *   NOT evaluated (that would run commands from inside the editor); ProxyCommand is refused
 *   with a clear error rather than silently ignored.
 * - Authentication, in this order: identity files that need no passphrase, the ssh-agent
 *   (SSH_AUTH_SOCK or IdentityAgent; skipped with IdentitiesOnly), encrypted identity files
 *   (passphrase asked through a callback, only now, so a key the agent holds never prompts),
 *   then password / keyboard-interactive through a callback.
 * - known_hosts (plain and hashed `|1|salt|hash` entries, wildcards, negation, `@revoked`):
 *   a known key connects; an unknown key is refused unless `verifyHost` accepts it, and then
 *   it is appended to the known_hosts file; a CHANGED key is refused with both fingerprints
 *   and the callback is never asked. Host key algorithms already known for the host are
 *   negotiated first (as OpenSSH does), so a server cannot dodge the check by offering
 *   another key type.
 * - ProxyJump through one or more jump hosts: each hop is an ssh2 client whose socket is a
 *   `direct-tcpip` channel of the previous one; every hop is host-key checked.
 * - Keepalive (ServerAliveInterval semantics) plus TCP keepalive, so a silent network drop is
 *   noticed; a closed socket is noticed at once. Either way every open channel's `ended`
 *   settles with "connection to user@host:port lost: why".
 * - `setNoDelay(true)` on the TCP socket: without it each exec channel's small request waits
 *   on Nagle's algorithm (~40 ms); measured here 46 ms -> 2.8 ms per command.
 *
 * Commands are sent as one string that the remote user's login shell runs (`$SHELL -c`, the
 * SSH protocol has no argv); each word is single-quoted, which is safe for POSIX shells
 * (sh, bash, dash, zsh, ksh). A csh/fish login shell would need other quoting: not supported.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile, appendFile, mkdir, readdir } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { homedir, hostname as localHostname, userInfo } from 'node:os';
import { dirname, isAbsolute, join, basename } from 'node:path';
import type { Duplex, Readable, Writable } from 'node:stream';
import { Client, utils as sshUtils, type AnyAuthMethod, type AuthHandlerMiddleware, type AuthenticationType, type ClientChannel, type ConnectConfig, type ParsedKey, type Prompt } from 'ssh2';
import { parse as parseSshConfig } from 'ssh-config';
import { parseHostSpec, type SshTarget as ProfileSshTarget } from '../core/profiles';
import { trimEndOf } from '../core/model';
import { shellWord } from '../core/shell';
import type { Channel, ChannelEnd, ExecOptions, Transport } from './transport';

/**
 * Where to connect: a profile's ssh target (its `type` is not needed here), plus the ssh
 * config file to honour (default `~/.ssh/config`; `null` ignores any). Explicit fields win
 * over what the config says for `host`; `identityFile`, `knownHostsFile` and
 * `keepaliveSeconds` apply to the jump hosts as well. Defaults: keepalive from
 * ServerAliveInterval, else 10 s; known_hosts from UserKnownHostsFile, else
 * ~/.ssh/known_hosts (plus /etc/ssh/ssh_known_hosts for reading).
 */
export type SshTarget = Omit<ProfileSshTarget, 'type'> & { configFile?: string | null };

/** What `verifyHost` is asked about. */
export interface HostKeyInfo {
  /** The host name as known_hosts records it (the HostName, not an alias). */
  host: string;
  port: number;
  /** e.g. `ssh-ed25519`. */
  keyType: string;
  /** OpenSSH style: `SHA256:base64` without padding. */
  fingerprint: string;
  /** Always 'unknown' when asked; 'changed' appears only in the error a changed key raises. */
  known: 'unknown' | 'changed';
  knownFingerprint?: string;
}

/** Questions a connection may need a person to answer. All optional: without one, the answer is "no". */
export interface SshCallbacks {
  /** An unknown host key: trust it? `true` connects and appends it to the known_hosts file. Never asked for a changed key. */
  verifyHost?: (info: HostKeyInfo) => Promise<boolean>;
  /** The passphrase of an encrypted private key; `undefined` skips that key. Asked up to 3 times on a wrong one. */
  passphrase?: (keyFile: string) => Promise<string | undefined>;
  /** A password (password or keyboard-interactive auth); `undefined` gives up on it. */
  password?: (info: { host: string; port: number; user: string; prompt: string }) => Promise<string | undefined>;
}

/** The transport returned by {@link sshTransport}. */
export interface SshTransport extends Transport {
  /** Settles when the connection ends (closed by us or lost); never rejects. */
  readonly connectionEnded: Promise<string>;
}

const DEFAULT_KEEPALIVE_S = 10;
const DEFAULT_KEEPALIVE_COUNT = 3;
const DEFAULT_CONNECT_TIMEOUT_S = 20;
/** `close()` on a channel: how long after SIGTERM before SIGKILL, then before giving up. */
const CLOSE_GRACE_MS = 2000;
const CLOSE_KILL_MS = 1000;
/** After the exit status, how long `ended` waits for the channel to close (its output read). */
const DRAIN_MS = 250;

/**
 * Connects (handshake, host key check, authentication, through any jump hosts) and returns a
 * transport whose `exec` opens channels on that one connection. Rejects with a readable error
 * naming the hop that failed: refused/unreachable, unknown or changed host key (with both
 * fingerprints), authentication (with what was tried), timeout.
 *
 * `exec(argv, { pty, cols, rows, env, cwd })` opens an exec channel running the quoted argv;
 * `env` is passed as `env NAME=value ...` in the command (an SSH `env` request would be
 * refused by servers without a matching AcceptEnv), `cwd` as `cd DIR &&`. On a pty (TERM from
 * `env.TERM`, default xterm-256color) stdout and stderr arrive merged and `stderr` is null.
 *
 * Channel signals: `interrupt()` writes Ctrl-C on a pty (the remote line discipline turns it
 * into SIGINT for the foreground process group); without a pty it sends an SSH `signal`
 * request ('INT'), which OpenSSH's sshd answers with killpg() on the session's process group
 * (the login shell's command and everything it started that did not leave the group; checked
 * with OpenSSH 9.2 here). sshd refuses signal requests for forced-command and subsystem
 * sessions and for sessions without privilege separation, notably logins as root, and some
 * other servers ignore them: use a pty for those. `terminate()`: Ctrl-\ on a pty, 'TERM'
 * otherwise. `close()`: SIGTERM, SIGKILL after 2 s, then the channel is closed.
 */
export async function sshTransport(target: SshTarget, callbacks: SshCallbacks = {}): Promise<SshTransport> {
  const config = await loadConfig(target.configFile);
  const destination = resolveHop({ host: target.host, user: target.user, port: target.port }, config, target);
  const jumpSpecs = target.jump !== undefined ? splitJumps(target.jump) : destination.proxyJump;
  // The target's key, known_hosts file and keepalive serve its jump hosts too (after what the
  // config says for them): a profile names one key for "this host, through that bastion".
  const jumps = jumpSpecs.map((spec) => resolveHop(parseJump(spec), config, target));
  const label = destination.label + (jumps.length > 0 ? ` via ${jumps.map((j) => j.label).join(', ')}` : '');

  const clients: ConnectedHop[] = [];
  try {
    let sock: Duplex | undefined;
    for (const hop of [...jumps, destination]) {
      const previous = clients[clients.length - 1];
      if (previous) sock = await forward(previous, hop);
      clients.push(await connectHop(hop, sock, callbacks, hop === destination ? undefined : 'jump host '));
    }
  } catch (error) {
    for (const c of clients.reverse()) c.client.end();
    throw new Error(`ssh ${label}: ${(error as Error).message}`, { cause: error });
  }
  return new SshConnection(clients, destination, label, target);
}

// ---------------------------------------------------------------------------------------------
// The connection and its channels

interface ConnectedHop {
  hop: Hop;
  client: Client;
  /** Why the connection ended, once it has; undefined while it lives. */
  lost?: string;
  closed: Promise<void>;
}

class SshConnection implements SshTransport {
  readonly description: string;
  readonly shell: string | undefined;
  readonly connectionEnded: Promise<string>;
  private closing = false;
  private readonly last: ConnectedHop;
  private readonly channels = new Set<SshChannel>();

  constructor(
    private readonly hops: ConnectedHop[],
    private readonly destination: Hop,
    label: string,
    private readonly target: SshTarget,
  ) {
    this.description = `ssh ${label}`;
    this.shell = target.shell;
    this.last = hops[hops.length - 1]!;
    this.connectionEnded = this.last.closed.then(() => {
      // ssh2 closes the channels too, but a channel's 'close' waits until its output has been
      // read: settle every open channel here, so `ended` never depends on a reader.
      for (const channel of this.channels) channel.connectionGone();
      return this.lostReason();
    });
  }

  /** The first hop (outermost first) that went down explains why all the later ones did. */
  lostReason(): string {
    if (this.closing) return `connection to ${this.destination.label} closed`;
    for (const h of this.hops) {
      if (h.lost !== undefined) {
        const what = h === this.last ? '' : 'jump host ';
        return `connection to ${what}${h.hop.label} lost: ${h.lost}`;
      }
    }
    return `connection to ${this.destination.label} lost`;
  }

  /** The loss reason once the connection is closing or gone, else undefined (it still lives). */
  lostReasonIfLost(): string | undefined {
    return this.closing || this.hops.some((h) => h.lost !== undefined) ? this.lostReason() : undefined;
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<Channel> {
    if (argv.length === 0 || argv[0] === '') throw new Error(`${this.description}: empty argv`);
    if (this.last.lost !== undefined || this.closing) throw new Error(`${this.description}: ${this.lostReason()}`);
    const command = remoteCommand(argv, { ...options, cwd: options.cwd ?? this.target.cwd });
    const pty = Boolean(options.pty);
    const stream = await new Promise<ClientChannel>((resolve, reject) => {
      const ptyOptions = pty ? { term: options.env?.TERM ?? 'xterm-256color', cols: options.cols ?? 80, rows: options.rows ?? 24 } : undefined;
      this.last.client.exec(command, ptyOptions ? { pty: ptyOptions } : {}, (error, channel) => {
        if (error) reject(new Error(`${this.description}: could not start ${argv[0]}: ${error.message}`));
        else {
          // A quick command's exit status can arrive in the same read as the exec's success,
          // before the SshChannel below exists to listen: keep it from this very moment.
          channel.once('exit', (code: number | null, signal?: string) => {
            earlyExits.set(channel, { code, ...(signal ? { signal } : {}) });
          });
          resolve(channel);
        }
      });
    });
    const channel = new SshChannel(stream, pty, argv[0]!, this);
    this.channels.add(channel);
    void channel.ended.then(() => this.channels.delete(channel));
    return channel;
  }

  async close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      // Innermost first: each hop's socket is a channel of the one before it.
      for (const h of [...this.hops].reverse()) {
        h.client.end();
        await Promise.race([h.closed, delay(2000)]);
        if (h.lost === undefined) h.client.destroy();
      }
    }
    await Promise.all(this.hops.map((h) => h.closed));
  }
}

/** Exit statuses that arrived before their SshChannel was built (see `exec`). */
const earlyExits = new WeakMap<ClientChannel, { code: number | null; signal?: string }>();

class SshChannel implements Channel {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable | null;
  readonly ended: Promise<ChannelEnd>;
  private done = false;
  private closing: Promise<void> | undefined;
  private settle!: (end: ChannelEnd) => void;
  private finish!: () => void;

  constructor(
    private readonly stream: ClientChannel,
    readonly pty: boolean,
    private readonly program: string,
    private readonly connection: SshConnection,
  ) {
    this.stdin = stream;
    this.stdout = stream;
    // On a pty sshd sends everything as stdout; anything on stderr is still read, so a full
    // window can never stall the channel.
    this.stderr = pty ? null : stream.stderr;
    if (pty) stream.stderr.resume();
    // A write after the channel closed errors; `ended` tells the story.
    stream.on('error', () => {});
    stream.stderr.on('error', () => {});
    const where = connection.description.replace(/^ssh /, '');
    this.ended = new Promise<ChannelEnd>((resolve) => {
      this.settle = (end) => {
        if (this.done) return;
        this.done = true;
        resolve(end);
      };
    });
    let exit: ChannelEnd | undefined;
    const finish = (this.finish = () => {
      if (exit) this.settle(exit);
      else if (connection.lostReasonIfLost()) this.settle({ code: null, reason: connection.lostReasonIfLost()! });
      else this.settle({ code: null, reason: `${program} on ${where} ended without an exit status (channel closed)` });
    });
    // ssh2 gives `signal` with its SIG prefix already.
    let closed = false;
    const onExit = (code: number | null, signal?: string) => {
      if (typeof code === 'number') exit = { code, reason: `${program} on ${where} exited with code ${code}` };
      else if (signal) exit = { code: null, signal, reason: `${program} on ${where} was killed by ${signal}` };
      // The channel 'close' comes once its output has been read; a consumer that stopped
      // reading must not keep `ended` open forever.
      if (closed) setImmediate(finish);
      else setTimeout(finish, DRAIN_MS).unref();
    };
    const early = earlyExits.get(stream);
    if (early) onExit(early.code, early.signal);
    else stream.once('exit', onExit);
    stream.once('close', () => {
      closed = true;
      // ssh2 closes every channel when the connection goes, before anything else can tell:
      // the connection's own state says whether this was an exit or a loss.
      if (exit || connection.lostReasonIfLost()) setImmediate(finish);
      // The stream can close as soon as the server's EOF is read and our side has ended,
      // which may be a packet before the exit status: give the status time to arrive.
      else setTimeout(finish, DRAIN_MS).unref();
    });
  }

  /** The connection is gone: an exit status that already arrived still wins. */
  connectionGone(): void {
    setImmediate(this.finish);
  }

  interrupt(): void {
    if (this.pty) this.write('\x03');
    else this.signal('INT');
  }

  terminate(): void {
    if (this.pty) this.write('\x1c');
    else this.signal('TERM');
  }

  resize(cols: number, rows: number): void {
    if (this.pty && !this.done) this.stream.setWindow(Math.floor(rows), Math.floor(cols), 0, 0);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.done) return;
      this.signal('TERM');
      this.stream.end();
      // Output nobody reads any more must not hold the channel open.
      this.stream.resume();
      this.stream.stderr.resume();
      if (await settledWithin(this.ended, CLOSE_GRACE_MS)) return;
      this.signal('KILL');
      if (await settledWithin(this.ended, CLOSE_KILL_MS)) return;
      this.stream.close();
      if (await settledWithin(this.ended, CLOSE_KILL_MS)) return;
      this.settle({ code: null, reason: `${this.program} did not exit after SIGTERM and SIGKILL; the channel was abandoned` });
    })();
    return this.closing;
  }

  private write(key: string): void {
    if (!this.done && this.stream.writable) this.stream.write(key);
  }

  /**
   * ssh2's `signal()` sends only while our side of the channel is open; after we sent EOF
   * (stdin ended) the request is still valid SSH (EOF only ends data) but ssh2 drops it, so
   * it is sent through the protocol object directly in that case.
   */
  private signal(name: string): void {
    if (this.done) return;
    const s = this.stream as ClientChannel & { outgoing?: { id?: number; state?: string }; _client?: { _protocol?: { signal?: (id: number, name: string) => void } } };
    if (s.outgoing?.state === 'open' && s.writable) {
      s.signal(name);
      return;
    }
    const id = s.outgoing?.id;
    const protocol = s._client?._protocol;
    if (s.outgoing?.state === 'eof' && typeof id === 'number' && typeof protocol?.signal === 'function') {
      try {
        protocol.signal(id, name);
      } catch {
        // The connection is going away; `ended` will say so.
      }
    }
  }
}

/** The remote command line: `cd DIR && env K=V argv...`, every word single-quoted. */
export function remoteCommand(argv: readonly string[], options: Pick<ExecOptions, 'env' | 'cwd'> = {}): string {
  const words: string[] = [];
  const env = Object.entries(options.env ?? {});
  if (env.length > 0) {
    words.push('env');
    for (const [name, value] of env) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name: ${JSON.stringify(name)}`);
      words.push(`${name}=${value}`);
    }
  }
  words.push(...argv);
  const line = words.map(shellQuote).join(' ');
  return options.cwd ? `cd ${shellQuote(options.cwd)} && ${line}` : line;
}

/** One word for a POSIX shell: left bare when it is plainly safe, else single-quoted (throws on NUL). */
export const shellQuote = shellWord;

// ---------------------------------------------------------------------------------------------
// Connecting one hop

async function forward(previous: ConnectedHop, hop: Hop): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    previous.client.forwardOut('127.0.0.1', 0, hop.host, hop.port, (error, stream) => {
      if (error) reject(new Error(`jump host ${previous.hop.label} could not open a connection to ${hop.host}:${hop.port}: ${error.message}`));
      else resolve(stream);
    });
  });
}

async function connectHop(hop: Hop, viaSock: Duplex | undefined, callbacks: SshCallbacks, what = ''): Promise<ConnectedHop> {
  const known = await readKnownHosts(hop.knownHostsFiles);
  const hostString = knownHostsName(hop.host, hop.port);
  const knownTypes = knownKeyTypes(known, hostString);
  const client = new Client();
  let refusal: Error | undefined;
  let lastError: Error | undefined;
  const tried: string[] = [];

  // Our own timeout instead of ssh2's readyTimeout, so it can pause while a person answers
  // a host key or passphrase question.
  const timeoutMs = hop.connectTimeoutS * 1000;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      client.destroy();
    }, timeoutMs);
  };
  const asking = async <T>(question: () => Promise<T>): Promise<T> => {
    clearTimeout(timer);
    try {
      return await question();
    } finally {
      arm();
    }
  };

  let sock: Duplex;
  if (viaSock) sock = viaSock;
  else {
    const tcp: Socket = netConnect({ host: hop.host, port: hop.port });
    tcp.setNoDelay(true);
    tcp.setKeepAlive(true, 15_000);
    sock = tcp;
  }

  const algorithms = knownTypes.length > 0 ? { serverHostKey: { remove: hostKeyAlgorithms(knownTypes), prepend: hostKeyAlgorithms(knownTypes) } } : undefined;
  const config: ConnectConfig = {
    sock: sock as Readable,
    username: hop.user,
    readyTimeout: 0,
    keepaliveInterval: hop.keepaliveS * 1000,
    keepaliveCountMax: hop.keepaliveCount,
    ...(algorithms ? { algorithms: algorithms as ConnectConfig['algorithms'] } : {}),
    hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
      checkHostKey(hop, hostString, known, key, callbacks, asking).then(
        () => verify(true),
        (error: Error) => {
          refusal = error;
          verify(false);
        },
      );
    },
    authHandler: makeAuthHandler(hop, callbacks, asking, tried),
  };

  const connected: ConnectedHop = { hop, client, closed: undefined as unknown as Promise<void> };
  connected.closed = new Promise<void>((resolve) => {
    client.on('error', (error: Error & { level?: string }) => {
      lastError = error;
    });
    client.on('close', () => {
      clearTimeout(timer);
      connected.lost ??= describeLoss(lastError, hop);
      resolve();
    });
  });

  arm();
  await new Promise<void>((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      client.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      client.off('ready', onReady);
      reject(failure());
    };
    client.once('ready', onReady);
    client.once('close', onClose);
    client.connect(config);
  });
  return connected;

  function failure(): Error {
    if (refusal) return refusal;
    // The caller prefixes the destination; only a jump host needs naming here.
    const on = what ? `${what}${hop.label}: ` : '';
    if (timedOut) return new Error(`${on}no answer within ${hop.connectTimeoutS} s (ConnectTimeout)`);
    const e = lastError as (Error & { level?: string; code?: string }) | undefined;
    if (e?.level === 'client-authentication') {
      return new Error(`${on}authentication failed (tried: ${tried.length > 0 ? tried.join(', ') : 'nothing: no agent, no key file, no password callback'})`);
    }
    if (e?.code === 'ECONNREFUSED') return new Error(`${on}connection refused (is sshd listening on port ${hop.port}?)`);
    if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return new Error(`${on}unknown host ${hop.host}`);
    return new Error(`${on}${e ? e.message : 'connection closed during the handshake'}`);
  }
}

function describeLoss(error: (Error & { level?: string; code?: string }) | undefined, hop: Hop): string {
  if (!error) return 'the server closed the connection';
  if (error.message === 'Keepalive timeout') return `no answer to ${hop.keepaliveCount} keepalives sent ${hop.keepaliveS} s apart`;
  if (error.code === 'ECONNRESET') return 'connection reset';
  return error.message;
}

// ---------------------------------------------------------------------------------------------
// Host keys

/** One known_hosts line. */
export interface KnownEntry {
  marker: '' | 'revoked' | 'cert-authority';
  patterns: string;
  keyType: string;
  key: Buffer;
  file: string;
}

async function readKnownHosts(files: string[]): Promise<KnownEntry[]> {
  const entries: KnownEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    entries.push(...parseKnownHosts(text, file));
  }
  return entries;
}

/** Parses known_hosts text (comments, markers, hashed and plain host patterns). */
export function parseKnownHosts(text: string, file = 'known_hosts'): KnownEntry[] {
  const out: KnownEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownEntry['marker'] = '';
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift()!.slice(1) as KnownEntry['marker'];
    const [patterns, keyType, b64] = fields;
    if (!patterns || !keyType || !b64) continue;
    out.push({ marker, patterns, keyType, key: Buffer.from(b64, 'base64'), file });
  }
  return out;
}

/** How known_hosts names a host: `host`, or `[host]:port` off port 22. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** Whether a known_hosts host field (hashed, or comma-separated patterns with `*`, `?`, `!`) names `name`. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    const glob = (negated ? pattern.slice(1) : pattern).toLowerCase();
    const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (re.test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** `SHA256:...` as `ssh-keygen -l` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${trimEndOf(createHash('sha256').update(key).digest('base64'), '=')}`;
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const n = key.readUInt32BE(0);
  return key.subarray(4, 4 + n).toString('latin1');
}

/** The verdict of known_hosts on one presented key. */
export type KnownHostVerdict =
  | { status: 'known' }
  | { status: 'revoked'; file: string }
  | { status: 'changed'; knownFingerprint: string; file: string }
  | { status: 'unknown'; otherTypes: string[] };

/** Looks a presented host key up in parsed known_hosts entries. */
export function lookupHostKey(entries: KnownEntry[], name: string, key: Buffer): KnownHostVerdict {
  const type = keyTypeOf(key);
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.patterns, name));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', file: revoked.file };
  const plain = forHost.filter((e) => e.marker === '');
  if (plain.some((e) => e.key.equals(key))) return { status: 'known' };
  const sameType = plain.find((e) => e.keyType === type);
  if (sameType) return { status: 'changed', knownFingerprint: fingerprint(sameType.key), file: sameType.file };
  return { status: 'unknown', otherTypes: [...new Set(plain.map((e) => e.keyType))] };
}

function knownKeyTypes(entries: KnownEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => e.marker === '' && hostFieldMatches(e.patterns, name)).map((e) => e.keyType))];
}

function hostKeyAlgorithms(keyTypes: string[]): string[] {
  const out: string[] = [];
  for (const t of keyTypes) {
    if (t === 'ssh-rsa') out.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (t === 'ssh-ed25519' || t.startsWith('ecdsa-sha2-') || t === 'ssh-dss') out.push(t);
  }
  return out;
}

async function checkHostKey(
  hop: Hop,
  name: string,
  entries: KnownEntry[],
  key: Buffer,
  callbacks: SshCallbacks,
  asking: <T>(q: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const verdict = lookupHostKey(entries, name, key);
  const type = keyTypeOf(key);
  const fp = fingerprint(key);
  if (verdict.status === 'known') return;
  if (verdict.status === 'revoked') throw new Error(`the ${type} host key of ${name} (${fp}) is marked @revoked in ${verdict.file}: refusing to connect`);
  if (verdict.status === 'changed') {
    throw new Error(
      `HOST KEY CHANGED for ${name}: the server presented ${type} ${fp}, but ${verdict.file} records ${verdict.knownFingerprint}. ` +
        'Someone may be intercepting the connection, or the host was reinstalled. Refusing to connect; ' +
        `if the change is expected, remove the old entry (ssh-keygen -R '${name}' -f ${verdict.file}) and connect again.`,
    );
  }
  const other = verdict.otherTypes.length > 0 ? ` (known_hosts has only ${verdict.otherTypes.join(', ')} keys for it)` : '';
  let accept = hop.strict === 'no' || hop.strict === 'accept-new';
  if (!accept && hop.strict !== 'yes' && callbacks.verifyHost) {
    accept = await asking(() => callbacks.verifyHost!({ host: hop.host, port: hop.port, keyType: type, fingerprint: fp, known: 'unknown' }));
  }
  if (!accept) {
    const hint = hop.strict === 'yes' ? ' (StrictHostKeyChecking yes)' : callbacks.verifyHost ? ' and it was not accepted' : '';
    throw new Error(`the host key of ${name} is not known${other}: ${type} ${fp}${hint}. Check the fingerprint and add the key to ${hop.knownHostsFiles[0]} to connect.`);
  }
  await appendKnownHost(hop.knownHostsFiles[0]!, name, key, hop.hashKnownHosts);
}

async function appendKnownHost(file: string, name: string, key: Buffer, hashed: boolean): Promise<void> {
  let field = name;
  if (hashed) {
    const salt = randomBytes(20);
    field = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const text = await readFile(file, 'utf8');
    if (text.length > 0 && !text.endsWith('\n')) prefix = '\n';
  } catch {
    // A new file.
  }
  await appendFile(file, `${prefix}${field} ${keyTypeOf(key)} ${key.toString('base64')}\n`, { mode: 0o644 });
}

// ---------------------------------------------------------------------------------------------
// Authentication

function makeAuthHandler(hop: Hop, callbacks: SshCallbacks, asking: <T>(q: () => Promise<T>) => Promise<T>, tried: string[]) {
  type Step = { method: AuthenticationType; run: () => Promise<AnyAuthMethod | undefined> };
  const steps: Step[] = [];
  const keys = loadIdentities(hop, tried);
  const username = hop.user;

  // 1. identity files without passphrase, 3. encrypted ones (asked only if still needed).
  const keyStep = (encrypted: boolean): Step[] =>
    hop.identityFiles.map((file) => ({
      method: 'publickey',
      run: async () => {
        const id = (await keys).get(file);
        if (!id || id.encrypted !== encrypted) return undefined;
        let key = id.key;
        if (encrypted) {
          if (!callbacks.passphrase) {
            tried.push(`key ${file} (encrypted; no passphrase callback)`);
            return undefined;
          }
          for (let attempt = 0; attempt < 3 && !key; attempt++) {
            const phrase = await asking(() => callbacks.passphrase!(file));
            if (phrase === undefined) break;
            const parsed = sshUtils.parseKey(id.data, phrase);
            if (!(parsed instanceof Error)) key = Array.isArray(parsed) ? parsed[0] : parsed;
          }
          if (!key) {
            tried.push(`key ${file} (no valid passphrase)`);
            return undefined;
          }
        }
        tried.push(`key ${file}`);
        return { type: 'publickey', username, key: key! };
      },
    }));
  steps.push(...keyStep(false));
  // 2. the agent.
  if (hop.agent && !hop.identitiesOnly) {
    steps.push({
      method: 'publickey',
      run: async () => {
        tried.push(`ssh-agent (${hop.agent})`);
        return { type: 'agent', username, agent: hop.agent! };
      },
    });
  }
  steps.push(...keyStep(true));
  // 4. a password, through the callback.
  if (callbacks.password) {
    const ask = (prompt: string) => asking(() => callbacks.password!({ host: hop.host, port: hop.port, user: username, prompt }));
    steps.push({
      method: 'password',
      run: async () => {
        const password = await ask(`Password for ${hop.label}:`);
        if (password === undefined) return undefined;
        tried.push('password');
        return { type: 'password', username, password };
      },
    });
    steps.push({
      method: 'keyboard-interactive',
      run: async () => {
        tried.push('keyboard-interactive');
        return {
          type: 'keyboard-interactive',
          username,
          prompt: (_name: string, _instructions: string, _lang: string, prompts: Prompt[], finish: (answers: string[]) => void) => {
            void (async () => {
              const answers: string[] = [];
              for (const p of prompts) answers.push((await ask(p.prompt.trim() || `Password for ${hop.label}:`)) ?? '');
              finish(answers);
            })();
          },
        };
      },
    });
  }

  let next = 0;
  // ssh2 passes null methods on the first call and accepts `false` for "no more", which its
  // typings do not say.
  const handler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, done: (method: AnyAuthMethod | false) => void) => {
    void (async () => {
      while (next < steps.length) {
        const step = steps[next++]!;
        if (methodsLeft && !methodsLeft.includes(step.method)) continue;
        try {
          const method = await step.run();
          if (method) return done(method);
        } catch {
          // A key that cannot be read is skipped; the final error lists what was tried.
        }
      }
      done(false);
    })();
  };
  return handler as unknown as AuthHandlerMiddleware;
}

interface Identity {
  data: Buffer;
  encrypted: boolean;
  key?: ParsedKey;
}

/**
 * The identity files that can be read. A file the profile or the ssh config names that is
 * missing, unreadable or not a key is noted in `tried` (the authentication error then says
 * so); the default keys (`~/.ssh/id_*`) are skipped silently when absent, as OpenSSH does.
 */
async function loadIdentities(hop: Hop, tried: string[]): Promise<Map<string, Identity>> {
  const out = new Map<string, Identity>();
  for (const file of hop.identityFiles) {
    const named = hop.namedIdentityFiles.includes(file);
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (named) tried.push(`key ${file} (${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : (error as Error).message})`);
      continue;
    }
    const parsed = sshUtils.parseKey(data);
    if (parsed instanceof Error) {
      if (/passphrase|encrypted/i.test(parsed.message)) out.set(file, { data, encrypted: true });
      else if (named) tried.push(`key ${file} (not a private key: ${parsed.message})`);
      continue;
    }
    out.set(file, { data, encrypted: false, key: Array.isArray(parsed) ? parsed[0] : parsed });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ~/.ssh/config

type ConfigValues = Record<string, string | string[]>;
type SshConfigFile = { compute(host: string): ConfigValues };

interface Hop {
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

async function loadConfig(file: string | null | undefined): Promise<SshConfigFile> {
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

function splitJumps(jump: string | string[]): string[] {
  return (Array.isArray(jump) ? jump : jump.split(',')).map((s) => s.trim()).filter(Boolean);
}

function parseJump(spec: string): { host: string; user?: string; port?: number } {
  const s = spec.replace(/^ssh:\/\//, '').replace(/\/$/, '');
  return parseHostSpec(s);
}

function resolveHop(
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

// ---------------------------------------------------------------------------------------------

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false;
  await Promise.race([p.then(() => (done = true)), delay(ms)]);
  return done;
}
