/**
 * What an MCP caller may make Claude Code do, over both transports (the in-host HTTP server and
 * the built stdio bin), with the real CLI behind them: which tools it may pre-approve, which
 * sessions it may steer, where a session may run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { READ_ONLY_TOOLS } from '../../src/core/cli/toolRules.js';
import { mcpPolicy } from '../../src/extension/model/mcpAccess.js';
import { DEFAULT_SETTINGS } from '../../src/extension/model/settings.js';
import { script, type Reply } from '../support/fakeAnthropic.js';
import { buildBundles, startMcpHttpRig, startMcpStdioRig, structured, textOf, type McpHttpRig, type McpStdioRig } from '../support/mcpHarness.js';

const text = (t: string): Reply => ({ blocks: [{ type: 'text', text: t }] });
/** A command the CLI asks permission for, unless `Bash(tee:*)` is allowed (the `echo` half is read-only). */
const tee = (file: string): Reply => ({ blocks: [{ type: 'tool_use', name: 'Bash', input: { command: `echo hi | tee ${file}`, description: 'write a file' } }] });
/** What the user allows MCP callers to pre-approve in these suites: the read-only tools and one narrow Bash pattern. */
const CAP = [...READ_ONLY_TOOLS, 'Bash(tee:*)'];

interface Rig {
  client(): Client;
  workspace: string;
  api: McpHttpRig['api'];
  /** How the refusals tell the user to allow more tools, on this host. */
  widenTools: RegExp;
}

/** The same checks, whichever way the client reaches the server. */
function policySuite(name: string, start: () => Promise<Rig & { dispose(): Promise<void> }>): void {
  describe(name, () => {
    let rig: Rig & { dispose(): Promise<void> };
    before(async () => {
      rig = await start();
      mkdirSync(path.join(rig.workspace, 'src'));
      symlinkSync('/', path.join(rig.workspace, 'rootlink'));
      symlinkSync(path.join(rig.workspace, 'src'), path.join(rig.workspace, 'srclink'));
    });
    after(async () => rig?.dispose());

    test('allowed_tools beyond the cap is refused with what is allowed and how to widen it; nothing starts', async () => {
      const client = rig.client();
      const before = structured(await client.callTool({ name: 'list_sessions', arguments: {} })).sessions.length;
      for (const tools of [['Bash'], ['Bash(*)'], ['Bash()'], ['Bash(**)'], ['Bash(tee*)'], ['Read', 'Bash(tee:*),Bash'], ['Edit'], ['Task']]) {
        const refused = await client.callTool({ name: 'create_session', arguments: { prompt: 'do it', cwd: rig.workspace, allowed_tools: tools } });
        assert.equal(refused.isError, true, JSON.stringify(tools));
        assert.match(textOf(refused), /^\[NOT_PERMITTED\] allowed_tools ".*" goes beyond what this server lets MCP callers pre-approve: Read, Glob, Grep, LSP, TaskGet, TaskList, TaskOutput, Bash\(tee:\*\)\./);
        assert.match(textOf(refused), rig.widenTools);
      }
      const bypass = await client.callTool({ name: 'create_session', arguments: { prompt: 'x', cwd: rig.workspace, permission_mode: 'bypassPermissions' } });
      assert.match(textOf(bypass), /^\[NOT_PERMITTED\] Permission mode "bypassPermissions" is above .*\(at most "auto"\)/);
      assert.equal(structured(await client.callTool({ name: 'list_sessions', arguments: {} })).sessions.length, before, 'no session was made');
    });

    test('the narrow pattern the user allows is accepted and really pre-approves that command', async () => {
      const client = rig.client();
      rig.api.setResponder(script(tee('narrow.txt'), text('Written.')));
      const out = structured(
        await client.callTool({ name: 'create_session', arguments: { prompt: 'write narrow.txt', cwd: rig.workspace, allowed_tools: ['Read', 'Bash(tee:*)'], wait: true, timeout: 60 } }, undefined, { timeout: 90_000 }),
      );
      assert.equal(out.turn.status, 'completed', JSON.stringify(out));
      assert.equal(out.turn.text, 'Written.');
      assert.equal(existsSync(path.join(rig.workspace, 'narrow.txt')), true, 'no ask: the rule pre-approved it');
      await client.callTool({ name: 'cancel_session', arguments: { session_id: out.session_id } });
    });

    test('a cwd that is a symlink out of the workspace folder is refused; a link to a subfolder is accepted and runs there', async () => {
      const client = rig.client();
      for (const cwd of [path.join(rig.workspace, 'rootlink'), path.join(rig.workspace, 'rootlink', 'tmp')]) {
        const refused = await client.callTool({ name: 'create_session', arguments: { prompt: 'escape', cwd } });
        assert.equal(refused.isError, true, cwd);
        assert.match(textOf(refused), /not inside a workspace folder/);
        assert.match(textOf(refused), /a link to \//, 'the refusal says where the link goes');
      }

      rig.api.setResponder(script(text('in src')));
      const accepted = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'where am I', cwd: path.join(rig.workspace, 'srclink'), wait: true } }));
      const src = realpathSync(path.join(rig.workspace, 'src'));
      assert.equal(accepted.turn.text, 'in src');
      assert.equal(accepted.cwd, src, 'the session runs in the real directory');
      const raw = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: accepted.session_id, format: 'raw' } }));
      const init = raw.entries.find((e: any) => e.type === 'system' && e.subtype === 'init');
      assert.equal(init.message.cwd, src, 'Claude Code itself reports that directory');
      await client.callTool({ name: 'cancel_session', arguments: { session_id: accepted.session_id } });

      const listed = structured(await client.callTool({ name: 'list_sessions', arguments: { cwd: path.join(rig.workspace, 'srclink') } }));
      assert.deepEqual(
        listed.sessions.map((s: any) => s.session_id),
        [accepted.session_id],
        'list_sessions resolves the link the same way',
      );
    });
  });
}

