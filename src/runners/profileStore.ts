/**
 * The profiles of a workspace, read from `<workspaceRoot>/.opsdoc/profiles.json` and kept
 * current while the file is edited.
 *
 * A broken file never takes profiles away from a person in the middle of their work: its
 * problems are reported and the last version that loaded cleanly stays in use (`stale`)
 * until the file is fixed. A file that does not exist means the built-in `local` profile
 * only (deleting the file is deliberate, unlike a half-typed edit).
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, watch as fsWatch, writeFileSync, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  PROFILES_FILE,
  listProfiles,
  parseProfiles,
  resolveProfile,
  type ProfileProblem,
  type ProfilesConfig,
  type ResolvedProfile,
} from '../core/profiles';

/** What the store holds after a load. */
export interface ProfileStoreState {
  /** Absolute path of the profiles file. */
  file: string;
  /** Whether the file exists. */
  exists: boolean;
  /**
   * The config in use: the file's when it is valid, else the last valid one (see `stale`),
   * else undefined, which means the built-in `local` profile only.
   */
  config: ProfilesConfig | undefined;
  /** The profiles in use, resolved with their defaults (built-in `local` included). */
  profiles: ResolvedProfile[];
  /** Problems of the file as it is on disk now (errors and warnings). */
  problems: ProfileProblem[];
  /** True when the file on disk has errors and an earlier valid version is in use. */
  stale: boolean;
}

/** Options of a `ProfileStore`. */
export interface ProfileStoreOptions {
  /** Quiet time after the last file event before reloading (editors write in bursts). Default 100 ms. */
  debounceMs?: number;
}

