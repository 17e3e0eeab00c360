/**
 * Filling placeholders: a value written so that whatever reads the step sees exactly that
 * value (see `fill.ts`), and the command a person copies.
 *
 * The entry point of this folder: modules outside src/core import it from here.
 */
export * from './fill';
export * from './copyText';
