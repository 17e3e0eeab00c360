/** Which names are secrets' names, wherever a name is all Opsdoc has to go by. */

/** Placeholder (or secret) names whose values are secrets: typed into masked boxes, kept in secret storage, redacted. */
export const SECRET_NAME = /pass(word)?|secret|token|api[-_]?key|private[-_]?key|credential/i;

/** Whether a placeholder's value is a secret, by its name. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
