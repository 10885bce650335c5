/**
 * What an MCP caller may make Claude Code do, over both transports (the in-host HTTP server and
 * the built stdio bin), with the real CLI behind them: where a session may run.
 */
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { script, type Reply } from '../support/fakeAnthropic.js';
import { buildBundles, startMcpHttpRig, startMcpStdioRig, structured, textOf, type McpHttpRig, type McpStdioRig } from '../support/mcpHarness.js';

const text = (t: string): Reply => ({ blocks: [{ type: 'text', text: t }] });

interface Rig {
  client(): Client;
  workspace: string;
  api: McpHttpRig['api'];
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

policySuite('over Streamable HTTP (the extension\'s server: the open workspace folder)', async () => {
  const rig = await startMcpHttpRig(script());
  const client = await rig.connect();
  return { client: () => client, workspace: rig.workspace, api: rig.api, dispose: () => rig.dispose() };
});

policySuite('over stdio (shannon-mcp --workspace)', async () => {
  const rig: McpStdioRig = await startMcpStdioRig(script(), (ws) => ['--workspace', ws]);
  return { client: () => rig.client, workspace: rig.workspace, api: rig.api, dispose: () => rig.dispose() };
});
