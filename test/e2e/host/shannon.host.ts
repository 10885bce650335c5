/**
 * Shannon inside a real VS Code extension host (code-server), with the real `claude` CLI talking
 * to the fake API (extension.e2e.test.ts starts both). Tests run in order and share state: the
 * sessions one test starts, the next looks at.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { SessionRecord } from '../../../src/core/session/types';
import type { TreeSnapshotItem } from '../../../src/extension/sessionsTree';
import type { UsageReport } from '../../../src/core/usage/report';
import { hostSuite, type Vscode } from '../support/hostDsl';
import { PROMPTS, REPLIES } from './fakeScript';
import { recordMetric, shannon, until } from './hostUtil';

const suite = hostSuite({ timeoutMs: 60_000 });

/** The fourteen commands the issue names, all in the palette. */
const PALETTE_COMMANDS = [
  'shannon.newSession',
  'shannon.sendMessage',
  'shannon.interrupt',
  'shannon.cancel',
  'shannon.resume',
  'shannon.fork',
  'shannon.createCheckpoint',
  'shannon.restoreCheckpoint',
  'shannon.openTranscript',
  'shannon.showOutput',
  'shannon.deleteSession',
  'shannon.searchSessions',
  'shannon.showUsage',
  'shannon.selectClaudeBinary',
];

function flatten(items: TreeSnapshotItem[]): TreeSnapshotItem[] {
  return items.flatMap((i) => [i, ...flatten(i.children)]);
}

async function sessionItem(vscode: Vscode, sessionId: string): Promise<{ item: TreeSnapshotItem; group: string }> {
  const api = await shannon(vscode);
  const roots = await api.testing.treeSnapshot();
  for (const group of roots) {
    const item = group.children.find((c) => c.id === `session:${sessionId}`);
    if (item) return { item, group: group.label };
  }
  throw new Error(`session ${sessionId} not in the tree: ${JSON.stringify(roots.map((r) => [r.label, r.children.map((c) => c.label)]))}`);
}

async function newSession(vscode: Vscode, prompt: string, extra: Record<string, unknown> = {}): Promise<SessionRecord> {
  const record = (await vscode.commands.executeCommand('shannon.newSession', { prompt, background: true, ...extra })) as SessionRecord | undefined;
  assert.ok(record?.id, 'shannon.newSession returned the new session');
  return record;
}

async function waitState(vscode: Vscode, id: string, states: readonly string[], timeoutMs = 30_000): Promise<SessionRecord> {
  const api = await shannon(vscode);
  const core = await api.testing.core();
  return until(`session ${id} to be ${states.join(' or ')}`, () => {
    const r = core.manager.get(id);
    return r && states.includes(r.state) ? r : undefined;
  }, timeoutMs);
}

const state: { first?: SessionRecord; slow?: SessionRecord } = {};

suite.test('activates, then opens its store right after (times recorded for the report)', async (vscode) => {
  const api = await shannon(vscode);
  const readyMs = await api.whenReady();
  recordMetric('activationMs', Math.round(api.activationMs * 10) / 10);
  recordMetric('readyMs', Math.round(readyMs));
  assert.equal(vscode.workspace.isTrusted, true);
});

