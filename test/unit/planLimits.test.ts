/**
 * Plan limits as a person reads them: the status bar's five-hour figure, its warning, what an
 * API key gets instead, and the lines the real CLI printed (test/fixtures/cli/rate-limit-login.jsonl)
 * turned into windows. The live path (events + get_usage from the real CLI) is in
 * test/integration/usage.realcli.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Emitter } from '../../src/core/lifecycle';
import { classifyMessage, type JsonObject } from '../../src/core/protocol/messages';
import type { MessageEvent } from '../../src/core/session/manager';
import { API_KEY_REASON, currentWindow, PlanLimits, type PlanLimitsState } from '../../src/core/usage/planLimits';
import { limitsStatus } from '../../src/extension/model/limitsText';
import { formatTimeLeft } from '../../src/core/format';

const HOUR = 3_600_000;
const MIN = 60_000;

function captured(name: string): JsonObject[] {
  return readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'cli', name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { dir: string; msg: JsonObject })
    .filter((l) => l.dir === 'out' && typeof l.msg === 'object')
    .map((l) => l.msg);
}

/** The manager's message event, fed with what the CLI printed (no process: get_usage is not asked). */
function feed(now: () => number) {
  const messages = new Emitter<MessageEvent>();
  const limits = new PlanLimits({ manager: { onDidMessage: messages.event, liveSession: () => undefined }, now });
  const say = (raw: JsonObject) => messages.fire({ sessionId: 's1', direction: 'in', message: classifyMessage(raw), at: now() });
  return { limits, say };
}

describe('plan limits from the CLI', () => {
  it('reads the captured rate_limit_event lines: a warning at 85 %, then back to allowed', () => {
    const lines = captured('rate-limit-login.jsonl').filter((m) => m.type === 'rate_limit_event');
    assert.equal(lines.length, 2, 'the capture holds a warning and an all-clear');
    const resetsAt = ((lines[0]!.rate_limit_info as { resetsAt: number }).resetsAt) * 1000;
    const now = resetsAt - 2 * HOUR;
    const { limits, say } = feed(() => now);
    say(lines[0]!);
    assert.deepEqual(limits.state.windows.five_hour, { kind: 'five_hour', status: 'allowed_warning', utilization: 85, resetsAt, updatedAt: now });
    assert.equal(limits.state.availability, 'available');
    say(lines[1]!);
    // The all-clear carries no figure: the last one stands until get_usage brings the new one.
    assert.equal(limits.state.windows.five_hour?.status, 'allowed');
    assert.equal(limits.state.windows.five_hour?.utilization, 85);
    assert.deepEqual(limits.samples.map((s) => s.fiveHour), [85], 'one reading for two events in the same minute');
    limits.dispose();
  });

  it('knows from system/init that an API key has no plan limits', () => {
    const init = captured('text-turn.jsonl').find((m) => m.type === 'system' && m.subtype === 'init')!;
    assert.equal(init.apiKeySource, 'ANTHROPIC_API_KEY');
    const { limits, say } = feed(() => 0);
    say(init);
    assert.equal(limits.state.availability, 'unavailable');
    assert.equal(limits.state.reason, API_KEY_REASON);
    limits.dispose();
  });

  it('a rejected window reads as full, and a window past its reset as unknown', () => {
    const now = 1_000 * HOUR;
    const { limits, say } = feed(() => now);
    say({ type: 'rate_limit_event', rate_limit_info: { status: 'rejected', resetsAt: (now + 30 * MIN) / 1000, rateLimitType: 'five_hour' }, uuid: 'u', session_id: 'c' });
    assert.equal(limits.state.windows.five_hour?.utilization, 100);
    assert.equal(currentWindow(limits.state, 'five_hour', now + 31 * MIN), undefined);
    limits.dispose();
  });
});

describe('the status bar’s words for plan limits', () => {
  const now = new Date(2026, 11, 1, 14, 0).getTime();
  const state = (over: Partial<PlanLimitsState['windows']['five_hour']> = {}, week = 41): PlanLimitsState => ({
    availability: 'available',
    windows: {
      five_hour: { kind: 'five_hour', utilization: 64, resetsAt: now + HOUR + 52 * MIN, updatedAt: now, ...over },
      seven_day: { kind: 'seven_day', utilization: week, resetsAt: now + 3 * 24 * HOUR, updatedAt: now },
    },
  });

  it('shows the five-hour utilization and the time to its reset', () => {
    const s = limitsStatus(state(), now, 80);
    assert.equal(s.text, '$(pulse) 5h 64% · 1h 52m');
    assert.equal(s.severity, 'none');
    assert.deepEqual(s.tooltip, ['Five-hour window: 64% used, resets at 15:52 (in 1h 52m)', 'Weekly window: 41% used, resets Fri 14:00 (in 3d 0h)']);
    assert.equal(s.spoken, 'five-hour plan window 64 percent used, resets in 1h 52m');
  });

  it('warns at the threshold of the setting, and turns red at the limit', () => {
    const warned = limitsStatus(state({ utilization: 80 }), now, 80);
    assert.equal(warned.severity, 'warning');
    assert.equal(warned.text, '$(warning) 5h 80% · 1h 52m');
    assert.match(warned.tooltip.at(-1)!, /Past 80% \(setting `shannon\.usage\.warnAtPercent`\)/);
    assert.equal(limitsStatus(state({ utilization: 79 }), now, 80).severity, 'none');
    assert.equal(limitsStatus(state({ utilization: 50 }), now, 50).severity, 'warning', 'a lower setting warns earlier');
    assert.equal(limitsStatus(state({ utilization: 50, status: 'allowed_warning' }), now, 90).severity, 'warning', "the CLI's own warning counts");
    const full = limitsStatus(state({ status: 'rejected', utilization: 100 }), now, 80);
    assert.equal(full.severity, 'error');
    assert.equal(full.text, '$(error) 5h limit reached · 1h 52m');
  });

  it('with an API key shows no limits and says why', () => {
    const s = limitsStatus({ availability: 'unavailable', reason: API_KEY_REASON, windows: {} }, now, 80);
    assert.equal(s.text, undefined);
    assert.match(s.tooltip[0]!, /^Plan limits: none to show\. Claude Code runs on an API key here/);
  });

  it('says when nothing is known yet, and when the window has reset', () => {
    assert.match(limitsStatus({ availability: 'unknown', windows: {} }, now, 80).tooltip[0]!, /not known yet/);
    const reset = limitsStatus(state({ resetsAt: now - MIN }, 41), now, 80);
    assert.equal(reset.text, '$(pulse) 7d 41% · 3d 0h', 'the weekly window stands in');
  });

  it('names the reset day when it is not today', () => {
    const late = new Date(2026, 11, 1, 23, 0).getTime();
    const s = limitsStatus({ availability: 'available', windows: { five_hour: { kind: 'five_hour', utilization: 10, resetsAt: late + 90 * MIN, updatedAt: late } } }, late, 80);
    assert.equal(s.tooltip[0], 'Five-hour window: 10% used, resets tomorrow at 00:30 (in 1h 30m)');
  });

  it('writes times left short', () => {
    assert.equal(formatTimeLeft(30_000), 'under a minute');
    assert.equal(formatTimeLeft(45 * MIN), '45m');
    assert.equal(formatTimeLeft(2 * HOUR + 5 * MIN), '2h 05m');
    assert.equal(formatTimeLeft(50 * HOUR), '2d 2h');
  });
});
