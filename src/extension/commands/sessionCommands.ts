/**
 * Commands that start, steer and end sessions. Each one takes its session from the tree item,
 * the webview (`{ sessionId }`) or an id, and asks with a quick pick when run from the palette.
 */
import * as vscode from 'vscode';
import { listAgentFiles } from '../../core/agents/agentFiles.js';
import { ShannonError } from '../../core/errors.js';
import { claudeConfigDir } from '../../core/history/projectDirs.js';
import type { SessionRecord } from '../../core/session/types.js';
import { isBusy as busyState, isLive as liveState, isTerminal } from '../../core/session/types.js';
import type { ShannonCore } from '../core.js';
import { confirmedFrom, newSessionArgsFrom, textFrom } from '../model/commandArgs.js';
import { oneLine, STATE_LABELS } from '../model/format.js';
import { pickAgent } from './agentPick.js';
import type { CommandContext } from './context.js';
import { pickFolder, pickModel, resolveSession } from './pickers.js';
import { pickPlace, startPlaced, type PlaceChoice } from './placeStep.js';

const isBusy = (r: SessionRecord) => busyState(r.state);
const isLive = (r: SessionRecord) => liveState(r.state);
const canSend = (r: SessionRecord) => (isLive(r) && r.state !== 'queued') || (isTerminal(r.state) && !!r.cliSessionId);

export function sessionCommands(ctx: CommandContext): Record<string, (...args: unknown[]) => unknown> {
  return {
    'shannon.newSession': (arg) => newSession(ctx, arg),
    'shannon.sendMessage': (arg) => sendMessage(ctx, arg),

    'shannon.interrupt': async (arg) => {
      const core = await ctx.core();
      const r = await resolveSession(core, arg, { title: 'Interrupt Session', eligible: isBusy, none: 'No session is running: there is nothing to interrupt.' });
      if (r) await core.manager.interrupt(r.id);
    },

    'shannon.cancel': async (arg) => {
      const core = await ctx.core();
      const r = await resolveSession(core, arg, { title: 'Cancel Session', eligible: (s) => isLive(s), none: 'No session is live: there is nothing to cancel.' });
      if (!r) return;
      if (!confirmedFrom(arg)) {
        // Ending loses nothing, but work left in a worktree is easy to forget.
        const files = await core.worktrees.workNotBroughtBack(r.id);
        if (files.length) {
          const end = 'End Session';
          const show = 'Show Changes';
          const choice = await vscode.window.showWarningMessage(
            `"${oneLine(r.title, 60)}" has ${files.length} changed file${files.length === 1 ? '' : 's'} not merged or applied yet.`,
            { modal: true, detail: `They stay in its worktree (branch ${r.worktree?.branch}) after it ends: merge, apply or discard them from the Changes view.` },
            end,
            show,
          );
          if (choice === show) await ctx.changes.show(r.id, { focus: true });
          if (choice !== end) return;
        }
      }
      await core.manager.cancel(r.id);
    },

    'shannon.resume': async (arg) => {
      if (!(await ctx.trust.allows('resume a session'))) return;
      const core = await ctx.core();
      const r = await resolveSession(core, arg, {
        title: 'Resume Session',
        eligible: (s) => isTerminal(s.state) && !!s.cliSessionId,
        none: 'No finished session can be resumed (only sessions that reached Claude Code can).',
      });
      if (!r) return;
      const resumed = await core.manager.resume(r.id, textFrom(arg, 'prompt'));
      await showSession(ctx, resumed, arg);
    },

    'shannon.fork': async (arg) => {
      if (!(await ctx.trust.allows('fork a session'))) return;
      const core = await ctx.core();
      const r = await resolveSession(core, arg, { title: 'Fork Session', eligible: (s) => !!s.cliSessionId, none: 'No session has a conversation to fork yet.' });
      if (!r) return;
      let prompt = textFrom(arg, 'prompt');
      if (prompt === undefined && !newSessionArgsFrom(arg).background) {
        const typed = await vscode.window.showInputBox({
          title: `Fork "${oneLine(r.title, 50)}"`,
          prompt: 'First message of the fork (optional: leave empty to fork and write later)',
          placeHolder: 'Try a different approach: …',
        });
        if (typed === undefined) return;
        prompt = typed.trim() || undefined;
      }
      const fork = await core.manager.fork(r.id, { prompt });
      if (prompt) followStart(core, fork);
      await showSession(ctx, fork, arg);
    },

    'shannon.openTranscript': async (arg) => {
      const core = await ctx.core();
      const r = await resolveSession(core, arg, { title: 'Open Transcript', eligible: () => true, none: 'There are no sessions yet.' });
      if (r) await ctx.panels().show(r.id);
    },

    'shannon.showOutput': async (arg) => {
      const core = await ctx.core();
      const r = await resolveSession(core, arg, { title: 'Show Session Output', eligible: () => true, none: 'There are no sessions yet.' });
      if (r) await ctx.outputs.show(r.id, false);
    },

    'shannon.deleteSession': async (arg) => {
      const core = await ctx.core();
      const r = await resolveSession(core, arg, { title: 'Delete Session', eligible: () => true, none: 'There are no sessions to delete.' });
      if (!r) return;
      if (!confirmedFrom(arg)) {
        const files = await core.worktrees.workNotBroughtBack(r.id);
        const w = r.worktree?.isolation === 'worktree' && !r.worktree.removedAt ? r.worktree : undefined;
        const del = files.length ? 'Delete Session and Its Work' : 'Delete';
        const show = 'Show Changes';
        const worktree = w
          ? ` Its worktree and branch ${w.branch} are removed too${files.length ? `, with ${files.length} changed file${files.length === 1 ? '' : 's'} never merged or applied` : ''}.`
          : ' Files in the workspace are not touched.';
        const choice = await vscode.window.showWarningMessage(
          `Delete the session "${oneLine(r.title, 60)}"?`,
          { modal: true, detail: `Its transcript, checkpoints and search entries are removed from Shannon's history${isLive(r) ? ', and its Claude Code process is ended' : ''}. Usage totals keep its cost.${worktree}` },
          del,
          ...(files.length ? [show] : []),
        );
        if (choice === show) await ctx.changes.show(r.id, { focus: true });
        if (choice !== del) return;
      }
      await core.deleteSession(r.id);
      ctx.outputs.close(r.id);
    },
  };
}

