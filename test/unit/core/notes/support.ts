/** Shared by the notes tests: the docs to write notes into, and outcomes to write. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES, RUNBOOK_FIXTURES } from '../../../support/fixtures';
import { hashCode, type Outcome } from '../../../../src/core/outcome/outcome';
import { parseRunbook, type Runbook } from '../../../../src/core/model/runbook';
import { parseNotes } from '../../../../src/core/notes/notes';
import { remarkTree } from '../../../../src/core/markdown/reference';
import type { Nodes } from 'mdast';

/** Every markdown file among the runbook fixtures (their README too) and the examples. */
export function allDocs(): { name: string; path: string; text: string }[] {
  const from = (dir: string) =>
    readdirSync(dir)
      .filter((f) => /\.mdx?$/.test(f))
      .sort()
      .map((f) => ({ name: f, path: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }));
  return [...from(RUNBOOK_FIXTURES), ...from(EXAMPLES)];
}

/** LF and CRLF versions of a doc (the fixtures are LF; a doc with CR already is kept as is). */
export function lineEndingVariants(text: string): { eol: 'lf' | 'crlf'; text: string }[] {
  return [
    { eol: 'lf', text },
    { eol: 'crlf', text: text.replace(/\r?\n/g, '\r\n') },
  ];
}

export function parse(text: string, name: string): Runbook {
  return parseRunbook(text, { path: name });
}

/** An outcome for a step, with fields a test can vary. */
export function outcomeFor(step: { name: string; code: string }, over: Partial<Outcome> = {}): Outcome {
  return {
    status: 'passed',
    exitCode: 0,
    durationMs: 1234,
    profile: 'local',
    at: '2026-11-25T10:00:00.000Z',
    by: 'alice',
    codeHash: hashCode(step.code),
    step: step.name,
    ...over,
  };
}

/**
 * The document's block structure as remark sees it, with the notes' nodes left out: equal
 * outlines before and after writing notes mean the notes broke no container and changed no
 * neighbour (a paragraph did not join a quote, a tight list did not turn loose).
 */
export function outlineWithoutNotes(text: string, flavor: 'markdown' | 'mdx'): string {
  const notes = parseNotes(text, { flavor });
  const inNote = (line: number) => notes.some((n) => line >= n.startLine && line <= n.endLine);
  const walk = (node: Nodes): string => {
    const children = 'children' in node ? (node.children as Nodes[]) : [];
    const kept = children.filter((c) => !c.position || !inNote(c.position.start.line - 1)).map(walk);
    const value = 'value' in node && typeof node.value === 'string' ? JSON.stringify(node.value) : '';
    const spread = node.type === 'list' || node.type === 'listItem' ? (node.spread ? '[loose]' : '[tight]') : '';
    return `${node.type}${spread}${value}(${kept.join(',')})`;
  };
  return walk(remarkTree(text, flavor));
}
