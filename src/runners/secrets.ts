/**
 * A profile's secrets, resolved one way for every front end (`opsdoc run`, `opsdoc check`, the
 * editor): `{"env": "NAME"}` from the environment Opsdoc runs in, `"ask"` from whoever can be
 * asked (a terminal, an input box), or, when nobody can be asked, left out and named so the
 * front end can say which steps cannot run without it. The values go into the session's
 * environment and are redacted from everything shown and recorded.
 */
import type { ResolvedProfile } from '../core/profiles';

/** What became of a profile's secrets. */
export interface SecretResolution {
  /** Values by name: exported into the session, redacted everywhere. */
  values: Record<string, string>;
  /** `{"env": ...}` secrets whose variable is not set: nothing was asked then. */
  missing: { name: string; env: string }[];
  /** `"ask"` secrets nobody could be asked for (no `ask` given). */
  unavailable: string[];
  /** The `"ask"` secret the person declined to give (cancelled, or input ended); asking stopped there. */
  declined?: string;
}

/**
 * Resolves `profile`'s secrets: environment references from `env` first (when one is missing,
 * nothing is asked: the caller refuses anyway), then `"ask"` ones through `ask`, in the
 * profile's order. Without `ask` those are `unavailable`.
 */
export async function resolveSecrets(
  profile: Pick<ResolvedProfile, 'secrets'>,
  env: Readonly<Record<string, string | undefined>>,
  ask?: (name: string) => Promise<string | undefined>,
): Promise<SecretResolution> {
  const out: SecretResolution = { values: {}, missing: [], unavailable: [] };
  const asked: string[] = [];
  for (const [name, ref] of Object.entries(profile.secrets)) {
    if (ref === 'ask') {
      asked.push(name);
      continue;
    }
    const value = env[ref.env];
    if (value === undefined) out.missing.push({ name, env: ref.env });
    else out.values[name] = value;
  }
  if (out.missing.length > 0) return out;
  for (const name of asked) {
    if (!ask) {
      out.unavailable.push(name);
      continue;
    }
    const value = await ask(name);
    if (value === undefined) {
      out.declined = name;
      return out;
    }
    out.values[name] = value;
  }
  return out;
}

/** The one-line error for a missing environment reference (without the `opsdoc: ` prefix or a newline). */
export function missingSecretText(profile: string, missing: { name: string; env: string }): string {
  return `profile "${profile}" takes the secret ${missing.name} from $${missing.env}, which is not set`;
}