async function newSession(ctx: CommandContext, arg: unknown): Promise<SessionRecord | undefined> {
  if (!(await ctx.trust.allows('start a session'))) return undefined;
  const args = newSessionArgsFrom(arg);
  const folder = await pickFolder(args.folder);
  if (!folder) return undefined;
  const scripted = args.prompt !== undefined;
  const core = await ctx.core();
  // Where it works is asked unless given (or scripted: then the setting decides); what the
  // folder is to git is found out while the person types the prompt.
  const asksPlace = !scripted && args.isolation === undefined;
  const readiness = asksPlace ? core.worktrees.readiness(folder) : undefined;
  readiness?.catch(() => undefined);
  // The agent step only where there are agents (.claude/agents of the folder or the user).
  const agents = scripted ? [] : await listAgentFiles(folder, claudeConfigDir({ ...process.env, ...ctx.settings.current.environment })).catch(() => []);
  const totalSteps = (asksPlace ? 3 : 2) + (agents.length ? 1 : 0);
  let prompt = args.prompt;
  if (prompt === undefined) {
    prompt = await vscode.window.showInputBox({
      title: `New Claude Code Session (1/${totalSteps})`,
      prompt: `What should Claude do in ${vscode.workspace.getWorkspaceFolder(vscode.Uri.file(folder))?.name ?? folder}?`,
      placeHolder: 'e.g. Find why the tests in src/parser fail and fix them',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Tell Claude what to do.'),
    });
    if (prompt === undefined) return undefined;
  }
  let place: PlaceChoice | undefined;
  if (readiness) {
    place = await pickPlace(await readiness, ctx.settings.current.isolation, { step: 2, totalSteps });
    if (!place) return undefined;
  }
  let model = args.model;
  if (model === undefined && !scripted) {
    const picked = await pickModel(ctx.settings.current.defaultModel, { step: totalSteps - (agents.length ? 1 : 0), totalSteps });
    if (!picked) return undefined;
    model = picked.model;
  }
  let agent = args.agent;
  if (agent === undefined && agents.length) {
    const picked = await pickAgent(agents, { step: totalSteps, totalSteps });
    if (!picked) return undefined;
    agent = picked.agent;
  }
  const isolation = place?.isolation ?? args.isolation;
  const uncommitted = place?.uncommitted ?? args.uncommitted;
  const started = await startPlaced(core, {
    prompt,
    workspaceFolder: folder,
    options: { ...(model ? { model } : {}), ...(agent ? { agent } : {}) },
    ...(isolation ? { isolation } : {}),
    ...(uncommitted ? { uncommitted } : {}),
  });
  if (!started) return undefined;
  const record = started.session;
  ctx.log.info(`session ${record.id} "${record.title}" ${record.state} in ${record.cwd}: ${started.note}`);
  // Say where it works, and what happened to uncommitted changes, when it has a worktree.
  if (started.isolated) void vscode.window.showInformationMessage(`"${oneLine(record.title, 50)}": ${started.note}`);
  followStart(core, record);
  await showSession(ctx, record, arg);
  return record;
}

