/**
 * Notes: outcomes written into the doc right after their step, and read back.
 *
 * The entry point of this folder: modules outside src/core import it from here.
 */
export * from './notes';
export * from './stepNotes';
