/**
 * What an SSH connection is asked for and asks back: the target (a profile's ssh target plus the
 * ssh config to honour), the questions only a person can answer (host keys, passphrases,
 * passwords), and the defaults that apply when neither the target nor ~/.ssh/config says.
 */
import type { SshTarget as ProfileSshTarget } from '../core/profiles';
import type { Transport } from './transport';

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

/** Keepalive interval, keepalive count and connect timeout when neither the target nor ~/.ssh/config says. */
export const DEFAULT_KEEPALIVE_S = 10;
export const DEFAULT_KEEPALIVE_COUNT = 3;
export const DEFAULT_CONNECT_TIMEOUT_S = 20;
