/**
 * Review of file changes before they land. When Claude asks to use Edit, MultiEdit, Write or
 * NotebookEdit, the change opens in VS Code's diff editor (setting `shannon.review.openDiffOnAsk`):
 * left the file as it was when Claude asked, right what the call would leave — editable. Accept
 * and Reject sit in the diff's title bar; the panel's card and the notification answer through
 * `resolve` too, so whichever is used, the file ends exactly as the right side shows
 * (core/review/editProposal.ts says how). A file that changes on disk during the review is
 * said so, and Accept asks before it overwrites that change.
 *
 * ExitPlanMode asks keep their plan here as well, for "Open plan" (a markdown preview).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { proposalOf, reviewedAnswer, REVIEWED_TOOLS, type Proposal } from '../../core/review/editProposal.js';
import type { PermissionAsk, PermissionDecision } from '../../core/session/permissions.js';
import type { ShannonCore } from '../core.js';
import type { Settings } from '../settings.js';
import type { DiffDocuments } from '../webview/diffDocuments.js';
import { REVIEW_SCHEME, ReviewFiles } from './reviewFiles.js';

interface Review {
  ask: PermissionAsk;
  file: string;
  /** The file when Claude asked (undefined: it did not exist). */
  snapshot: string | undefined;
  proposal: Proposal;
  right: vscode.Uri;
  watcher: vscode.Disposable;
  /** The file changed on disk since the ask (said once). */
  stale: boolean;
}

export class EditReviews implements vscode.Disposable {
  private readonly files = new ReviewFiles();
  private readonly reviews = new Map<string, Review>();
  private readonly plans = new Map<string, vscode.Uri>();
  private readonly disposables: vscode.Disposable[] = [this.files];
  private core: ShannonCore | undefined;
  private counter = 0;

  constructor(
    private readonly settings: Settings,
    private readonly diffs: () => DiffDocuments,
  ) {
    this.disposables.push(
      vscode.commands.registerCommand('shannon.review.accept', (uri?: vscode.Uri) => this.fromTitleBar(uri, 'accept')),
      vscode.commands.registerCommand('shannon.review.reject', (uri?: vscode.Uri) => this.fromTitleBar(uri, 'reject')),
    );
  }

  attach(core: ShannonCore): void {
    this.core = core;
    this.disposables.push(
      core.manager.onDidRequestPermission((ask) => void this.onAsk(ask)),
      core.manager.onDidSettlePermission((e) => void this.end(`${e.sessionId}/${e.requestId}`)),
    );
  }

  /** For tests: the reviews open now, by the file they change. */
  get pending(): Array<{ file: string; right: string; requestId: string; stale: boolean }> {
    return [...this.reviews.values()].map((r) => ({ file: r.file, right: r.right.toString(), requestId: r.ask.requestId, stale: r.stale }));
  }

  /**
   * The decision to send for an answer given anywhere (panel card, notification, title bar):
   * an allow of a reviewed change carries the right side's text. Undefined: the user backed out
   * (the file changed on disk and they chose to look again).
   */
  async resolve(sessionId: string, requestId: string, decision: PermissionDecision): Promise<PermissionDecision | undefined> {
    const review = this.reviews.get(`${sessionId}/${requestId}`);
    if (!review || decision.behavior !== 'allow') return decision;
    const text = this.files.textOf(review.right) ?? review.proposal.after;
    if (review.proposal.cellOnly === false && (await readText(review.file)) !== review.snapshot) {
      const choice = await vscode.window.showWarningMessage(
        `${path.basename(review.file)} changed on disk since Claude asked. Accepting writes the version in the diff over those changes.`,
        { modal: true },
        'Accept Anyway',
      );
      if (choice !== 'Accept Anyway') return undefined;
    }
    const answer = reviewedAnswer(review.ask.toolName, review.ask.input, review.proposal, text);
    if (answer.kind === 'unchanged') return decision;
    if (answer.kind === 'nothing') return { behavior: 'deny', message: 'The user reviewed the change and put the file back as it was: nothing was written.' };
    return { ...decision, updatedInput: answer.input };
  }

  /** Opens the review diff of a pending ask's tool call; false when there is none. */
  async open(sessionId: string, toolUseId: string): Promise<boolean> {
    const review = [...this.reviews.values()].find((r) => r.ask.sessionId === sessionId && r.ask.toolUseId === toolUseId);
    if (!review) return false;
    await this.show(review, false);
    return true;
  }

  /** Shows the plan of a pending ExitPlanMode ask as a markdown preview. */
  async openPlan(sessionId: string, requestId: string): Promise<void> {
    const uri = this.plans.get(`${sessionId}/${requestId}`);
    if (!uri) throw new Error('That plan was already answered.');
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  }

  dispose(): void {
    for (const review of this.reviews.values()) review.watcher.dispose();
    this.reviews.clear();
    for (const d of this.disposables) d.dispose();
  }