/** Reads a profiles file with no BOM surprises; `undefined` when it does not exist. */
function readText(file: string): { text?: string; error?: string } {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (fstatSync(fd).isDirectory()) return { error: 'is a directory, not a file' };
    // A UTF-8 BOM (some Windows editors add one) is not JSON; drop it so positions stay right.
    return { text: readFileSync(fd, 'utf8').replace(/^\uFEFF/, '') };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return {};
    return { error: err.message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The profiles of one workspace. `load()` reads the file now; `watch()` reloads it when it
 * changes. Never throws for a missing, unreadable or broken file: that is what `problems` is for.
 */
export class ProfileStore {
  /** Absolute path of `.opsdoc/profiles.json` in this workspace. */
  readonly file: string;
  private readonly debounceMs: number;
  private lastGood: ProfilesConfig | undefined;
  /** The text of the last load (null: no file; undefined: never loaded or unreadable), to skip no-op reloads. */
  private lastText: string | null | undefined;
  private current: ProfileStoreState | undefined;

  constructor(readonly workspaceRoot: string, options: ProfileStoreOptions = {}) {
    this.file = join(workspaceRoot, PROFILES_FILE);
    this.debounceMs = options.debounceMs ?? 100;
  }

  /** The state of the last load; loads first when nothing was loaded yet. */
  get state(): ProfileStoreState {
    return this.current ?? this.load();
  }

  /** Reads and validates the file now, keeping the last valid config when it is broken. */
  load(): ProfileStoreState {
    const { text, error } = readText(this.file);
    return this.apply(text, error);
  }

  /** The profile called `name` (the default when omitted) from the current state; throws `ProfileNotFoundError`. */
  resolve(name?: string): ResolvedProfile {
    return resolveProfile(this.state.config, name);
  }

  private apply(text: string | undefined, error: string | undefined): ProfileStoreState {
    let problems: ProfileProblem[] = [];
    if (error !== undefined) {
      this.lastText = undefined;
      problems = [{ file: this.file, line: 1, column: 1, path: '', message: `cannot read the profiles file: ${error}`, severity: 'error' }];
    } else if (text === undefined) {
      // No file: built-in profiles only, and nothing earlier to fall back to.
      this.lastText = null;
      this.lastGood = undefined;
    } else {
      this.lastText = text;
      const parsed = parseProfiles(text, this.file);
      problems = parsed.problems;
      if (parsed.config) this.lastGood = parsed.config;
    }
    const broken = problems.some((p) => p.severity === 'error');
    const config = this.lastGood;
    this.current = {
      file: this.file,
      exists: text !== undefined || error !== undefined,
      config,
      profiles: listProfiles(config),
      problems,
      stale: broken && config !== undefined,
    };
    return this.current;
  }

  /**
   * Calls `onChange` with the new state whenever the file is created, changed or deleted
   * (debounced; a write that leaves the text as it was is not reported). Watches the
   * `.opsdoc` folder rather than the file, because editors save by replacing the file, and
   * the workspace root for the folder coming and going. Returns a disposer; call it to stop.
   */
  watch(onChange: (state: ProfileStoreState) => void): () => void {
    const dir = dirname(this.file);
    // PROFILES_FILE is `.opsdoc/profiles.json`: the folder in the root, the file in the folder.
    const [folder, base] = PROFILES_FILE.split('/') as [string, string];
    let timer: NodeJS.Timeout | undefined;
    let dirWatcher: FSWatcher | undefined;
    let rootWatcher: FSWatcher | undefined;
    let closed = false;
    if (this.current === undefined) this.load();

    const reload = () => {
      timer = undefined;
      if (closed) return;
      const { text, error } = readText(this.file);
      if (error === undefined && (text ?? null) === this.lastText) return;
      onChange(this.apply(text, error));
    };
    const schedule = () => {
      if (closed) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(reload, this.debounceMs);
    };
    const watchDir = () => {
      dirWatcher?.close();
      dirWatcher = undefined;
      if (closed || !existsSync(dir)) return;
      try {
        dirWatcher = fsWatch(dir, (_event, name) => {
          if (!name || name === base) schedule();
        });
        dirWatcher.on('error', () => {
          // The folder went away: the root watcher sees it come back.
          dirWatcher?.close();
          dirWatcher = undefined;
          schedule();
        });
      } catch {
        dirWatcher = undefined;
      }
    };
    try {
      rootWatcher = fsWatch(this.workspaceRoot, (_event, name) => {
        if (name && name !== folder) return;
        watchDir();
        schedule();
      });
      rootWatcher.on('error', () => {
        rootWatcher?.close();
        rootWatcher = undefined;
      });
    } catch {
      rootWatcher = undefined;
    }
    watchDir();
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      dirWatcher?.close();
      rootWatcher?.close();
    };
  }

  /** A commented starting point for `.opsdoc/profiles.json` (see `profilesTemplate`). */
  templateText(): string {
    return profilesTemplate();
  }

  /**
   * Creates the profiles file from the template when it does not exist (never overwrites),
   * for the editor's "Edit Profiles" command. Returns true when it created the file.
   */
  createFromTemplate(): boolean {
    if (existsSync(this.file)) return false;
    mkdirSync(dirname(this.file), { recursive: true });
    try {
      writeFileSync(this.file, profilesTemplate(), { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }
}

/**
 * A commented template for `.opsdoc/profiles.json`: the built-in `local` made explicit, an
 * SSH `staging` host behind a jump host, and a protected `production` that reaches the
 * backend container on a Swarm worker through SSH (the chain runbooks walk by hand). It
 * parses with no problems at all (a test checks).
 */
export function profilesTemplate(): string {
  return `// Opsdoc environment profiles: where the steps of your runbooks run.
// JSON with comments. Secrets never go in this file: reference them by environment
// variable ({"env": "NAME"}) or "ask" for them when a step needs them.
// \${env:NAME} (or \${env:NAME:-fallback}) in a value is taken from the environment Opsdoc
// runs in, so per-machine paths stay out of the shared file.
{
  // The profile used when none is chosen.
  "default": "local",
  "profiles": {
    "local": {
      "description": "This machine",
      "target": { "type": "local" }
    },

    "staging": {
      "description": "Staging API host, through the bastion",
      "target": {
        "type": "ssh",
        "host": "staging-api.internal",   // a host name or an alias from ~/.ssh/config
        "user": "deploy",
        "jump": "ops@bastion.example.com:22",
        "identityFile": "\${env:HOME}/.ssh/id_ed25519",
        "keepaliveSeconds": 30
      },
      "env": { "APP_ENV": "staging" },
      // Values for placeholders in the docs: <manager-ip>, {{tag}}, THE_NAME_OF_THE_BACKUP_FILE...
      "vars": { "manager-ip": "10.0.1.10" },
      "secrets": {
        "PGPASSWORD": { "env": "STAGING_PG_PASSWORD" }
      },
      "languages": {
        "sql": "psql -X -v ON_ERROR_STOP=1 \\"postgresql://app@db.staging.internal:5432/app\\""
      },
      "timeout": "10m"
    },

    "production": {
      "description": "Production backend container, on the Swarm worker",
      // Every step asks first, and the profile's name must be typed.
      "protected": true,
      "target": {
        "type": "container",
        "engine": "docker",
        "filter": "name=maplefile.*backend",
        // Where docker runs: ssh to the worker through the manager.
        "via": {
          "type": "ssh",
          "host": "worker-1.prod.internal",
          "user": "dockeradmin",
          "jump": "dockeradmin@manager.prod.internal"
        }
      },
      "secrets": {
        "PGPASSWORD": "ask"
      },
      "timeout": "5m"
    }
  }
}
`;
}
