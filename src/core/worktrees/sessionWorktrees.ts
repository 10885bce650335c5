/**
 * Sessions and their worktrees, as every UI uses them: start a session isolated (or not), read
 * what it changed, keep or discard a file, bring its work back (squash or apply, optionally
 * rebased), discard it all, and find what a crash left behind. A session's worktree field (see
 * SessionRecord) is the only state; sessions sharing a worktree (a fork) are kept equal.
 */
import { lstat, realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { ShannonError, isShannonError } from '../errors.js';
import { DisposableStore, type Disposable, type Event } from '../lifecycle.js';
import type { CreateSessionRequest, SessionManager, StartedSession } from '../session/manager.js';
import { LIVE_STATES, type SessionRecord, type SessionWorktree, type TranscriptEntry } from '../session/types.js';
import { WorkMover } from './bringBack.js';
import { fileAtBase, fingerprint, readChanges, restoreFromBase, unifiedDiff } from './changes.js';
import { ChangesTracker } from './changesTracker.js';
import { WorktreeLayout } from './layout.js';
import { RepoGit } from './repoGit.js';
import { findRepository, inspectRepository, uncommittedFiles, type RepositoryState } from './repository.js';
import type { BringBackResult, BringBackStrategy, ChangedFile, Isolation, LeftoverWorktree, SessionChanges, UncommittedChoice, WorktreeFileRules } from './types.js';
import { Worktrees, type NewWorktree } from './worktrees.js';

export type WorktreeHost = Pick<SessionManager, 'create' | 'get' | 'list' | 'cancel' | 'setWorktree' | 'onDidMessage' | 'onDidChangeSession'>;

export interface SessionWorktreesOptions {
  /** Shannon's storage (globalStorage, or the MCP server's data directory): worktrees go under it. */
  storageDir: string;
  sessions: WorktreeHost;
  git?: string;
  /** Extra copy and link patterns for new worktrees (settings). */
  fileRules?(): WorktreeFileRules;
  /** The isolation a request without one gets. Default `auto`. */
  defaultIsolation?(): Isolation;
  /** Where the first prompt is read from, for the squash commit's message (the store). */
  transcripts?: { readTranscript(sessionId: string, opts: { limit?: number }): Promise<TranscriptEntry[]> };
  /** Debounce of live changes (tests, bench). */
  refreshDelayMs?: number;
}

export interface IsolatedSessionRequest extends CreateSessionRequest {
  isolation?: Isolation;
  /** With a worktree: carry the folder's uncommitted changes into it, or leave them (default). */
  uncommitted?: UncommittedChoice;
}

export interface StartedIsolatedSession {
  session: StartedSession;
  isolated: boolean;
  /** Where the session works and what happened to uncommitted changes, in one sentence. */
  note: string;
}

/** What the New Session dialog needs to know about a folder. */
export interface FolderReadiness {
  repository?: RepositoryState;
  /** Why this folder cannot have a worktree (WORKTREE_UNAVAILABLE). */
  unavailable?: ShannonError;
  uncommitted: string[];
  /** Live sessions working in the folder itself (what `auto` counts). */
  liveInFolder: number;
}

const BUSY_STATES = new Set(['starting', 'running', 'awaiting_permission']);
const NO_RULES: WorktreeFileRules = { copy: [], symlink: [] };

export class SessionWorktrees implements Disposable {
  readonly tracker: ChangesTracker;
  /** Fresh readings of the changes of watched sessions. */
  readonly onDidChangeChanges: Event<SessionChanges>;
  private readonly git: RepoGit;
  private readonly layout: WorktreeLayout;
  private readonly worktrees: Worktrees;
  private readonly mover: WorkMover;
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly disposables = new DisposableStore();

  constructor(private readonly options: SessionWorktreesOptions) {
    this.layout = new WorktreeLayout(options.storageDir);
    this.git = new RepoGit(this.layout.scratchDir, options.git);
    this.worktrees = new Worktrees(this.git, this.layout);
    this.mover = new WorkMover(this.git);
    this.tracker = this.disposables.add(
      new ChangesTracker({
        read: (id) => this.changes(id),
        onDidMessage: options.sessions.onDidMessage,
        onDidChangeSession: options.sessions.onDidChangeSession,
        ...(options.refreshDelayMs !== undefined ? { delayMs: options.refreshDelayMs } : {}),
      }),
    );
    this.onDidChangeChanges = this.tracker.onDidChange;
  }

  /** Follows a session's changes live (see ChangesTracker). */
  watch(sessionId: string): Disposable {
    return this.tracker.watch(sessionId);
  }

  async readiness(folder: string): Promise<FolderReadiness> {
    const liveInFolder = this.liveInFolder(folder);
    try {
      const repository = await inspectRepository(this.git, folder);
      return { repository, uncommitted: await uncommittedFiles(this.git, repository.root), liveInFolder };
    } catch (err) {
      if (!isShannonError(err, 'WORKTREE_UNAVAILABLE')) throw err;
      return { unavailable: err, uncommitted: [], liveInFolder };
    }
  }

  /**
   * Starts a session in a worktree of its own or in the folder, per `isolation` (`auto`: a
   * worktree when another live session works in the folder, else the folder; a folder that cannot
   * have one then runs in the folder). `worktree` for a folder that cannot have one rejects
   * with WORKTREE_UNAVAILABLE, whose hint offers the folder.
   */
  async createSession(request: IsolatedSessionRequest): Promise<StartedIsolatedSession> {
    const { isolation: asked, uncommitted, ...create } = request;
    const isolation = asked ?? this.options.defaultIsolation?.() ?? 'auto';
    const folder = create.workspaceFolder;
    const others = this.liveInFolder(folder);
    let fallback: string | undefined;
    if (isolation === 'worktree' || (isolation === 'auto' && others > 0)) {
      try {
        return await this.createIsolated(create, uncommitted ?? 'leave');
      } catch (err) {
        if (isolation !== 'auto' || !isShannonError(err, 'WORKTREE_UNAVAILABLE')) throw err;
        fallback = `No worktree (${err.message.replace(/\.$/, '')}): it works in the folder, beside ${others} other live session${others === 1 ? '' : 's'}.`;
      }
    }
    const repository = await findRepository(this.git, folder).catch(() => undefined);
    const worktree: SessionWorktree | undefined = repository && {
      isolation: 'folder',
      repoRoot: repository.root,
      root: repository.root,
      base: repository.head,
      ...(repository.branch ? { target: repository.branch } : {}),
    };
    const session = await this.options.sessions.create({ ...create, ...(worktree ? { worktree } : {}) });
    return { session, isolated: false, note: fallback ?? `It works in the folder${repository ? '' : ' (not a git repository: its changes are not tracked)'}.` };
  }

  /** The session's changes against its base, uncommitted edits and new files included. */
  async changes(sessionId: string): Promise<SessionChanges> {
    const record = this.requireRecord(sessionId);
    const w = record.worktree;
    const empty = (problem: string): SessionChanges => ({
      sessionId,
      isolated: w?.isolation === 'worktree',
      root: w?.root ?? record.cwd,
      base: w?.base ?? '',
      ...(w?.branch ? { branch: w.branch } : {}),
      files: [],
      additions: 0,
      deletions: 0,
      computedAt: Date.now(),
      problem,
    });
    if (!w) return empty('The session does not work in a git repository, so Shannon has no base to compare its files with.');
    if (w.removedAt) return empty(`Its worktree was discarded on ${new Date(w.removedAt).toLocaleString()}.`);
    if (!(await exists(w.root))) return empty(`Its worktree ${w.root} is gone.`);
    let files: ChangedFile[];
    try {
      files = await readChanges(this.git, w.root, w.base);
    } catch (err) {
      return empty(err instanceof Error ? err.message : String(err));
    }
    for (const f of files) {
      const kept = w.kept?.[f.path];
      if (kept !== undefined && kept === (await fingerprint(w.root, f.path))) f.kept = true;
    }
    return {
      sessionId,
      isolated: w.isolation === 'worktree',
      root: w.root,
      base: w.base,
      ...(w.branch ? { branch: w.branch } : {}),
      files,
      additions: files.reduce((n, f) => n + (f.additions ?? 0), 0),
      deletions: files.reduce((n, f) => n + (f.deletions ?? 0), 0),
      computedAt: Date.now(),
    };
  }

  /** The changes and their unified diff, cut at `maxBytes`. */
  async diff(sessionId: string, maxBytes: number): Promise<{ changes: SessionChanges; diff: string; truncated: boolean }> {
    const changes = await this.changes(sessionId);
    if (changes.problem) return { changes, diff: '', truncated: false };
    const { diff, truncated } = await unifiedDiff(this.git, changes.root, changes.base, changes.files, maxBytes);
    return { changes, diff, truncated };
  }

  /** A file as it was at the session's base (null: it did not exist), for the diff editor. */
  async fileAtBase(sessionId: string, file: string): Promise<Buffer | null> {
    const w = this.requireWorktree(sessionId);
    return fileAtBase(this.git, w.root, w.base, file);
  }

  /** The branch the session's work would be merged into now: its folder's current branch (undefined when detached). */
  async folderBranch(sessionId: string): Promise<string | undefined> {
    const w = this.requireWorktree(sessionId);
    return (await findRepository(this.git, w.repoRoot))?.branch;
  }

  /** The commit message a squash merge proposes: the title, the first prompt, where it came from. */
  async draftMessage(sessionId: string): Promise<string> {
    const record = this.requireRecord(sessionId);
    const prompt = await this.firstPrompt(sessionId);
    const subject = record.title.length > 72 ? `${record.title.slice(0, 71)}…` : record.title;
    const body = prompt && prompt !== record.title ? `\n\n${prompt.length > 2000 ? `${prompt.slice(0, 1999)}…` : prompt}` : '';
    const from = record.worktree?.branch ? `\n\nWork of a Claude Code session, squashed from ${record.worktree.branch} by Shannon.` : '';
    return `${subject}${body}${from}`;
  }

  /**
   * Merges (one squash commit on the folder's current branch) or applies (uncommitted edits in
   * its working tree) the session's work, after an optional rebase of its branch on the folder's
   * HEAD. Conflicts reject with a MergeConflictError naming the files; nothing is changed then.
   */
  async bringBack(sessionId: string, options: { strategy: BringBackStrategy; message?: string; rebase?: boolean }): Promise<BringBackResult> {
    const { record, w } = this.requireIsolated(sessionId);
    this.refuseBusy(w.root);
    const message = options.message?.trim() || (await this.draftMessage(sessionId));
    return this.serial(w.repoRoot, async () => {
      const work = { root: w.root, repoRoot: w.repoRoot, base: w.base, title: record.title };
      const result = options.strategy === 'squash' ? await this.mover.squash(work, { message, rebase: options.rebase }) : await this.mover.apply(work, { rebase: options.rebase });
      const { newBase, ...done } = result;
      this.updateShared(w.root, (current) => ({
        ...current,
        base: newBase,
        kept: {},
        broughtBack: { how: done.strategy, at: Date.now(), ...(done.commit ? { commit: done.commit } : {}) },
      }));
      return done;
    });
  }

  /** Rebases the session's branch (and worktree) on the folder's HEAD; refuses on conflicts. */
  async rebase(sessionId: string): Promise<{ base: string }> {
    const { record, w } = this.requireIsolated(sessionId);
    this.refuseBusy(w.root);
    return this.serial(w.repoRoot, async () => {
      const base = await this.mover.rebase({ root: w.root, repoRoot: w.repoRoot, base: w.base, title: record.title });
      this.updateShared(w.root, (current) => ({ ...current, base, kept: {} }));
      return { base };
    });
  }

  /**
   * Removes the session's worktree and branch, ending the sessions working there first. Their
   * transcripts stay; they can no longer be resumed.
   */
  async discard(sessionId: string): Promise<{ worktree: string; branch?: string; ended: string[] }> {
    const { w } = this.requireIsolated(sessionId);
    const sharers = this.sharers(w.root);
    const ended: string[] = [];
    for (const r of sharers) {
      if (LIVE_STATES.includes(r.state) || r.state === 'created') {
        await this.options.sessions.cancel(r.id).catch(() => undefined);
        ended.push(r.id);
      }
    }
    await this.serial(w.repoRoot, () => this.worktrees.remove(w.root, { repoRoot: w.repoRoot, ...(w.branch ? { branch: w.branch } : {}) }));
    this.updateShared(w.root, (current) => ({ ...current, removedAt: Date.now() }));
    return { worktree: w.root, ...(w.branch ? { branch: w.branch } : {}), ended };
  }

  /** Puts one file back as it was at the base, in the session's tree. */
  async discardFile(sessionId: string, file: string): Promise<void> {
    const w = this.requireWorktree(sessionId);
    await restoreFromBase(this.git, w.root, w.base, file);
    this.updateShared(w.root, (current) => {
      const kept = { ...current.kept };
      delete kept[file];
      return { ...current, kept };
    });
    void this.tracker.refresh(sessionId).catch(() => undefined);
  }

  /** Marks a changed file reviewed (Keep), or not; a later edit of it clears the mark. */
  async keepFile(sessionId: string, file: string, keep = true): Promise<void> {
    const w = this.requireWorktree(sessionId);
    const mark = await fingerprint(w.root, file);
    this.updateShared(w.root, (current) => {
      const kept = { ...current.kept };
      if (keep) kept[file] = mark;
      else delete kept[file];
      return { ...current, kept };
    });
  }

  /** The changed files of an isolated session not brought back yet (empty when there are none). */
  async workNotBroughtBack(sessionId: string): Promise<ChangedFile[]> {
    const record = this.options.sessions.get(sessionId);
    if (record?.worktree?.isolation !== 'worktree' || record.worktree.removedAt) return [];
    return (await this.changes(sessionId)).files;
  }

  /** After a session was deleted: its worktree goes too, unless another session still works there. */
  async forgetSession(record: SessionRecord): Promise<void> {
    const w = record.worktree;
    if (w?.isolation !== 'worktree' || w.removedAt) return;
    if (this.sharers(w.root).some((r) => r.id !== record.id)) return;
    await this.serial(w.repoRoot, () => this.worktrees.remove(w.root, { repoRoot: w.repoRoot, ...(w.branch ? { branch: w.branch } : {}) }));
  }

  /** Worktrees in Shannon's storage that no session uses (a crash, a deleted or pruned session). */
  async leftovers(): Promise<LeftoverWorktree[]> {
    const records = this.options.sessions.list();
    const inUse = new Set<string>();
    const repos = new Set<string>();
    for (const r of records) {
      if (!r.worktree) continue;
      repos.add(r.worktree.repoRoot);
      if (r.worktree.isolation === 'worktree' && !r.worktree.removedAt) inUse.add(r.worktree.root);
    }
    return this.worktrees.leftovers(inUse, repos);
  }

  /** Removes leftover worktrees (and their branches); a worktree a session uses is refused. */
  async prune(paths: readonly string[]): Promise<string[]> {
    const leftovers = new Map((await this.leftovers()).map((l) => [l.path, l]));
    const removed: string[] = [];
    for (const p of paths) {
      const l = leftovers.get(p);
      if (!l) throw new ShannonError('INVALID_ARGUMENT', `${p} is not a leftover worktree (a session uses it, or it is not Shannon's).`, 'List the leftovers again.');
      await this.serial(l.repoRoot || p, () => this.worktrees.remove(p, { ...(l.repoRoot ? { repoRoot: l.repoRoot } : {}), ...(l.branch ? { branch: l.branch } : {}) }));
      removed.push(p);
    }
    return removed;
  }

  dispose(): void {
    this.disposables.dispose();
  }

  // ---- internals --------------------------------------------------------------------------

  private async createIsolated(create: CreateSessionRequest, uncommitted: UncommittedChoice): Promise<StartedIsolatedSession> {
    const folder = create.workspaceFolder;
    const title = create.title?.trim() || promptText(create.prompt) || 'session';
    const repoKey = (await findRepository(this.git, folder).catch(() => undefined))?.root ?? folder;
    const wt = await this.serial(repoKey, () => this.worktrees.create(folder, title, { uncommitted, rules: this.options.fileRules?.() ?? NO_RULES }));
    try {
      const cwd = await counterpart(wt, folder, create.cwd);
      const worktree: SessionWorktree = {
        isolation: 'worktree',
        repoRoot: wt.repository.root,
        root: wt.root,
        base: wt.base,
        branch: wt.branch,
        ...(wt.repository.branch ? { target: wt.repository.branch } : {}),
        ...(wt.carried ? { carried: true } : {}),
      };
      const session = await this.options.sessions.create({ ...create, cwd, worktree });
      return { session, isolated: true, note: isolationNote(wt) };
    } catch (err) {
      await this.serial(repoKey, () => this.worktrees.remove(wt.root, { repoRoot: wt.repository.root, branch: wt.branch })).catch(() => undefined);
      throw err;
    }
  }

  private async firstPrompt(sessionId: string): Promise<string | undefined> {
    const entries = await this.options.transcripts?.readTranscript(sessionId, { limit: 100 }).catch(() => []);
    const first = entries?.find((e) => e.direction === 'out' && e.type === 'user');
    const content = (first?.raw as { message?: { content?: CreateSessionRequest['prompt'] } } | undefined)?.message?.content;
    return promptOf(content).trim() || undefined;
  }

  private liveInFolder(folder: string): number {
    return this.options.sessions.list({ workspaceFolder: folder, states: [...LIVE_STATES] }).filter((r) => r.worktree?.isolation !== 'worktree').length;
  }

  private sharers(root: string): SessionRecord[] {
    return this.options.sessions.list().filter((r) => r.worktree?.root === root && r.worktree.isolation === 'worktree');
  }

  private updateShared(root: string, update: (w: SessionWorktree) => SessionWorktree): void {
    for (const r of this.sharers(root)) this.options.sessions.setWorktree(r.id, update(r.worktree!));
  }

  private refuseBusy(root: string): void {
    const busy = this.sharers(root).find((r) => BUSY_STATES.has(r.state));
    if (busy) {
      throw new ShannonError('SESSION_BUSY', `"${busy.title}" is still working in this worktree.`, 'Wait for its turn to end (or interrupt it), then try again.');
    }
  }

  private requireRecord(sessionId: string): SessionRecord {
    const record = this.options.sessions.get(sessionId);
    if (!record) throw new ShannonError('SESSION_NOT_FOUND', `There is no session with id "${sessionId}".`, 'List the sessions to find the right id.');
    return record;
  }

  private requireWorktree(sessionId: string): SessionWorktree {
    const record = this.requireRecord(sessionId);
    const w = record.worktree;
    if (!w) throw new ShannonError('INVALID_ARGUMENT', `"${record.title}" does not work in a git repository: it has no base to compare with.`);
    if (w.removedAt) throw new ShannonError('INVALID_ARGUMENT', `The worktree of "${record.title}" was discarded.`);
    return w;
  }

  private requireIsolated(sessionId: string): { record: SessionRecord; w: SessionWorktree } {
    const record = this.requireRecord(sessionId);
    const w = this.requireWorktree(sessionId);
    if (w.isolation !== 'worktree') {
      throw new ShannonError('INVALID_ARGUMENT', `"${record.title}" works in the folder itself: its changes are there already.`, 'Only a session in its own worktree has work to merge, apply or discard.');
    }
    return { record, w };
  }

  /** One write at a time per repository (two merges, or a merge and a removal, never interleave). */
  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }
}