async function sendMessage(ctx: CommandContext, arg: unknown): Promise<void> {
  const core = await ctx.core();
  const r = await resolveSession(core, arg, { title: 'Send Message', eligible: canSend, none: 'No session can take a message: start a new one.' });
  if (!r) return;
  let message = textFrom(arg, 'message') ?? textFrom(arg, 'prompt');
  if (message === undefined) {
    message = await vscode.window.showInputBox({
      title: `Message to "${oneLine(r.title, 50)}"`,
      prompt: isBusy(r) ? 'Claude is working: the message is sent when the current turn ends.' : STATE_LABELS[r.state],
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Type a message.'),
    });
    if (message === undefined) return;
  }
  if (isTerminal(r.state)) {
    // A finished session continues in a new process with this as its next turn.
    if (!(await ctx.trust.allows('resume a session'))) return;
    const resumed = await core.manager.resume(r.id, message);
    followStart(core, resumed);
    return;
  }
  if (r.state === 'queued') throw new ShannonError('SESSION_BUSY', `"${r.title}" has not started yet.`, 'Send the message once it runs.');
  await core.manager.send(r.id, message);
}

async function showSession(ctx: CommandContext, record: SessionRecord, arg: unknown): Promise<void> {
  void ctx.tree.reveal(record.id).catch(() => undefined);
  if (!newSessionArgsFrom(arg).background) await ctx.panels().show(record.id);
}

/**
 * A progress notification from the start of a session until its first output (or a permission
 * ask, or its end); cancelling it cancels the session.
 */
export function followStart(core: ShannonCore, record: SessionRecord): void {
  const id = record.id;
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Claude: ${oneLine(record.title, 50)}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        const subscriptions: Array<{ dispose(): void }> = [];
        let settled = false;
        const done = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timeout);
          for (const s of subscriptions) s.dispose();
          resolve();
        };
        // A start that never produces output must not leave a notification up for ever.
        const timeout = setTimeout(done, 5 * 60_000);
        progress.report({ message: record.state === 'queued' ? 'Queued: waiting for a free slot…' : 'Starting Claude Code…' });
        subscriptions.push(
          core.manager.onDidMessage((e) => {
            if (e.sessionId !== id || e.direction !== 'in') return;
            const kind = e.message.kind;
            if (kind === 'init') progress.report({ message: 'Waiting for the first reply…' });
            else if (kind === 'assistant' || kind === 'stream_event' || kind === 'result') done();
          }),
          core.manager.onDidChangeSession((r) => {
            if (r.id !== id) return;
            if (r.state === 'starting') progress.report({ message: 'Starting Claude Code…' });
            else if (r.state === 'awaiting_permission' || r.state === 'idle' || r.state === 'suspended' || isTerminal(r.state)) done();
          }),
          token.onCancellationRequested(() => {
            void core.manager.cancel(id).catch(() => undefined);
            done();
          }),
        );
        const now = core.manager.get(id);
        if (now && (now.state === 'idle' || now.state === 'suspended' || now.state === 'awaiting_permission' || isTerminal(now.state))) done();
      }),
  );
}
