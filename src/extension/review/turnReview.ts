/**
 * Reviewing one turn's edits after the fact (the panel's "Review edits" on a turn, the command
 * Review Edits of Last Turn): a quick pick of the files the turn changed. Enter on a file opens
 * VS Code's diff editor of it before the turn ↔ now; its Revert button puts the before-turn
 * version back; the first row reverts the whole turn. The core decides what changed and never
 * overwrites a later change silently (core/checkpoints/turnEdits.ts); here a later change is
 * asked about, in a modal that says what would be lost.
 */
import * as vscode from 'vscode';
import { asShannonError } from '../../core/errors.js';
import type { Checkpoints } from '../../core/checkpoints/types.js';
import type { RevertOutcome, TurnEdit, TurnReview } from '../../core/checkpoints/turnEdits.js';
import { checkpointFileUri, CHECKPOINT_SCHEME } from '../commands/checkpointCommands.js';
import { oneLine } from '../model/format.js';
import { files, laterChangesQuestion, REVIEW_NEEDS_CHECKPOINTS, turnEditRow, turnEditsInfo } from '../model/turnReviewModel.js';
import type { TurnEditsInfo } from '../../shared/webviewProtocol.js';

type ReviewCheckpoints = Pick<Checkpoints, 'editedTurns' | 'reviewTurn' | 'revertTurn' | 'folderOf'>;

type Item = vscode.QuickPickItem & { edit?: TurnEdit; revertAll?: true };

// Made when a review opens, not at module load (activation imports this module).
const revertButton = (): vscode.QuickInputButton => ({ iconPath: new vscode.ThemeIcon('discard'), tooltip: 'Revert this file to before the turn' });

export interface TurnReviewsOptions {
  checkpoints(): Promise<ReviewCheckpoints>;
  /** Whether automatic checkpoints are on (the review is built on them). */
  autoCheckpoint(): boolean;
  /** Says whether the active editor is a turn's diff (the `shannon.turnDiff` context key). */
  setTurnDiffActive(active: boolean): void;
  log?: vscode.LogOutputChannel;
}

export class TurnReviews implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly options: TurnReviewsOptions) {
    const follow = () => options.setTurnDiffActive(activeTurnDiff() !== undefined);
    this.disposables.push(vscode.window.tabGroups.onDidChangeTabs(follow), vscode.window.tabGroups.onDidChangeTabGroups(follow));
  }

  /** The diff editor's Revert: the active turn diff's file back as before its turn. */
  async revertActiveDiff(): Promise<void> {
    const diff = activeTurnDiff();
    if (!diff) {
      void vscode.window.showInformationMessage('Open a file from a turn’s review (Review edits) to revert it here.');
      return;
    }
    try {
      await this.revert(await this.options.checkpoints(), diff.checkpointId, [diff.path]);
    } catch (err) {
      this.report(diff.checkpointId, err);
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** What a session's panel offers. */
  async info(sessionId: string): Promise<TurnEditsInfo> {
    return turnEditsInfo((await this.options.checkpoints()).editedTurns(sessionId), this.options.autoCheckpoint());
  }

  /** Reviews the session's latest turn that edited files; says why when there is none. */
  async reviewLast(sessionId: string, sessionTitle: string): Promise<void> {
    const last = (await this.options.checkpoints()).editedTurns(sessionId).at(-1);
    if (!last) {
      const why = this.options.autoCheckpoint() ? `No turn of "${oneLine(sessionTitle, 50)}" has changed files that Shannon can review (turns are recorded while automatic checkpoints are on).` : REVIEW_NEEDS_CHECKPOINTS;
      void vscode.window.showInformationMessage(why);
      return;
    }
    await this.review(last.id);
  }

  /** Shows the review quick pick of one turn (resolves once it is up; fails if the turn cannot be reviewed). */
  async review(checkpointId: string): Promise<void> {
    const checkpoints = await this.options.checkpoints();
    let review = await checkpoints.reviewTurn(checkpointId);
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = `Edits of the turn "${oneLine(review.checkpoint.label, 60)}"`;
    pick.placeholder = 'Enter on a file shows its diff (before the turn ↔ now); its button reverts it.';
    pick.ignoreFocusOut = true;
    pick.matchOnDescription = true;
    const fill = (r: TurnReview) => {
      const active = pick.activeItems[0]?.edit?.path;
      pick.items = items(r);
      const again = pick.items.find((i) => i.edit?.path === active);
      if (again) pick.activeItems = [again];
    };
    fill(review);
    let busy = false;
    const act = async (work: () => Promise<void>) => {
      if (busy) return;
      busy = true;
      pick.busy = true;
      try {
        await work();
        review = await checkpoints.reviewTurn(checkpointId);
        fill(review);
      } catch (err) {
        this.report(checkpointId, err);
      } finally {
        busy = false;
        pick.busy = false;
      }
    };
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0];
      if (item?.revertAll) void act(() => this.revert(checkpoints, checkpointId, undefined));
      else if (item?.edit) void openTurnDiff(review, item.edit);
    });
    pick.onDidTriggerItemButton((e) => {
      if (e.item.edit) void act(() => this.revert(checkpoints, checkpointId, [e.item.edit!.path]));
    });
    pick.onDidHide(() => pick.dispose());
    pick.show();
  }

  /** Reverts, asking first when a file changed after the turn. */
  private async revert(checkpoints: ReviewCheckpoints, checkpointId: string, paths: string[] | undefined): Promise<void> {
    let outcome: RevertOutcome = await checkpoints.revertTurn(checkpointId, paths);
    if (outcome.kind === 'changed-since') {
      const overwrite = 'Revert Anyway';
      const choice = await vscode.window.showWarningMessage(laterChangesQuestion(outcome.files), { modal: true }, overwrite);
      if (choice !== overwrite) return;
      outcome = await checkpoints.revertTurn(checkpointId, paths, { overwriteLaterChanges: true });
    }
    if (outcome.kind !== 'reverted') return;
    const n = outcome.restored.length + outcome.removed.length;
    vscode.window.setStatusBarMessage(
      n === 0 ? '$(check) Already as before the turn' : `$(discard) Reverted ${paths?.length === 1 ? paths[0] : files(n)} to before the turn`,
      5000,
    );
  }

  private report(checkpointId: string, err: unknown): void {
    const error = asShannonError(err, 'CHECKPOINT_FAILED');
    this.options.log?.warn(`review of turn ${checkpointId}: ${error.code} ${error.message}`);
    void vscode.window.showErrorMessage(`${error.message}${error.hint ? ` ${error.hint}` : ''}`);
  }
}

