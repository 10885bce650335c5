/**
 * Plan limits and the context window against the real Claude Code CLI (pinned) and the fake
 * Anthropic API: the shapes Shannon reads are the ones the CLI really prints.
 *
 * - A claude.ai login (CLAUDE_CODE_OAUTH_TOKEN) whose API replies carry the plan's rate-limit
 *   headers: the CLI prints a `rate_limit_event` and answers `get_usage` with the windows.
 * - An API key: the CLI says plan limits are not available; Shannon says why.
 * - `get_context_usage` after each turn, `/compact` and its `compact_boundary`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MessageEvent } from '../../src/core/session/manager.js';
import { ContextWindows, type ContextChange } from '../../src/core/usage/contextWindow.js';
import { API_KEY_REASON, PlanLimits, currentWindow } from '../../src/core/usage/planLimits.js';
import { compactText } from '../../src/core/transcript/compact.js';
import { rateLimitHeaders, type Responder } from '../support/fakeAnthropic.js';
import { startEngine, waitUntil, type Engine } from '../support/engine.js';
import { claudeAiLoginEnv } from '../support/realCli.js';

const HOUR = 3_600_000;

function collect(engine: Engine): MessageEvent[] {
  const seen: MessageEvent[] = [];
  engine.manager.onDidMessage((e) => seen.push(e));
  return seen;
}

describe('plan limits from the real CLI, on a claude.ai login', { timeout: 180_000 }, () => {
  const resetsAt = Math.floor((Date.now() + 2 * HOUR + 15 * 60_000) / 1000) * 1000;
  const weekResets = Math.floor((Date.now() + 3 * 24 * HOUR) / 1000) * 1000;
  let headers = rateLimitHeaders({ status: 'allowed_warning', surpassedThreshold: 0.8, fiveHour: { utilization: 0.85, resetsAt }, sevenDay: { utilization: 0.3, resetsAt: weekResets } });
  const responder: Responder = (req) => ({ blocks: [{ type: 'text', text: `Reply to ${req.latestUserText}` }], headers });
  let engine: Engine;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shannon-limits-'));
    engine = await startEngine(responder, {}, claudeAiLoginEnv);
  });
  after(async () => {
    await engine?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  test('shows the five-hour utilization and its reset time, and the weekly window, from one turn', async () => {
    const seen = collect(engine);
    const file = path.join(dir, 'plan-limits.json');
    const limits = new PlanLimits({ manager: engine.manager, file });
    try {
      const s = await engine.manager.create({ prompt: 'how much is left?', workspaceFolder: engine.workspace });
      await engine.manager.waitForTurn(s.id, undefined, s.promptUuid);
      const event = seen.find((e) => e.message.kind === 'unknown' && e.message.message.type === 'rate_limit_event');
      assert.ok(event, 'the CLI printed a rate_limit_event');
      assert.deepEqual((event.message.message as { rate_limit_info: unknown }).rate_limit_info, {
        status: 'allowed_warning',
        resetsAt: resetsAt / 1000,
        rateLimitType: 'five_hour',
        utilization: 0.85,
        isUsingOverage: false,
        surpassedThreshold: 0.8,
      });
      await waitUntil(() => limits.state.windows.seven_day !== undefined, 20_000, 'get_usage to bring the weekly window');
      const state = limits.state;
      assert.equal(state.availability, 'available');
      assert.equal(state.windows.five_hour?.utilization, 85);
      assert.equal(state.windows.five_hour?.resetsAt, resetsAt);
      assert.equal(state.windows.five_hour?.status, 'allowed_warning', 'the warning the event carried is kept');
      assert.equal(state.windows.seven_day?.utilization, 30);
      assert.equal(state.windows.seven_day?.resetsAt, weekResets);
      assert.equal(currentWindow(state, 'five_hour', Date.now())?.utilization, 85);
      assert.equal(currentWindow(state, 'five_hour', resetsAt + 1), undefined, 'past its reset the window says nothing');
      await limits.flush();
      const stored = JSON.parse(await readFile(file, 'utf8')) as { samples: Array<{ fiveHour?: number; sevenDay?: number }> };
      assert.equal(stored.samples.at(-1)?.fiveHour, 85);
      assert.equal(stored.samples.at(-1)?.sevenDay, 30);
      // Another window opening the same file sees the last state before any session runs.
      const later = new PlanLimits({ manager: engine.manager, file });
      await later.loaded;
      assert.equal(later.state.windows.five_hour?.utilization, 85);
      assert.equal(later.samples.length, stored.samples.length);
      later.dispose();

      // Back under the warning: the CLI's event says only "allowed"; the figures follow at once,
      // inside the one-a-minute throttle.
      headers = rateLimitHeaders({ fiveHour: { utilization: 0.5, resetsAt }, sevenDay: { utilization: 0.31, resetsAt: weekResets } });
      const uuid = await engine.manager.send(s.id, 'and now?');
      await engine.manager.waitForTurn(s.id, undefined, uuid);
      await waitUntil(() => limits.state.windows.five_hour?.utilization === 50, 20_000, 'the five-hour window at 50 %');
      assert.equal(limits.state.windows.five_hour?.status, 'allowed');
      assert.equal(limits.state.windows.seven_day?.utilization, 31);
      await engine.manager.cancel(s.id);
    } finally {
      limits.dispose();
    }
  });
});

describe('plan limits and the context window with an API key', { timeout: 180_000 }, () => {
  let engine: Engine;
  before(async () => {
    engine = await startEngine((req) => ({
      blocks: [{ type: 'text', text: req.latestUserText.startsWith('CRITICAL: Respond with TEXT ONLY') ? 'Summary: the user said hello three times.' : `Reply to ${req.latestUserText}` }],
      usage: { input_tokens: 5000, output_tokens: 50, cache_read_input_tokens: 20_000, cache_creation_input_tokens: 0 },
    }));
  });
  after(async () => engine?.dispose());

  test('says plan limits do not apply to an API key', async () => {
    const limits = new PlanLimits({ manager: engine.manager });
    try {
      const s = await engine.manager.create({ prompt: 'hello', workspaceFolder: engine.workspace });
      await engine.manager.waitForTurn(s.id, undefined, s.promptUuid);
      await waitUntil(() => limits.state.availability === 'unavailable', 20_000, 'the API key noticed');
      assert.equal(limits.state.reason, API_KEY_REASON);
      // get_usage answers rate_limits_available: false; the state stays unavailable with no windows.
      await limits.refresh(s.id, true);
      assert.equal(limits.state.availability, 'unavailable');
      assert.deepEqual(limits.state.windows, {});
      await engine.manager.cancel(s.id);
    } finally {
      limits.dispose();
    }
  });

  test('reads how full the context is after each turn, and what /compact leaves', async () => {
    const seen = collect(engine);
    const contexts = new ContextWindows({ manager: engine.manager, isWatched: () => true });
    const changes: ContextChange[] = [];
    contexts.onDidChange((c) => changes.push(c));
    try {
      const s = await engine.manager.create({ prompt: 'one', workspaceFolder: engine.workspace });
      await engine.manager.waitForTurn(s.id, undefined, s.promptUuid);
      await waitUntil(() => changes.length >= 1, 20_000, 'the first context reading');
      const first = contexts.get(s.id)!;
      // The default model is the 1M-context Opus; the last call read 5,000 fresh + 20,000 cached tokens.
      assert.equal(first.maxTokens, 1_000_000);
      assert.equal(first.usedTokens, 25_000);
      assert.equal(first.percent, 3);
      assert.equal(first.model, 'claude-opus-4-8[1m]');
      assert.ok(first.autoCompactAt && first.autoCompactAt > 900_000, `auto-compaction threshold ${first.autoCompactAt}`);
      assert.ok(first.categories.some((c) => c.name === 'System prompt'), JSON.stringify(first.categories));
      assert.ok(first.categories.every((c, i, all) => i === 0 || all[i - 1]!.tokens >= c.tokens), 'largest first');
      assert.ok(!first.categories.some((c) => c.name === 'Free space'), 'free space is the meter, not a category');

      for (const text of ['two', 'three']) {
        const uuid = await engine.manager.send(s.id, text);
        await engine.manager.waitForTurn(s.id, undefined, uuid);
      }
      const uuid = await engine.manager.send(s.id, '/compact');
      await engine.manager.waitForTurn(s.id, undefined, uuid);
      const boundary = seen.find((e) => e.message.kind === 'compact_boundary');
      assert.ok(boundary, 'the CLI printed a compact_boundary');
      const meta = (boundary.message.message as { compact_metadata: { trigger: string; pre_tokens: number; post_tokens: number } }).compact_metadata;
      assert.equal(meta.trigger, 'manual');
      assert.ok(meta.pre_tokens > meta.post_tokens && meta.post_tokens > 0, JSON.stringify(meta));
      assert.match(compactText(boundary.message.message), /^Conversation compacted \(\/compact\): [\d.]+k? → [\d.]+k? tokens$/);
      await waitUntil(() => changes.filter((c) => c.sessionId === s.id).length >= 4, 20_000, 'a reading after the compaction');
      assert.ok(contexts.get(s.id)!.usedTokens < meta.pre_tokens, `after compaction ${contexts.get(s.id)!.usedTokens} < ${meta.pre_tokens}`);
      await engine.manager.cancel(s.id);
    } finally {
      contexts.dispose();
    }
  });
});