function isolationNote(wt: NewWorktree): string {
  const from = `${wt.repository.branch ?? 'HEAD'} at ${wt.repository.head.slice(0, 7)}`;
  const n = wt.uncommitted.length;
  const files = `${n} uncommitted file${n === 1 ? '' : 's'}`;
  const uncommitted = n === 0 ? '' : wt.carried ? `; your ${files} were carried into it` : `; it starts from HEAD, without your ${files}`;
  const copied = wt.files.copied.length ? `; ${wt.files.copied.length} ignored file${wt.files.copied.length === 1 ? '' : 's'} copied in (.worktreeinclude)` : '';
  const linked = wt.files.links.length ? `; ${wt.files.links.length} link${wt.files.links.length === 1 ? '' : 's'} to the folder's ignored files` : '';
  return `It works in a new worktree on branch ${wt.branch}, from ${from}${uncommitted}${copied}${linked}.`;
}

/** Where in the worktree the session starts: the counterpart of its folder (and of `cwd` in it). */
async function counterpart(wt: NewWorktree, folder: string, cwd: string | undefined): Promise<string> {
  const top = path.join(wt.root, ...wt.repository.folderInRepo.split('/').filter(Boolean));
  const realFolder = await realpath(folder);
  const rel = cwd ? path.relative(realFolder, await realpath(cwd).catch(() => cwd)) : '';
  const dir = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? path.join(top, rel) : top;
  if (!(await exists(dir))) {
    throw new ShannonError('WORKTREE_UNAVAILABLE', `${cwd ?? folder} is not in the repository's commits, so the worktree has no such directory.`, 'Commit the folder first, or run the session in the folder.');
  }
  return dir;
}

function promptOf(prompt: CreateSessionRequest['prompt']): string {
  if (typeof prompt === 'string') return prompt;
  return Array.isArray(prompt) ? prompt.map((b) => (b.type === 'text' ? b.text : '')).join('\n') : '';
}

/** A prompt's text on one line, short enough for a branch name's slug. */
function promptText(prompt: CreateSessionRequest['prompt']): string {
  return promptOf(prompt).replace(/\s+/g, ' ').trim().slice(0, 60);
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/**
 * The directory holding a session's copy of its workspace folder: in its worktree for an
 * isolated session (checkpoints snapshot that one), else the folder.
 */
export function sessionFilesFolder(record: Pick<SessionRecord, 'workspaceFolder' | 'worktree'>): string {
  const w = record.worktree;
  if (w?.isolation !== 'worktree' || w.removedAt) return record.workspaceFolder;
  const rel = path.relative(w.repoRoot, record.workspaceFolder);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? path.join(w.root, rel) : w.root;
}
