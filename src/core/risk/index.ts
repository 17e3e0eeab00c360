/**
 * Risk: why a step is dangerous, with the doc's own words as evidence.
 *
 * The entry point of this folder: modules outside src/core import it from here.
 */
export * from './risk';
