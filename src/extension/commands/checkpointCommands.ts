/**
 * Create and restore checkpoints. Restoring rewrites files, so it first shows what will change
 * (each file can be opened in a diff editor), then asks, then puts the files back and starts a
 * session forked at the checkpoint's point of the conversation.
 */
import * as vscode from 'vscode';
import { ShannonError } from '../../core/errors.js';
import type { Checkpoint, Checkpoints } from '../../core/checkpoints/types.js';
import type { ShannonCore } from '../core.js';
import { checkpointIdFrom, confirmedFrom, textFrom } from '../model/commandArgs.js';
import { formatAge, oneLine } from '../model/format.js';
import { REVIEW_NEEDS_CHECKPOINTS } from '../model/turnReviewModel.js';
import type { CommandContext } from './context.js';
import { resolveSession } from './pickers.js';

type ChangeItem = vscode.QuickPickItem & { path?: string; restore?: true };

export function checkpointCommands(ctx: CommandContext): Record<string, (...args: unknown[]) => unknown> {
  return {
    'shannon.createCheckpoint': async (arg) => {
      const core = await ctx.core();
      const checkpoints = requireCheckpoints(core);
      const r = await resolveSession(core, arg, {
        title: 'Create Checkpoint',
        eligible: (s) => s.state !== 'created' && s.state !== 'queued',
        none: 'No session to checkpoint: start one first.',
      });
      if (!r) return undefined;
      let label = textFrom(arg, 'label');
      if (label === undefined && (arg as { background?: unknown } | undefined)?.background !== true) {
        const typed = await vscode.window.showInputBox({
          title: `Checkpoint "${oneLine(r.title, 50)}"`,
          prompt: 'A name to find it by (the workspace files and the conversation point are saved)',
          value: `Checkpoint ${new Date().toLocaleTimeString()}`,
        });
        if (typed === undefined) return undefined;
        label = typed.trim() || undefined;
      }
      const checkpoint = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Saving checkpoint of ${vscode.workspace.asRelativePath(r.workspaceFolder)}…` },
        () => checkpoints.create(r.id, label),
      );
      vscode.window.setStatusBarMessage(`$(bookmark) Checkpoint "${checkpoint.label}" saved (${checkpoint.files} files)`, 5000);
      return checkpoint;
    },

    'shannon.restoreCheckpoint': async (arg) => {
      if (!(await ctx.trust.allows('restore a checkpoint'))) return undefined;
      const core = await ctx.core();
      const checkpoints = requireCheckpoints(core);
      const checkpointId = checkpointIdFrom(arg) ?? (await pickCheckpoint(core, checkpoints, arg))?.id;
      if (!checkpointId) return undefined;
      const preview = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Comparing the checkpoint with the current files…', cancellable: true },
        (_, token) => checkpoints.preview(checkpointId, abortSignal(token)),
      );
      const confirmed = confirmedFrom(arg) || (await confirmRestore(core, preview));
      if (!confirmed) return undefined;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Restoring "${preview.checkpoint.label}"…` },
        () => checkpoints.restore(checkpointId),
      );
      const files = result.restored.length + result.removed.length;
      void vscode.window.showInformationMessage(
        `Restored "${result.checkpoint.label}": ${files} file${files === 1 ? '' : 's'} put back; the conversation continues in a new session forked there.`,
      );
      void ctx.tree.reveal(result.sessionId).catch(() => undefined);
      await ctx.panels().show(result.sessionId);
      return result;
    },

    'shannon.reviewTurnEdits': async (arg) => {
      const core = await ctx.core();
      const checkpoints = requireCheckpoints(core);
      // A checkpoint row of an automatic checkpoint: that turn.
      const checkpointId = checkpointIdFrom(arg);
      if (checkpointId) return ctx.turnReviews.review(checkpointId);
      const active = ctx.panels().lastActiveSessionId?.();
      const r = await resolveSession(core, arg ?? active, {
        title: 'Review Edits of Last Turn',
        eligible: (s) => checkpoints.editedTurns(s.id).length > 0,
        none: ctx.settings.current.autoCheckpoint ? 'No session has a turn that edited files yet.' : REVIEW_NEEDS_CHECKPOINTS,
      });
      if (!r) return undefined;
      await ctx.turnReviews.reviewLast(r.id, r.title);
      return undefined;
    },

    'shannon.revertTurnFile': () => ctx.turnReviews.revertActiveDiff(),
  };
}

function requireCheckpoints(core: ShannonCore): Checkpoints {
  if (!core.checkpoints) {
    throw new ShannonError('NOT_SUPPORTED', 'Checkpoints are not available in this Shannon build.', 'Update Shannon.');
  }
  return core.checkpoints;
}

