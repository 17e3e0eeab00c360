/**
 * From a profile's target to a transport: local, SSH, a container through its engine's CLI,
 * and containers reached through another target (`via`: "ssh to the manager, then docker
 * exec into the backend"). One transport per session; closing the outermost closes the chain.
 */
import type { Target } from '../core/profiles';
import { localTransport } from './local';
import type { Transport } from './transport';

/** Callbacks a front end gives for questions a connection may ask. */
export interface TargetCallbacks {
  /** An unknown host key: may the connection trust it (and record it)? A changed key is always refused. */
  verifyHost?: (info: { host: string; port: number; keyType: string; fingerprint: string; known: 'unknown' | 'changed'; knownFingerprint?: string }) => Promise<boolean>;
  /** The passphrase of an encrypted private key. */
  passphrase?: (keyFile: string) => Promise<string | undefined>;
  /** A password, when the server asks for one. */
  password?: (info: { host: string; port: number; user: string; prompt: string }) => Promise<string | undefined>;
}

/** Opens the transport for `target`. Rejects with a readable error when it cannot be reached. */
export async function openTarget(target: Target, callbacks: TargetCallbacks = {}): Promise<Transport> {
  switch (target.type) {
    case 'local':
      return localTransport(target.shell ? { shell: target.shell } : {});
    case 'ssh': {
      const { sshTransport } = await loadRemote();
      return sshTransport(target, callbacks);
    }
    case 'container': {
      const { containerTransport } = await loadRemote();
      const parent = target.via ? await openTarget(target.via, callbacks) : localTransport();
      return containerTransport(target, parent);
    }
  }
}

/** Set to true by esbuild.mjs in the shipped bundles; undefined when the sources run as they are (tests). */
declare const OPSDOC_BUNDLED: boolean | undefined;

/**
 * The SSH and container transports. In the shipped bundles they live in dist/remote.js, next
 * to extension.js and cli.js, and are required on first use; from the sources they are a
 * plain dynamic import.
 */
async function loadRemote(): Promise<typeof import('./remote')> {
  // esbuild folds this condition to false in the bundles and drops the import() with it.
  if (typeof OPSDOC_BUNDLED === 'undefined') return import('./remote');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./remote.js') as typeof import('./remote');
}