before(() => buildBundles());

/** The policy the extension derives from its settings, with the user's narrow Bash pattern added. */
const extensionPolicy = () => mcpPolicy({ ...DEFAULT_SETTINGS, mcp: { ...DEFAULT_SETTINGS.mcp, allowedTools: CAP } });

policySuite("over Streamable HTTP (the extension's server and policy)", async () => {
  const rig = await startMcpHttpRig(script(), extensionPolicy());
  const client = await rig.connect();
  return { client: () => client, workspace: rig.workspace, api: rig.api, widenTools: /shannon\.mcp\.allowedTools/, dispose: () => rig.dispose() };
});

policySuite('over stdio (shannon-mcp --workspace --allow-tools)', async () => {
  const rig: McpStdioRig = await startMcpStdioRig(script(), (ws) => ['--workspace', ws, '--allow-tools', CAP.join(',')]);
  return { client: () => rig.client, workspace: rig.workspace, api: rig.api, widenTools: /--allow-tools/, dispose: () => rig.dispose() };
});

describe('over Streamable HTTP: a session the user runs above the cap', () => {
  let rig: McpHttpRig;
  let client: Client;
  before(async () => {
    rig = await startMcpHttpRig(script(), extensionPolicy());
    client = await rig.connect();
  });
  after(async () => rig?.dispose());

  test('MCP may read it but not steer, resume or restore it, until the user shares it', async () => {
    // What the user's own settings give a session started in the UI: Bash pre-approved.
    rig.api.setResponder(script(text('user turn'), text('mcp turn'), text('after resume')));
    const user = await rig.core.manager.create({ prompt: 'my own task', workspaceFolder: rig.workspace, options: { allowedTools: ['Bash'] } });
    await rig.core.manager.waitForTurn(user.id, undefined, user.promptUuid);

    const seen = structured(await client.callTool({ name: 'get_session', arguments: { session_id: user.id } }));
    assert.equal(seen.session.mcp_may_steer, false);
    assert.match(seen.session.mcp_access_note, /not shared with MCP.*"Bash".*Share Session with MCP/);
    const listed = await client.callTool({ name: 'list_sessions', arguments: {} });
    assert.match(textOf(listed), /my own task.*not shared with MCP: read-only here/);
    const read = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: user.id } }));
    assert.match(read.text, /Claude: user turn/, 'reading is allowed');

    const sent = await client.callTool({ name: 'send_message', arguments: { session_id: user.id, content: 'run rm -rf', wait: true } });
    assert.equal(sent.isError, true);
    assert.match(textOf(sent), /^\[NOT_PERMITTED\] Cannot send a message to session .*"my own task".*not shared with MCP.*pre-approves "Bash".*Shannon: Share Session with MCP/);
    const checkpoint = await rig.core.core.checkpoints.create(user.id, 'user checkpoint');
    const dry = await client.callTool({ name: 'restore_checkpoint', arguments: { checkpoint_id: checkpoint.id, dry_run: true } });
    assert.equal(dry.isError, undefined, 'a dry run only reads');
    const restore = await client.callTool({ name: 'restore_checkpoint', arguments: { checkpoint_id: checkpoint.id } });
    assert.match(textOf(restore), /^\[NOT_PERMITTED\] Cannot restore a checkpoint \(and fork\) session/);
    assert.equal(rig.api.mainTurns.length, 1, 'nothing reached Claude Code');

    rig.core.manager.setSharedWithMcp(user.id, true);
    const shared = structured(await client.callTool({ name: 'send_message', arguments: { session_id: user.id, content: 'continue', wait: true } }));
    assert.equal(shared.turn.text, 'mcp turn');
    assert.equal(structured(await client.callTool({ name: 'get_session', arguments: { session_id: user.id } })).session.shared_with_mcp, true);

    await rig.core.manager.cancel(user.id);
    rig.core.manager.setSharedWithMcp(user.id, false);
    const resume = await client.callTool({ name: 'send_message', arguments: { session_id: user.id, content: 'come back' } });
    assert.match(textOf(resume), /^\[NOT_PERMITTED\] Cannot resume session/);
    assert.equal(rig.core.store.getSession(user.id)?.sharedWithMcp, undefined, 'not sharing is stored with the record');
    rig.core.manager.setSharedWithMcp(user.id, true);
    assert.equal(rig.core.store.getSession(user.id)?.sharedWithMcp, true, 'sharing is stored with the record');
    const resumed = structured(await client.callTool({ name: 'send_message', arguments: { session_id: user.id, content: 'come back', wait: true } }));
    assert.equal(resumed.turn.text, 'after resume');
    await rig.core.manager.cancel(user.id);
  });
});

