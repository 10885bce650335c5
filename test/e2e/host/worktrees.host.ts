/**
 * Worktrees inside a real extension host, with the real CLI (worktrees.e2e.test.ts starts it in
 * a git repository): a session in its own worktree, the tree showing its branch, the Changes
 * view and the diff editor on its file, Merge making one commit, the badge counting a turn that
 * finished unseen. Tests run in order and share the session.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SessionRecord } from '../../../src/core/session/types';
import { hostSuite, type Vscode } from '../support/hostDsl';
import { git } from '../../support/gitRepos';
import { shannon, until } from './hostUtil';

const suite = hostSuite({ timeoutMs: 180_000 });
const state: { session?: SessionRecord } = {};

function folder(vscode: Vscode): string {
  return vscode.workspace.workspaceFolders![0]!.uri.fsPath;
}

async function idle(vscode: Vscode, id: string): Promise<SessionRecord> {
  const core = await (await shannon(vscode)).testing.core();
  return until(`session ${id} idle`, () => {
    const r = core.manager.get(id);
    return r?.state === 'idle' ? r : undefined;
  }, 150_000);
}

suite.test('New Session in a worktree: the session runs there, the tree shows its branch, the folder is untouched', async (vscode) => {
  const api = await shannon(vscode);
  await api.whenReady();
  const record = (await vscode.commands.executeCommand('shannon.newSession', { prompt: 'write feature.txt: made in a worktree', background: true, isolation: 'worktree' })) as SessionRecord;
  assert.equal(record.worktree?.isolation, 'worktree');
  assert.match(record.worktree!.branch!, /^shannon\/write-feature-txt/);
  state.session = await idle(vscode, record.id);
  const root = record.worktree!.root;
  assert.equal(readFileSync(path.join(root, 'feature.txt'), 'utf8'), 'made in a worktree\n');
  assert.ok(!existsSync(path.join(folder(vscode), 'feature.txt')), 'not in the folder');
  assert.equal(git(folder(vscode), 'status', '--porcelain'), '', "the user's status stays empty");
  const items = (await api.testing.treeSnapshot()).flatMap((g) => g.children);
  const item = items.find((i) => i.id === `session:${record.id}`);
  assert.ok(item?.description?.startsWith(record.worktree!.branch!), `the tree shows the branch: ${item?.description}`);
  assert.match(item!.contextValue!, /\bisolated\b/);
});

suite.test('Show Changes lists the file; opening it shows the diff editor, base against the worktree file', async (vscode) => {
  const api = await shannon(vscode);
  const id = state.session!.id;
  await vscode.commands.executeCommand('shannon.showChanges', { sessionId: id });
  const shown = await until('the Changes view to list feature.txt', () => {
    const c = api.testing.changes();
    return c.sessionId === id && c.files.includes('feature.txt') ? c : undefined;
  });
  assert.match(shown.message ?? '', /^1 file changed on shannon\/.*\(from main\) · \+1 −0$/);
  await vscode.commands.executeCommand('shannon.openChange', { sessionId: id, file: { path: 'feature.txt', status: 'added', additions: 1, deletions: 0 } });
  const tab = await until('a diff editor tab', () => {
    const t = vscode.window.tabGroups.activeTabGroup.activeTab;
    return t?.input instanceof vscode.TabInputTextDiff ? t : undefined;
  });
  const input = tab.input as InstanceType<Vscode['TabInputTextDiff']>;
  assert.equal(input.original.scheme, 'shannon-base');
  assert.equal(input.modified.fsPath, path.join(state.session!.worktree!.root, 'feature.txt'));
  assert.match(tab.label, /feature\.txt \(\w{7} ↔ shannon\//);
});

suite.test('Merge makes exactly one commit on main with the file; the Changes view empties', async (vscode) => {
  const api = await shannon(vscode);
  const id = state.session!.id;
  const dir = folder(vscode);
  const before = Number(git(dir, 'rev-list', '--count', 'HEAD').trim());
  const result = (await vscode.commands.executeCommand('shannon.mergeSession', { sessionId: id, confirmed: true })) as { commit?: string; files: string[] } | undefined;
  assert.deepEqual(result?.files, ['feature.txt']);
  assert.equal(Number(git(dir, 'rev-list', '--count', 'HEAD').trim()), before + 1);
  assert.equal(git(dir, 'rev-parse', 'HEAD').trim(), result?.commit);
  assert.equal(readFileSync(path.join(dir, 'feature.txt'), 'utf8'), 'made in a worktree\n');
  assert.equal(git(dir, 'status', '--porcelain'), '');
  await until('the Changes view to empty', () => (api.testing.changes().files.length === 0 ? true : undefined));
});

suite.test('a turn that finishes while its panel is hidden counts in the Sessions badge until it is looked at', async (vscode) => {
  const api = await shannon(vscode);
  const record = (await vscode.commands.executeCommand('shannon.newSession', { prompt: 'say hello', background: true, isolation: 'none' })) as SessionRecord;
  await idle(vscode, record.id);
  const badge = await until('the badge', () => api.testing.attention().badge);
  assert.ok(badge.value >= 1);
  assert.match(badge.tooltip, /finished a turn you have not seen|finished turns you have not seen/);
  const count = api.testing.attention().count;
  await vscode.commands.executeCommand('shannon.openTranscript', { sessionId: record.id });
  await until('the badge to drop once the panel shows', () => (api.testing.attention().count < count ? true : undefined), 10_000);
});

suite.test('Discard Session Work removes the worktree and the branch', async (vscode) => {
  const id = state.session!.id;
  const core = await (await shannon(vscode)).testing.core();
  const w = core.manager.get(id)!.worktree!;
  await vscode.commands.executeCommand('shannon.discardSessionWork', { sessionId: id, confirmed: true });
  assert.ok(!existsSync(w.root));
  assert.equal(git(folder(vscode), 'branch', '--list', w.branch!), '');
});

export const run = suite.run;
