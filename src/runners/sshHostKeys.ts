/**
 * Host keys: known_hosts read (hashed entries, patterns, ports, @revoked) and written, and the
 * check of a server's key against them (an unknown key is asked about; a changed one refused).
 */
import { createHmac, createHash, randomBytes } from 'node:crypto';
import { readFile, mkdir, appendFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { trimEndOf } from '../core/model';
import type { SshCallbacks } from './sshTypes';
import type { Hop } from './sshConfig';

/** One known_hosts line. */
export interface KnownEntry {
  marker: '' | 'revoked' | 'cert-authority';
  patterns: string;
  keyType: string;
  key: Buffer;
  file: string;
}

/** Every entry of the known_hosts files that exist (a missing or unreadable file is skipped). */
export async function readKnownHosts(files: string[]): Promise<KnownEntry[]> {
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

/** The key types known_hosts has for `name`, so the handshake asks for one of them first. */
export function knownKeyTypes(entries: KnownEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => e.marker === '' && hostFieldMatches(e.patterns, name)).map((e) => e.keyType))];
}

/** The host key algorithms to offer: the known types first, then the rest in ssh2's order. */
export function hostKeyAlgorithms(keyTypes: string[]): string[] {
  const out: string[] = [];
  for (const t of keyTypes) {
    if (t === 'ssh-rsa') out.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (t === 'ssh-ed25519' || t.startsWith('ecdsa-sha2-') || t === 'ssh-dss') out.push(t);
  }
  return out;
}

/**
 * Checks a server's key for `hop`: known passes, revoked and changed refuse (with both
 * fingerprints), unknown asks `verifyHost` and, when trusted, appends it to the first known_hosts file.
 */
export async function checkHostKey(
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
