/**
 * Profiles: the `.opsdoc/profiles.json` schema, its checks, and profiles resolved for a run.
 *
 * The entry point of this folder: modules outside src/core import it from here.
 */
export * from './profiles';
export * from './targetText';