async function pickCheckpoint(core: ShannonCore, checkpoints: Checkpoints, arg: unknown): Promise<Checkpoint | undefined> {
  const withCheckpoints = new Set(core.store.listCheckpoints().map((c) => c.sessionId));
  const session = await resolveSession(core, arg, {
    title: 'Restore Checkpoint: session',
    eligible: (s) => withCheckpoints.has(s.id),
    none: 'No session has a checkpoint yet (Create Checkpoint makes one).',
  });
  if (!session) return undefined;
  const list = await checkpoints.list(session.id);
  if (list.length === 0) {
    void vscode.window.showInformationMessage(`"${session.title}" has no checkpoints.`);
    return undefined;
  }
  const now = Date.now();
  const picked = await vscode.window.showQuickPick(
    [...list].reverse().map((c) => ({ label: `$(bookmark) ${c.label}`, description: `${formatAge(c.createdAt, now)} · ${c.files} files`, checkpoint: c })),
    { title: 'Restore Checkpoint', placeHolder: 'Which checkpoint?' },
  );
  return picked?.checkpoint;
}

const CHANGE_TEXT: Record<string, { icon: string; text: string }> = {
  added: { icon: 'diff-removed', text: 'created since: will be removed' },
  modified: { icon: 'diff-modified', text: 'changed since: will be put back' },
  deleted: { icon: 'diff-added', text: 'deleted since: will be put back' },
};

/** Shows the files the restore changes; Enter on the first row restores, on a file opens its diff. */
async function confirmRestore(
  core: ShannonCore,
  preview: { checkpoint: Checkpoint; changes: Array<{ path: string; change: string }> },
): Promise<boolean> {
  const { checkpoint, changes } = preview;
  const restoreItem: ChangeItem = {
    label: `$(history) Restore ${changes.length} file${changes.length === 1 ? '' : 's'} and fork the conversation here`,
    description: changes.length === 0 ? 'the files already match; only the conversation forks' : undefined,
    restore: true,
    alwaysShow: true,
  };
  const items: ChangeItem[] = [
    restoreItem,
    { label: 'Changes', kind: vscode.QuickPickItemKind.Separator },
    ...changes.map((c) => ({
      label: `$(${CHANGE_TEXT[c.change]?.icon ?? 'diff'}) ${c.path}`,
      description: CHANGE_TEXT[c.change]?.text ?? c.change,
      path: c.path,
    })),
  ];
  const pick = vscode.window.createQuickPick<ChangeItem>();
  pick.title = `Restore "${checkpoint.label}" (${new Date(checkpoint.createdAt).toLocaleString()})`;
  pick.placeholder = 'These files change. Pick a file to see its diff, or the first row to restore.';
  pick.items = items;
  pick.ignoreFocusOut = true;
  return new Promise<boolean>((resolve) => {
    let resolved = false;
    const finish = (v: boolean) => {
      if (resolved) return;
      resolved = true;
      pick.dispose();
      resolve(v);
    };
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0];
      if (item?.restore) finish(true);
      else if (item?.path) void openDiff(core, checkpoint, item.path);
    });
    pick.onDidHide(() => finish(false));
    pick.show();
  });
}

/** The file at the checkpoint against the file now, in VS Code's diff editor. */
async function openDiff(core: ShannonCore, checkpoint: Checkpoint, file: string): Promise<void> {
  const current = vscode.Uri.file(`${core.checkpoints.folderOf(checkpoint)}/${file}`);
  const before = checkpointFileUri(checkpoint.id, file);
  await vscode.commands.executeCommand('vscode.diff', before, current, `${file} (checkpoint "${checkpoint.label}" ↔ now)`, { preview: true, preserveFocus: true });
}

export const CHECKPOINT_SCHEME = 'shannon-checkpoint';

export function checkpointFileUri(checkpointId: string, file: string): vscode.Uri {
  return vscode.Uri.from({ scheme: CHECKPOINT_SCHEME, path: `/${file}`, query: new URLSearchParams({ checkpoint: checkpointId }).toString() });
}

/** Serves `shannon-checkpoint:/<file>?checkpoint=<id>`: a file as the checkpoint saved it (read-only). */
export class CheckpointFileProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly core: () => Promise<ShannonCore>) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const checkpointId = new URLSearchParams(uri.query).get('checkpoint');
    const checkpoints = (await this.core()).checkpoints;
    if (!checkpointId) return '';
    const bytes = await checkpoints.fileAt(checkpointId, uri.path.replace(/^\//, ''));
    return bytes === null ? '' : new TextDecoder().decode(bytes);
  }
}

function abortSignal(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}
