/**
 * Notes in the doc: after each run the step's outcome note is applied as a WorkspaceEdit, so
 * it is undoable and correct on unsaved documents. A document that was clean is saved after
 * the edit; a dirty one stays dirty (the person's unsaved work is theirs to save). The edit
 * touches only the note's own lines (`upsertNote`).
 *
 * The doc may have changed while the step ran: the current text is parsed again and the step
 * is found by name, so the note lands after the right step; when the step is gone the note is
 * skipped, with a message. `opsdoc.notes.mode`: `inline` (default), `comment` (invisible when
 * rendered), `off` (no notes).
 *
 * The file is shared with other writers (an `opsdoc run --write-notes` in a terminal, another
 * window), so a clean document on disk is written only under the doc's lock (`docFile`, the
 * one the CLI takes):
 * - when the editor's text is the file's, the edit is applied and saved while holding it
 *   (undoable, as above), and no other writer can come in between;
 * - when they differ (another writer changed the file and the editor has not reloaded it yet,
 *   or the editor shows the file differently: it normalises mixed line endings), the note is
 *   written into the file itself, exactly as the CLI writes it, and the editor reloads the
 *   clean document: saving the buffer would drop the other writer's note or rewrite bytes;
 * - a file that is not UTF-8 gets no note (saving would replace the bytes it cannot show).
 * A dirty document is never saved: the note goes into the buffer, and if another writer changes
 * the file meanwhile, the editor's own save conflict asks the person which to keep.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { settings } from './settings';
import { NoteError, upsertNote, type NoteMode } from '../core/notes';
import type { Outcome } from '../core/outcome';
import { parseRunbook } from '../core/model';
import { DocWriteError, readDocText, rewriteDocLocked, withDocLock } from '../runners/docFile';
import { noteEdit } from '../runners/records';

/** What happened to a note. */
export type NoteResult =
  | { written: true; changed: boolean }
  | { written: false; reason: string };


/** Writes outcome notes into documents, one edit at a time per document. */
export class NotesWriter implements vscode.Disposable {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly wrote = new vscode.EventEmitter<{ uri: vscode.Uri; outcome: Outcome; result: NoteResult }>();
  /** Fires after each attempt, written or not. */
  readonly onDidWrite = this.wrote.event;

  /** Writes (or rewrites) the note of `outcome.step` in the document at `uri`. */
  write(uri: vscode.Uri, outcome: Outcome): Promise<NoteResult> {
    const key = uri.toString();
    const next = (this.queues.get(key) ?? Promise.resolve()).then(() => this.writeNow(uri, outcome));
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  private async writeNow(uri: vscode.Uri, outcome: Outcome): Promise<NoteResult> {
    const result = await this.apply(uri, outcome).catch((error: unknown): NoteResult => ({ written: false, reason: (error as Error).message }));
    if (!result.written && result.reason !== 'notes are off') {
      void vscode.window.showWarningMessage(`Opsdoc: the note of "${outcome.step}" was not written: ${result.reason}`);
    }
    this.wrote.fire({ uri, outcome, result });
    return result;
  }

  private async apply(uri: vscode.Uri, outcome: Outcome): Promise<NoteResult> {
    const mode = settings.notesMode(uri);
    if (mode === 'off') return { written: false, reason: 'notes are off' };
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.uri.scheme !== 'file' || doc.isDirty) return this.applyToBuffer(doc, outcome, mode);
    try {
      return await withDocLock(doc.uri.fsPath, (real) => {
        const onDisk = readDocText(real);
        // The buffer is what is on disk (a BOM is not part of the editor's text): edit it and save.
        if (doc.isDirty || onDisk.replace(/^\uFEFF/, '') === doc.getText()) return this.applyToBuffer(doc, outcome, mode);
        const { changed } = rewriteDocLocked(real, noteEdit(doc.uri.fsPath, outcome, mode), doc.uri.fsPath);
        return { written: true, changed };
      });
    } catch (error) {
      if (error instanceof DocWriteError) return { written: false, reason: error.message };
      throw error;
    }
  }

  /** The note as an edit of the document; a document that was clean is saved after it. */
  private async applyToBuffer(doc: vscode.TextDocument, outcome: Outcome, mode: NoteMode): Promise<NoteResult> {
    // The text can change between reading it and the edit landing (a person typing): then
    // read it again. Reading and building the edit are synchronous, so this is rare.
    for (let attempt = 0; attempt < 3; attempt++) {
      const wasDirty = doc.isDirty;
      const version = doc.version;
      const text = doc.getText();
      const runbook = parseRunbook(text, { path: doc.uri.fsPath || doc.uri.path });
      const step = runbook.steps.find((s) => s.name === outcome.step);
      if (!step) return { written: false, reason: `the step is no longer in ${basename(doc.uri.path)}` };
      let edit;
      try {
        ({ edit } = upsertNote(text, runbook, step.index, outcome, { mode }));
      } catch (error) {
        if (error instanceof NoteError) return { written: false, reason: error.message };
        throw error;
      }
      if (text.slice(edit.start, edit.end) === edit.newText) return { written: true, changed: false };
      const workspaceEdit = new vscode.WorkspaceEdit();
      workspaceEdit.replace(doc.uri, new vscode.Range(doc.positionAt(edit.start), doc.positionAt(edit.end)), edit.newText);
      if (doc.version !== version) continue;
      const applied = await vscode.workspace.applyEdit(workspaceEdit);
      if (!applied) {
        if (doc.version !== version) continue;
        return { written: false, reason: 'the editor refused the edit' };
      }
      if (!wasDirty && !doc.isUntitled) await doc.save();
      return { written: true, changed: true };
    }
    return { written: false, reason: 'the document kept changing while the note was written' };
  }

  dispose(): void {
    this.wrote.dispose();
  }
}

/** Hooks the notes writer onto every finished step of the controller. */
export function registerNotesWriter(
  writer: NotesWriter,
  controller: { addAfterStep(hook: (uri: vscode.Uri, outcome: Outcome) => Promise<unknown>): vscode.Disposable },
): vscode.Disposable {
  return vscode.Disposable.from(writer, controller.addAfterStep((uri, outcome) => writer.write(uri, outcome)));
}
