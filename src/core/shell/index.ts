/**
 * Shell analysis with the real shell parser: the commands a step runs, the variables it defines and reads, and the hops (`ssh host` followed by lines for that host).
 *
 * The entry point of this folder: modules outside src/core import it from here.
 */
export * from './analysis';
export * from './hops';
export * from './quote';
export * from './variables';
export * from './clients';
