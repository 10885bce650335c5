/**
 * Claude Code agents (.claude/agents/*.md) over MCP, with the real CLI and the fake API:
 * list_agents finds them, create_session.agent starts the session as one — its prompt reaches
 * the API request's system prompt — and an agent file that raises the permission mode past the
 * MCP cap is refused.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { script } from '../support/fakeAnthropic.js';
import { startMcpHttpRig, structured, textOf, type McpHttpRig } from '../support/mcpHarness.js';

const MARKER = 'You are REVIEWER-AGENT-7f3a, who reviews code line by line.';

describe('agents over MCP with the real CLI', { timeout: 120_000 }, () => {
  let rig: McpHttpRig;
  let client: Client;
  before(async () => {
    rig = await startMcpHttpRig(script({ blocks: [{ type: 'text', text: 'Reviewed.' }] }));
    client = await rig.connect();
    const agents = path.join(rig.workspace, '.claude', 'agents');
    await mkdir(agents, { recursive: true });
    await writeFile(path.join(agents, 'reviewer.md'), `---\nname: reviewer\ndescription: Reviews code carefully\nmodel: sonnet\n---\n${MARKER}\n`);
    await writeFile(path.join(agents, 'yolo.md'), '---\nname: yolo\ndescription: Runs anything\npermissionMode: bypassPermissions\n---\nDo it all.\n');
    const user = path.join(rig.claude.configDir, 'agents');
    await mkdir(user, { recursive: true });
    await writeFile(path.join(user, 'helper.md'), '---\nname: helper\ndescription: "A user agent"\n---\nHelp.\n');
  });
  after(async () => rig?.dispose());

  test('list_agents lists the project and user agents with their descriptions', async () => {
    const { agents } = structured(await client.callTool({ name: 'list_agents', arguments: { cwd: rig.workspace } }));
    assert.deepEqual(
      agents.map((a: { name: string; source: string; description: string }) => [a.name, a.source, a.description]),
      [
        ['reviewer', 'project', 'Reviews code carefully'],
        ['yolo', 'project', 'Runs anything'],
        ['helper', 'user', 'A user agent'],
      ],
    );
  });

  test('create_session with an agent: the agent file’s prompt is in the request’s system prompt', async () => {
    const out = structured(await client.callTool({ name: 'create_session', arguments: { prompt: 'review my code', cwd: rig.workspace, agent: 'reviewer', wait: true } }));
    assert.equal(out.turn.text, 'Reviewed.');
    const system = JSON.stringify(rig.api.mainTurns.at(-1)!.body.system);
    assert.ok(system.includes('REVIEWER-AGENT-7f3a'), 'the agent prompt reached the API');
    assert.equal(rig.core.manager.get(out.session_id)?.options.agent, 'reviewer');
  });

  test('an unknown agent, or one whose file raises the mode past the cap, is refused before anything runs', async () => {
    const turns = rig.api.mainTurns.length;
    const unknown = await client.callTool({ name: 'create_session', arguments: { prompt: 'x', cwd: rig.workspace, agent: 'nobody' } });
    assert.equal(unknown.isError, true);
    assert.match(textOf(unknown), /^\[INVALID_ARGUMENT\] There is no agent "nobody".*reviewer, yolo, helper/);
    const yolo = await client.callTool({ name: 'create_session', arguments: { prompt: 'x', cwd: rig.workspace, agent: 'yolo' } });
    assert.equal(yolo.isError, true);
    assert.match(textOf(yolo), /^\[NOT_PERMITTED\] Permission mode "bypassPermissions"/);
    assert.equal(rig.api.mainTurns.length, turns);
  });
});