suite.test('every command is registered, in the Shannon category, and the palette shows the fourteen', async (vscode) => {
  await shannon(vscode);
  const registered = new Set(await vscode.commands.getCommands(true));
  const manifest = vscode.extensions.getExtension('shannon.shannon')!.packageJSON as {
    contributes: { commands: Array<{ command: string; category?: string }>; menus: { commandPalette?: Array<{ command: string; when?: string }> } };
  };
  for (const c of manifest.contributes.commands) {
    assert.ok(registered.has(c.command), `${c.command} is contributed but not registered`);
    assert.equal(c.category, 'Shannon', `${c.command} category`);
  }
  const hidden = new Set((manifest.contributes.menus.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
  for (const id of PALETTE_COMMANDS) {
    assert.ok(manifest.contributes.commands.some((c) => c.command === id), `${id} is not contributed`);
    assert.ok(!hidden.has(id), `${id} is hidden from the palette`);
  }
});

suite.test('claude is found (SHANNON_CLAUDE_PATH), and Select Claude Binary’s setting takes over when written', async (vscode) => {
  const api = await shannon(vscode);
  const pinned = process.env.SHANNON_CLAUDE_PATH!;
  const found = await until('claude to be located', () => {
    const s = api.testing.claudeStatus();
    return s.kind === 'ok' ? s.info : undefined;
  });
  assert.equal(found.path, pinned);
  assert.equal(found.source, 'env');
  // What Select Claude Binary does after the file picker: write the machine-scoped setting.
  const config = vscode.workspace.getConfiguration('shannon');
  await config.update('claudePath', pinned, vscode.ConfigurationTarget.Global);
  try {
    const viaSetting = await until('the setting to be read and used', async () => {
      const status = (await vscode.commands.executeCommand('shannon.checkClaude')) as ReturnType<typeof api.testing.claudeStatus>;
      return status?.kind === 'ok' && status.info.source === 'setting' ? status.info : undefined;
    });
    assert.equal(viaSetting.path, pinned);
    assert.match(viaSetting.version, /^\d+\.\d+\.\d+$/);
  } finally {
    await config.update('claudePath', undefined, vscode.ConfigurationTarget.Global);
  }
});

suite.test('settings reach new sessions: model, permission mode and partial messages', async (vscode) => {
  const api = await shannon(vscode);
  const config = vscode.workspace.getConfiguration('shannon');
  await config.update('defaultModel', 'sonnet', vscode.ConfigurationTarget.Global);
  await config.update('allowedTools', ['Read'], vscode.ConfigurationTarget.Global);
  try {
    await until('the Settings service to see the change', () => api.testing.settings().defaultModel === 'sonnet');
    const record = await newSession(vscode, PROMPTS.hello);
    state.first = record;
    assert.equal(record.options.model, 'sonnet');
    assert.equal(record.options.permissionMode, 'default');
    assert.equal(record.options.includePartialMessages, true);
    assert.deepEqual(record.options.allowedTools, ['Read']);
    assert.equal(record.workspaceFolder, vscode.workspace.workspaceFolders![0]!.uri.fsPath);
  } finally {
    await config.update('defaultModel', undefined, vscode.ConfigurationTarget.Global);
    await config.update('allowedTools', undefined, vscode.ConfigurationTarget.Global);
  }
});

suite.test('a real session lands in the tree under Idle, with its model, cost and a state icon', async (vscode) => {
  const first = state.first!;
  const idle = await waitState(vscode, first.id, ['idle']);
  assert.ok(idle.metrics.costUsd > 0, 'the fake turn cost something');
  const { item, group } = await until('the tree to show the session under Idle', async () => {
    const found = await sessionItem(vscode, first.id).catch(() => undefined);
    return found?.group === 'Idle' ? found : undefined;
  });
  assert.equal(group, 'Idle');
  assert.equal(item.label, PROMPTS.hello);
  // The model the CLI reported (`sonnet` resolved), its cost, its age.
  assert.match(item.description ?? '', /^claude-sonnet[\w.-]* · \$\d+\.\d{2,4} · just now$/);
  assert.equal(item.icon, 'comment-discussion');
  assert.match(item.contextValue ?? '', /\bcanSend\b/);
  assert.doesNotMatch(item.contextValue ?? '', /\bbusy\b/);
});

suite.test('a streaming session spins under Running, then moves to Idle without a full reload', async (vscode) => {
  const slow = await newSession(vscode, PROMPTS.slow);
  state.slow = slow;
  const running = await until('the slow session to show as running', async () => {
    const found = await sessionItem(vscode, slow.id).catch(() => undefined);
    return found?.group === 'Running' ? found : undefined;
  });
  assert.equal(running.item.icon, 'loading~spin');
  assert.match(running.item.contextValue ?? '', /\bbusy\b/);
  await waitState(vscode, slow.id, ['idle'], 30_000);
  await until('the slow session under Idle', async () => (await sessionItem(vscode, slow.id).catch(() => undefined))?.group === 'Idle');
});

suite.test('the per-folder limit comes from settings: with 1, a second session waits while the first is at work', async (vscode) => {
  const api = await shannon(vscode);
  const core = await api.testing.core();
  const config = vscode.workspace.getConfiguration('shannon');
  // The limit counts sessions at work, not processes: the two idle sessions hold no slot.
  await config.update('maxConcurrentSessions', 1, vscode.ConfigurationTarget.Global);
  try {
    await until('the limit to apply', () => api.testing.settings().maxConcurrentSessions === 1);
    const busy = await newSession(vscode, PROMPTS.slow);
    await waitState(vscode, busy.id, ['starting', 'running']);
    const queued = await newSession(vscode, PROMPTS.hello);
    assert.equal(queued.state, 'queued');
    await vscode.commands.executeCommand('shannon.cancel', { sessionId: busy.id });
    await waitState(vscode, queued.id, ['idle'], 30_000);
    assert.equal(core.manager.get(busy.id)?.state, 'cancelled');
    state.first = core.manager.get(queued.id);
  } finally {
    await config.update('maxConcurrentSessions', undefined, vscode.ConfigurationTarget.Global);
  }
});

suite.test('Show Output opens a log channel with the prompt, the reply and the cost', async (vscode) => {
  const api = await shannon(vscode);
  const id = state.first!.id;
  await vscode.commands.executeCommand('shannon.showOutput', { sessionId: id });
  assert.ok(api.testing.openOutputChannels().includes(id));
  // A LogOutputChannel is a log file under the extension host's logs.
  const logsRoot = path.dirname(path.dirname(api.testing.logDir));
  const text = await until('the channel file to hold the turn', () => {
    const files = walk(logsRoot).filter((f) => f.includes('Shannon') && f.includes(id.slice(0, 8)));
    const all = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    return /Turn done/.test(all) ? all : undefined;
  }, 15_000);
  assert.match(text, new RegExp(`\\[info\\] You: ${PROMPTS.hello}`));
  assert.match(text, new RegExp(`\\[info\\] Claude: ${REPLIES.hello.replace('.', '\\.')}`));
  assert.match(text, /\[info\] ■ Turn done · \$\d+\.\d{2,4} · /);
});

suite.test('the status bar counts live sessions and shows what today cost', async (vscode) => {
  const api = await shannon(vscode);
  const figures = await until('status figures with one idle session and a cost', () => {
    const f = api.testing.statusBar().figures;
    return f && f.idle >= 1 && f.todayUsd > 0 ? f : undefined;
  });
  assert.equal(figures.running, 0);
  assert.match(api.testing.statusBar().text, /\$\(hubot\) \$\d+\.\d{2,4}$/, 'cost only: no plan window on an API key');
  // An API key has no plan limits: the tooltip says so, and why.
  const bar = await until('the status bar to know the API key', () => (api.testing.statusBar().figures?.limits?.tooltip[0]?.startsWith('Plan limits: none') ? api.testing.statusBar() : undefined));
  assert.match(bar.tooltip, /Plan limits: none to show\. Claude Code runs on an API key here: plan limits \(the five-hour and weekly windows\) apply to claude\.ai Pro, Max and Team logins only/);
  assert.match(bar.tooltip, /\[\$\(graph\) Usage dashboard\]\(command:shannon\.showUsage\)/);
  assert.equal(bar.background, undefined, 'no plan window, no warning colour');
});

suite.test('checkpoints show as children of their session and restore into a forked session', async (vscode) => {
  const api = await shannon(vscode);
  const core = await api.testing.core();
  const id = state.first!.id;
  const checkpoint = (await vscode.commands.executeCommand('shannon.createCheckpoint', { sessionId: id, label: 'e2e checkpoint' })) as { id: string } | undefined;
  assert.ok(checkpoint?.id, 'a checkpoint was made');
  const item = await until('the checkpoint under its session', async () => {
    const found = await sessionItem(vscode, id).catch(() => undefined);
    return found?.item.children.find((c) => c.label === 'e2e checkpoint');
  });
  assert.equal(item.contextValue, 'checkpoint');
  const before = core.manager.list().length;
  const result = (await vscode.commands.executeCommand('shannon.restoreCheckpoint', { checkpointId: checkpoint.id, confirmed: true })) as { sessionId: string } | undefined;
  assert.ok(result?.sessionId, 'the restore started a session');
  assert.equal(core.manager.list().length, before + 1);
  assert.equal(core.manager.get(result.sessionId)?.parentId, id);
  await vscode.commands.executeCommand('shannon.cancel', { sessionId: result.sessionId });
});

suite.test("MCP: VS Code asks for Shannon's server, which answers tools/list with the token and 401 without", async (vscode) => {
  const api = await shannon(vscode);
  const mcp = api.testing.mcp();
  assert.ok(mcp, 'the MCP provider is registered');
  await until('VS Code to call provideMcpServerDefinitions', () => (api.testing.mcp()?.provideCount ?? 0) > 0, 30_000);
  const endpoint = await until('the MCP server to listen', () => api.testing.mcp()!.endpoint());
  assert.match(endpoint.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  const client = new Client({ name: 'shannon-e2e', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint.url), { requestInit: { headers: { Authorization: `Bearer ${endpoint.token}` } } }));
  try {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of ['create_session', 'send_message', 'list_sessions', 'get_session_output']) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    const listed = await client.callTool({ name: 'list_sessions', arguments: {} });
    assert.match(JSON.stringify(listed), new RegExp(state.first!.id), 'the MCP tools see the same sessions as the tree');
  } finally {
    await client.close();
  }
  const denied = await fetch(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
  assert.equal(denied.status, 401);
});

suite.test('Share Session with MCP: a session above the MCP limits is read-only for MCP clients until shared, step by step in the tree', async (vscode) => {
  const api = await shannon(vscode);
  const core = await api.testing.core();
  const config = vscode.workspace.getConfiguration('shannon');
  // The user's own default pre-approves Bash: beyond what MCP callers may pre-approve.
  await config.update('allowedTools', ['Bash'], vscode.ConfigurationTarget.Global);
  let record: SessionRecord;
  try {
    await until('the Settings service to see the change', () => api.testing.settings().allowedTools.includes('Bash'));
    record = await newSession(vscode, PROMPTS.hello);
  } finally {
    await config.update('allowedTools', undefined, vscode.ConfigurationTarget.Global);
  }
  await waitState(vscode, record.id, ['idle']);
  const contextOf = async () => (await sessionItem(vscode, record.id).catch(() => undefined))?.item.contextValue ?? '';
  await until('the tree to offer Share Session with MCP', async () => /\bmcpUnshared\b/.test(await contextOf()));

  const endpoint = await until('the MCP server to listen', () => api.testing.mcp()!.endpoint());
  const client = new Client({ name: 'shannon-e2e-share', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint.url), { requestInit: { headers: { Authorization: `Bearer ${endpoint.token}` } } }));
  try {
    const text = (r: unknown) => JSON.stringify((r as { content: unknown }).content);
    const refused = await client.callTool({ name: 'send_message', arguments: { session_id: record.id, content: PROMPTS.hello } });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /NOT_PERMITTED.*not shared with MCP.*Shannon: Share Session with MCP/);

    await vscode.commands.executeCommand('shannon.shareWithMcp', { sessionId: record.id, confirmed: true });
    assert.equal(core.manager.get(record.id)?.sharedWithMcp, true);
    await until('the tree to offer Stop Sharing with MCP', async () => /\bmcpShared\b/.test(await contextOf()));
    const sent = await client.callTool({ name: 'send_message', arguments: { session_id: record.id, content: PROMPTS.hello, wait: true } });
    assert.equal(sent.isError, undefined, text(sent));
    assert.equal((sent.structuredContent as { turn: { text: string } }).turn.text, REPLIES.hello);

    await vscode.commands.executeCommand('shannon.stopSharingWithMcp', { sessionId: record.id });
    await until('the tree to offer sharing again', async () => /\bmcpUnshared\b/.test(await contextOf()));
    const again = await client.callTool({ name: 'send_message', arguments: { session_id: record.id, content: PROMPTS.hello } });
    assert.equal(again.isError, true);
  } finally {
    await client.close();
    await vscode.commands.executeCommand('shannon.cancel', { sessionId: record.id });
  }
});