  private async onAsk(ask: PermissionAsk): Promise<void> {
    const key = `${ask.sessionId}/${ask.requestId}`;
    if (ask.toolName === 'ExitPlanMode') {
      const uri = this.files.uriFor(`/Plan ${++this.counter}.md`, key);
      this.files.put(uri, typeof ask.input.plan === 'string' ? ask.input.plan : '');
      this.plans.set(key, uri);
      return;
    }
    if (!REVIEWED_TOOLS.has(ask.toolName)) return;
    const raw = String(ask.input.file_path ?? ask.input.notebook_path ?? '');
    if (!raw) return;
    const file = path.isAbsolute(raw) ? raw : path.resolve(this.core?.manager.get(ask.sessionId)?.cwd ?? '', raw);
    const snapshot = await readText(file);
    const proposal = proposalOf(ask.toolName, { ...ask.input, ...(ask.toolName === 'NotebookEdit' ? { notebook_path: file } : { file_path: file }) }, snapshot);
    // A call that does not apply (old_string not found) fails in the CLI; the card's plain diff shows it.
    if (!proposal || !this.isPending(ask)) return;
    const right = this.files.uriFor(proposal.cellOnly ? `${file}.cell` : file, `${++this.counter}`);
    this.files.put(right, proposal.after);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
    const review: Review = { ask, file, snapshot, proposal, right, watcher, stale: false };
    const onDisk = () => void this.checkDisk(review);
    watcher.onDidChange(onDisk);
    watcher.onDidCreate(onDisk);
    watcher.onDidDelete(onDisk);
    this.reviews.set(key, review);
    if (this.settings.current.review.openDiffOnAsk) await this.show(review, true);
  }

  private async show(review: Review, preserveFocus: boolean): Promise<void> {
    const { proposal, ask } = review;
    const { left } = this.diffs().put({ filePath: proposal.cellOnly ? `${review.file}.cell` : review.file, before: proposal.before, after: proposal.after, beforeLabel: '', afterLabel: '' });
    const what = proposal.cellOnly ? 'cell' : review.snapshot === undefined ? 'new file' : 'on disk';
    const title = `${path.basename(review.file)} (${ask.toolName}: ${what} ↔ Claude's proposal, editable)`;
    await vscode.commands.executeCommand('vscode.diff', left, review.right, title, { preview: false, preserveFocus, viewColumn: vscode.ViewColumn.Beside });
  }

  private async checkDisk(review: Review): Promise<void> {
    if (review.stale || !this.reviews.has(`${review.ask.sessionId}/${review.ask.requestId}`)) return;
    if ((await readText(review.file)) === review.snapshot) return;
    review.stale = true;
    void vscode.window.showWarningMessage(`${path.basename(review.file)} changed on disk since Claude asked to change it: the diff's left side is the file as it was then.`);
  }

  private async fromTitleBar(uri: vscode.Uri | undefined, action: 'accept' | 'reject'): Promise<void> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const review = [...this.reviews.values()].find((r) => r.right.toString() === target?.toString());
    const core = this.core;
    if (!review || !core) {
      void vscode.window.showInformationMessage('This change was already answered.');
      return;
    }
    const { sessionId, requestId, toolName } = review.ask;
    let decision: PermissionDecision | undefined;
    if (action === 'reject') {
      const reason = await vscode.window.showInputBox({ title: `Reject ${toolName} of ${path.basename(review.file)}`, prompt: 'Tell Claude why (optional): it reads this and can try another way.', placeHolder: 'Reason for rejecting' });
      if (reason === undefined) return;
      decision = { behavior: 'deny', message: reason.trim() || 'The user rejected this change.' };
    } else {
      decision = await this.resolve(sessionId, requestId, { behavior: 'allow', scope: 'once' });
      if (!decision) return;
    }
    try {
      core.manager.respondToPermission(sessionId, requestId, decision);
    } catch (err) {
      void vscode.window.showInformationMessage(err instanceof Error ? err.message : String(err));
    }
  }

  private isPending(ask: PermissionAsk): boolean {
    return this.core?.manager.pendingPermissions(ask.sessionId).some((p) => p.requestId === ask.requestId) ?? false;
  }

  /** The ask is settled: close its diff (keeping no unsaved-changes prompt) and forget it. */
  private async end(key: string): Promise<void> {
    const plan = this.plans.get(key);
    if (plan) {
      this.plans.delete(key);
      this.files.remove(plan);
    }
    const review = this.reviews.get(key);
    if (!review) return;
    this.reviews.delete(key);
    review.watcher.dispose();
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === review.right.toString());
    if (doc?.isDirty) await doc.save();
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === review.right.toString());
    if (tabs.length) await vscode.window.tabGroups.close(tabs, true);
    this.files.remove(review.right);
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
  } catch {
    return undefined;
  }
}

export { REVIEW_SCHEME };