/** The left side of a turn's diff: the file before the turn, marked as a turn review's. */
function beforeTurnUri(checkpointId: string, file: string): vscode.Uri {
  return checkpointFileUri(checkpointId, file).with({ query: new URLSearchParams({ checkpoint: checkpointId, turn: '1' }).toString() });
}

/** The turn and file of the active editor, when it is a turn's diff. */
function activeTurnDiff(): { checkpointId: string; path: string } | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (!(input instanceof vscode.TabInputTextDiff) || input.original.scheme !== CHECKPOINT_SCHEME) return undefined;
  const query = new URLSearchParams(input.original.query);
  const checkpointId = query.get('checkpoint');
  return checkpointId && query.get('turn') ? { checkpointId, path: input.original.path.replace(/^\//, '') } : undefined;
}

function items(review: TurnReview): Item[] {
  const open = review.files.filter((f) => !f.reverted);
  return [
    {
      label: `$(discard) Revert all of this turn`,
      description: open.length === 0 ? 'every file is as before the turn' : `${files(open.length)} back as before the turn`,
      revertAll: true,
      alwaysShow: true,
    },
    { label: `Changed by the turn (${files(review.files.length)})`, kind: vscode.QuickPickItemKind.Separator },
    ...review.files.map((edit) => ({ ...turnEditRow(edit), edit, buttons: edit.reverted ? [] : [revertButton()] })),
  ];
}

/** The file before the turn ↔ now, in VS Code's diff editor; the quick pick keeps the focus. */
async function openTurnDiff(review: TurnReview, edit: TurnEdit): Promise<void> {
  const before = beforeTurnUri(review.checkpoint.id, edit.path);
  const current = vscode.Uri.file(`${review.folder}/${edit.path}`);
  const exists = await vscode.workspace.fs.stat(current).then(
    () => true,
    () => false,
  );
  // A file gone now (the turn deleted it) is compared with an empty side rather than failing.
  const now = exists ? current : vscode.Uri.from({ scheme: CHECKPOINT_SCHEME, path: `/${edit.path}` });
  const title = `${edit.path.split('/').pop()} (before the turn ↔ now)`;
  await vscode.commands.executeCommand('vscode.diff', before, now, title, { preview: true, preserveFocus: true });
}
