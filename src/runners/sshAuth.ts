/**
 * Authentication, in OpenSSH's order: identity files that need no passphrase, the agent,
 * encrypted identity files (asked), then a password and keyboard-interactive (asked). What was
 * tried is kept for the error, including a named key file that is missing or not a key.
 */
import { readFile } from 'node:fs/promises';
import { type AuthenticationType, type AnyAuthMethod, utils as sshUtils, type Prompt, type AuthHandlerMiddleware, type ParsedKey } from 'ssh2';
import type { SshCallbacks } from './sshTypes';
import type { Hop } from './sshConfig';

/**
 * ssh2's auth handler for `hop`, trying methods in OpenSSH's order (see the module comment)
 * and writing each attempt to `tried`; `asking` pauses the connect timeout while a person answers.
 */
export function makeAuthHandler(hop: Hop, callbacks: SshCallbacks, asking: <T>(q: () => Promise<T>) => Promise<T>, tried: string[]) {
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
