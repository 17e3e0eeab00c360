/**
 * A profile's target in a few words, for the profile picker and the terminal's step headers:
 * `this machine (bash)`, `ssh deploy@staging-api.internal via ops@bastion.example.com`,
 * `docker exec name=maplefile.*backend, via ssh dockeradmin@worker-1.prod.internal`.
 *
 * Pure.
 */
import type { Target } from './profiles';

/** The target in words. */
export function describeTarget(target: Target): string {
  switch (target.type) {
    case 'local':
      return `this machine${target.shell ? ` (${target.shell})` : ''}${target.cwd ? ` in ${target.cwd}` : ''}`;
    case 'ssh': {
      const who = `${target.user ? `${target.user}@` : ''}${target.host}${target.port && target.port !== 22 ? `:${target.port}` : ''}`;
      const jump = target.jump === undefined ? [] : Array.isArray(target.jump) ? target.jump : target.jump.split(',').map((s) => s.trim()).filter(Boolean);
      return `ssh ${who}${jump.length > 0 ? ` via ${jump.join(', ')}` : ''}`;
    }
    case 'container': {
      const which = target.container ?? target.filter ?? (target.deployment ? `deploy/${target.deployment}` : target.pod) ?? '?';
      const ns = target.engine === 'kubectl' && target.namespace ? ` -n ${target.namespace}` : '';
      return `${target.engine} exec ${which}${ns}${target.via ? `, via ${describeTarget(target.via)}` : ''}`;
    }
  }
}
