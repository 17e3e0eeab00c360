/**
 * Outcomes: what happened when a step ran, judged against `expect`, shown in lenses and JUnit reports.
 *
 * The entry point of this folder: modules outside src/core import it from here.
 */
export * from './expect';
export * from './junit';
export * from './lensText';
export * from './outcome';
export * from './transcript';