suite.test('Search Sessions finds sessions by words of their replies, best match first, and opens the pick', async (vscode) => {
  const api = await shannon(vscode);
  const core = await api.testing.core();
  const hits = await until('the search index to hold the reply', async () => {
    const found = await core.store.search('fake model');
    return found.some((h) => h.sessionId === state.first!.id) ? found : undefined;
  }, 20_000);
  const picked = vscode.commands.executeCommand('shannon.searchSessions', 'fake model') as Thenable<string | undefined>;
  // The pick shows results after its debounce; accept the first as a person pressing Enter would.
  await new Promise((r) => setTimeout(r, 1500));
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  // Several sessions said it; the best match is listed (and picked) first.
  assert.equal(await picked, hits[0]!.sessionId);
  assert.match(hits[0]!.snippet, /fake model/i);
});

suite.test('Show Usage opens the dashboard with today, one row per model and this folder; Export Usage writes CSV', async (vscode) => {
  const api = await shannon(vscode);
  const report = (await vscode.commands.executeCommand('shannon.showUsage', { days: 7 })) as UsageReport;
  assert.equal(api.testing.usageDashboardOpen(), true, 'the dashboard panel is open');
  assert.equal(report.days, 7);
  assert.equal(report.byDay.length, 7);
  assert.ok(report.byDay.at(-1)!.turns > 0 && report.byDay.at(-1)!.costUsd > 0, 'today has turns and a cost');
  const labels = report.models.map((m) => m.label);
  assert.equal(new Set(labels).size, labels.length, `one row per model: ${labels.join(', ')}`);
  assert.ok(report.folders.some((f) => f.path === vscode.workspace.workspaceFolders![0]!.uri.fsPath), 'a row for this folder');
  const file = path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'usage-e2e.csv');
  const written = (await vscode.commands.executeCommand('shannon.exportUsage', { table: 'daily', days: 7, file })) as string | undefined;
  assert.equal(written, file);
  const csv = readFileSync(file, 'utf8').split('\r\n');
  assert.match(csv[0]!, /^day,cost_usd,turns,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens/);
  assert.equal(csv.filter(Boolean).length, 8, 'a header and seven days');
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
});

suite.test('Delete Session removes it from the tree and the history', async (vscode) => {
  const api = await shannon(vscode);
  const core = await api.testing.core();
  const victim = state.slow!.id;
  await vscode.commands.executeCommand('shannon.deleteSession', { sessionId: victim, confirmed: true });
  assert.equal(core.store.getSession(victim), undefined);
  await until('the tree to drop it', () => !api.testing.treeRecords().some((r) => r.id === victim));
});

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

export const run = suite.run;
