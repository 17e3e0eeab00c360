/** The profile a command runs or checks against, as the CLI loads it. */
import { expandEnvRefs, type ResolvedProfile } from '../core/profiles';
import { ProfileStore } from '../runners/profileStore';
import type { CliIo } from './io';

/**
 * The profile `name` (default: the file's default) of the workspace at `root`, with
 * `${env:...}` filled from this process's environment. Reports the profiles file's problems
 * (warnings too unless `warnings: false`; none when `quiet`) and returns undefined when it
 * has errors (unless `lastGood`: then the last good profiles, or the built-in `local`, are
 * used), the profile does not exist, or an environment variable it needs is missing.
 */
export function loadProfile(
  root: string,
  name: string | undefined,
  io: CliIo,
  options: { warnings?: boolean; quiet?: boolean; lastGood?: boolean } = {},
): ResolvedProfile | undefined {
  const store = new ProfileStore(root);
  const state = store.load();
  for (const p of state.problems) {
    if (options.quiet) break;
    if (options.warnings !== false || p.severity === 'error') io.err(`${p.file}:${p.line}:${p.column}: ${p.severity}: ${p.message}${p.path ? ` (${p.path})` : ''}\n`);
  }
  if (!options.lastGood && state.problems.some((p) => p.severity === 'error')) {
    io.err(`opsdoc: ${state.file} has errors; fix them first\n`);
    return undefined;
  }
  try {
    const expanded = expandEnvRefs(store.resolve(name), process.env);
    if (expanded.missing.length > 0) {
      io.err(`opsdoc: profile "${expanded.profile.name}" needs environment variables: ${expanded.missing.join(', ')}\n`);
      return undefined;
    }
    return expanded.profile;
  } catch (error) {
    io.err(`opsdoc: ${(error as Error).message}\n`);
    return undefined;
  }
}