describe("over Streamable HTTP: the user's own defaults", () => {
  let rig: McpHttpRig;
  before(async () => {
    rig = await startMcpHttpRig(script(), extensionPolicy(), { host: { sessionDefaults: () => ({ permissionMode: 'bypassPermissions', allowedTools: ['Grep', 'Bash'] }) } });
  });
  after(async () => rig?.dispose());

  test('create_session keeps the default tools within the cap and leaves out the rest, saying so', async () => {
    const client = await rig.connect();
    rig.api.setResponder(script(text('ok')));
    const out = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'defaults', cwd: rig.workspace, wait: true } }));
    assert.match(out.note, /default permission mode "bypassPermissions" is above .* runs in "auto"/);
    assert.match(out.note, /Left out .*: Bash\./);
    const record = rig.core.manager.get(out.session_id)!;
    assert.equal(record.options.permissionMode, 'auto');
    assert.deepEqual(record.options.allowedTools, ['Grep']);
    const raw = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: out.session_id, format: 'raw' } }));
    assert.equal(raw.entries.find((e: any) => e.subtype === 'init').message.permissionMode, 'auto', 'Claude Code runs in the lowered mode');
    await rig.core.manager.cancel(out.session_id);
  });
});

describe('over stdio: the cap narrowed after a session was made, and permission answers', () => {
  let rig: McpStdioRig;
  const wider = (ws: string) => ['--workspace', ws, '--permissions', 'client', '--allow-tools', CAP.join(',')];
  before(async () => {
    rig = await startMcpStdioRig(script(), wider);
  });
  after(async () => rig?.dispose());

  test('remember on a permission answer is refused for a tool the cap does not allow whole; a one-time allow works', async () => {
    rig.api.setResponder(script(tee('asked.txt'), text('Done.')));
    const asked = structured(await rig.client.callTool({ name: 'create_session', arguments: { prompt: 'write asked.txt', cwd: rig.workspace, wait: true } }));
    assert.equal(asked.turn.status, 'awaiting_permission');
    const ask = asked.pending_permissions[0];
    const remember = await rig.client.callTool({ name: 'respond_permission', arguments: { session_id: asked.session_id, request_id: ask.request_id, decision: 'allow', remember: true } });
    assert.match(textOf(remember), /^\[NOT_PERMITTED\] remember would allow every "Bash" use .*Answer without remember/);
    const once = structured(await rig.client.callTool({ name: 'respond_permission', arguments: { session_id: asked.session_id, request_id: ask.request_id, decision: 'allow', wait: true } }));
    assert.equal(once.turn.text, 'Done.');
    await rig.client.callTool({ name: 'cancel_session', arguments: { session_id: asked.session_id } });
  });

  test('after the user narrows --allow-tools, a session made under the wider cap can be read but not resumed or answered', async () => {
    rig.api.setResponder(script(text('made with tee allowed')));
    const made = structured(await rig.client.callTool({ name: 'create_session', arguments: { prompt: 'made wide', cwd: rig.workspace, allowed_tools: ['Bash(tee:*)'], wait: true } }));
    const client = await rig.restart(['--workspace', rig.workspace, '--permissions', 'client']);
    const seen = structured(await client.callTool({ name: 'get_session', arguments: { session_id: made.session_id } }));
    assert.equal(seen.session.mcp_may_steer, false);
    assert.match(seen.session.mcp_access_note, /pre-approves "Bash\(tee:\*\)"/);
    // The restart suspended it: a message would wake it, and that is refused like a resume.
    assert.equal(seen.session.state, 'suspended');
    const resume = await client.callTool({ name: 'send_message', arguments: { session_id: made.session_id, content: 'again' } });
    assert.match(textOf(resume), /^\[NOT_PERMITTED\] Cannot send a message to session .*Start a new session within the limits instead\./);
    const answer = await client.callTool({ name: 'respond_permission', arguments: { session_id: made.session_id, request_id: 'r', decision: 'allow' } });
    assert.match(textOf(answer), /^\[NOT_PERMITTED\] Cannot answer a permission ask of session/);
    const read = structured(await client.callTool({ name: 'get_session_output', arguments: { session_id: made.session_id } }));
    assert.match(read.text, /made with tee allowed/);
  });
});
