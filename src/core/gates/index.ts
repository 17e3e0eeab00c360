/**
 * Gates: the one plan of what stands between a step and its run on a profile, and the rules it is made of.
 *
 * The entry point of this folder: modules outside src/core import it from here.
 */
export * from './plan';
export * from './rules';
