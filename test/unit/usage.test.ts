/**
 * The usage dashboard's arithmetic: one row per model whatever the CLI called it, five-hour
 * blocks exactly as ccusage draws them, what caching saved, and CSV a spreadsheet opens safely.
 * The report is built from a real SessionStore (sql.js, temp dir).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { emptyMetrics, type SessionRecord, type TurnMetrics } from '../../src/core/session/types';
import { SessionStore } from '../../src/core/store';
import { BLOCK_MS, burnRate, identifyBlocks, projectBlock, type UsageEntry } from '../../src/core/usage/blocks';
import { csvFileName, reportCsv, toCsv } from '../../src/core/usage/csv';
import { foldModel, modelLabel, variantLabel } from '../../src/core/usage/models';
import { buildUsageReport, localDays } from '../../src/core/usage/report';

const HOUR = 3_600_000;
const MIN = 60_000;
const DAY = 86_400_000;

describe('models fold into one row', () => {
  it('folds aliases, release dates, provider ids and context-window variants', () => {
    assert.deepEqual(foldModel('claude-opus-4-8[1m]'), { id: 'claude-opus-4-8', variant: '1m' });
    assert.deepEqual(foldModel('claude-opus-4-8'), { id: 'claude-opus-4-8' });
    assert.deepEqual(foldModel('opus'), { id: 'claude-opus-4-8' });
    assert.deepEqual(foldModel('default'), { id: 'claude-opus-4-8', variant: '1m' });
    assert.deepEqual(foldModel('sonnet[1m]'), { id: 'claude-sonnet-5', variant: '1m' });
    assert.deepEqual(foldModel('claude-haiku-4-5-20251001'), { id: 'claude-haiku-4-5' });
    assert.deepEqual(foldModel('haiku'), { id: 'claude-haiku-4-5' });
    assert.deepEqual(foldModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0'), { id: 'claude-sonnet-4-5' });
    assert.deepEqual(foldModel('claude-opus-4-1@20250805'), { id: 'claude-opus-4-1' });
    assert.deepEqual(foldModel('Claude-Sonnet-4-5'), { id: 'claude-sonnet-4-5' });
    assert.deepEqual(foldModel(''), { id: '' });
    assert.deepEqual(foldModel(undefined), { id: '' });
  });

  it('names models the way people say them', () => {
    assert.equal(modelLabel('claude-opus-4-8'), 'Opus 4.8');
    assert.equal(modelLabel('claude-sonnet-5'), 'Sonnet 5');
    assert.equal(modelLabel('claude-haiku-4-5'), 'Haiku 4.5');
    assert.equal(modelLabel('claude-3-5-sonnet'), 'Sonnet 3.5');
    assert.equal(modelLabel('mythos'), 'mythos');
    assert.equal(modelLabel(''), 'Unknown model');
    assert.equal(variantLabel('1m'), '1M context');
  });
});

function entry(at: number, over: Partial<UsageEntry> = {}): UsageEntry {
  return { at, inputTokens: 1000, outputTokens: 500, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0.01, model: 'claude-sonnet-4-5', ...over };
}

describe('five-hour blocks (ccusage rules)', () => {
  const base = Date.UTC(2026, 0, 1, 10, 0);

  it('starts a block on the hour of its first message and keeps five hours of entries in it', () => {
    const blocks = identifyBlocks([entry(base + 2 * HOUR), entry(base + 55 * MIN + 30_000), entry(base + HOUR)], base + 30 * DAY);
    assert.equal(blocks.length, 1);
    assert.equal(blocks[0]!.start, base, 'floored to 10:00 from 10:55:30');
    assert.equal(blocks[0]!.end, base + BLOCK_MS);
    assert.equal(blocks[0]!.entries, 3);
    assert.equal(blocks[0]!.inputTokens, 3000);
    assert.equal(blocks[0]!.isActive, false);
  });

  it('starts a new block more than five hours after the block start, and leaves a gap after a long silence', () => {
    // 10:00, 14:30 (same block), 15:10 (> 5 h after 10:00: new block at 15:00, no gap: 40 min silence).
    const a = identifyBlocks([entry(base), entry(base + 4.5 * HOUR), entry(base + 5 * HOUR + 10 * MIN)], base + 30 * DAY);
    assert.deepEqual(
      a.map((b) => [b.isGap, new Date(b.start).toISOString().slice(11, 16), b.entries]),
      [
        [false, '10:00', 2],
        [false, '15:00', 1],
      ],
    );
    // 10:00, 12:00, then 20:00: a gap from 17:00 (5 h after 12:00) to 20:00.
    const b = identifyBlocks([entry(base), entry(base + 2 * HOUR), entry(base + 10 * HOUR)], base + 30 * DAY);
    assert.deepEqual(
      b.map((x) => [x.isGap, new Date(x.start).toISOString().slice(11, 16), new Date(x.end).toISOString().slice(11, 16), x.entries]),
      [
        [false, '10:00', '15:00', 2],
        [true, '17:00', '20:00', 0],
        [false, '20:00', '01:00', 1],
      ],
    );
  });

  it('computes the burn rate between first and last entry, and projects the running block to its end', () => {
    const now = base + 2 * HOUR;
    const [block] = identifyBlocks(
      [entry(base + 30 * MIN, { cacheReadInputTokens: 1000, costUsd: 0.5 }), entry(base + 90 * MIN, { costUsd: 0.7 })],
      now,
    );
    assert.equal(block!.isActive, true);
    const rate = burnRate(block!)!;
    // 60 minutes between the two entries; 4,000 tokens in all kinds, 3,000 of them input + output.
    assert.equal(rate.tokensPerMinute, 4000 / 60);
    assert.equal(rate.indicatorTokensPerMinute, 3000 / 60);
    assert.ok(Math.abs(rate.costPerHour - 1.2) < 1e-9);
    const p = projectBlock(block!, now)!;
    assert.equal(p.remainingMinutes, 180);
    assert.equal(p.totalTokens, Math.round(4000 + (4000 / 60) * 180));
    assert.equal(p.costUsd, 4.8, '1.20 so far + 1.20/h for three more hours, to the cent');
    assert.equal(projectBlock({ ...block!, isActive: false }, now), undefined, 'no projection for a finished block');
    assert.equal(burnRate(identifyBlocks([entry(base)], now)[0]!), undefined, 'one entry: no rate');
  });

  it('ends the running block five hours after its last entry even before its end time', () => {
    const [block] = identifyBlocks([entry(base)], base + 4 * HOUR + 59 * MIN);
    assert.equal(block!.isActive, true);
    assert.equal(identifyBlocks([entry(base)], base + BLOCK_MS)[0]!.isActive, false);
  });
});

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function session(id: string, folder: string, title: string): SessionRecord {
  return { id, workspaceFolder: folder, cwd: folder, title, options: {}, state: 'completed', createdAt: 1, updatedAt: 2, metrics: emptyMetrics(), origin: 'shannon' };
}

function turn(sessionId: string, n: number, endedAt: number, over: Partial<TurnMetrics> = {}): TurnMetrics {
  return {
    sessionId,
    turn: n,
    endedAt,
    model: 'claude-opus-4-8',
    inputTokens: 1000,
    outputTokens: 100,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
    costUsd: 0.1,
    durationMs: 60_000,
    durationApiMs: 50_000,
    numTurns: 1,
    isError: false,
    subtype: 'success',
    ...over,
  };
}

describe('the usage report', () => {
  it('folds claude-opus-4-8 and claude-opus-4-8[1m] into one row tagged "1M context", with every day of the range', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shannon-usage-'));
    dirs.push(dir);
    const now = new Date(2026, 10, 20, 15, 0).getTime();
    const store = await SessionStore.open({ dir, now: () => now });
    try {
      store.upsertSession(session('a', '/work/app', 'Fix the parser'));
      store.upsertSession(session('b', '/work/app', 'Add tests'));
      store.upsertSession(session('c', '/home/me/app', 'Another app'));
      store.upsertSession(session('gone', '/work/lib', 'Deleted later'));
      const today = new Date(2026, 10, 20, 9, 0).getTime();
      store.recordTurn(turn('a', 1, today, { model: 'claude-opus-4-8', costUsd: 1 }));
      store.recordTurn(turn('a', 2, today + 10 * MIN, { model: 'claude-opus-4-8[1m]', costUsd: 2, cacheReadInputTokens: 1_000_000 }));
      store.recordTurn(turn('b', 1, today - DAY, { model: 'claude-sonnet-4-5-20250929', costUsd: 0.5, cacheCreationInputTokens: 100_000 }));
      store.recordTurn(turn('c', 1, today - 2 * DAY, { model: 'claude-haiku-4-5', costUsd: 0.25 }));
      store.recordTurn(turn('gone', 1, today - 3 * DAY, { model: 'mythos', costUsd: 0.05 }));
      store.recordTurn(turn('a', 3, today - 40 * DAY, { costUsd: 9 })); // outside a 30-day range
      await store.flush();
      // 'gone' reads as removed by retention: its record is gone, its turns stay in the totals.
      const report = buildUsageReport(
        { rolledUpUsage: (s, u) => store.rolledUpUsage(s, u), turnsBetween: (s, u) => store.turnsBetween(s, u), getSession: (id) => (id === 'gone' ? undefined : store.getSession(id)) },
        { days: 30, now, stackedModels: 2 },
      );

      assert.equal(report.byDay.length, 30);
      assert.equal(report.byDay.at(-1)!.day, '2026-11-20');
      assert.equal(report.byDay[0]!.day, '2026-10-22');
      assert.ok(Math.abs(report.totals.costUsd - 3.8) < 1e-9, 'the 40-day-old turn is outside the range');
      assert.equal(report.totals.turns, 5);

      const opus = report.models.find((m) => m.id === 'claude-opus-4-8')!;
      assert.equal(report.models.filter((m) => m.label === 'Opus 4.8').length, 1, 'one row for Opus 4.8');
      assert.deepEqual(opus.variants, ['1M context']);
      assert.deepEqual(opus.names.sort(), ['claude-opus-4-8', 'claude-opus-4-8[1m]']);
      assert.equal(opus.turns, 2);
      assert.deepEqual(
        report.models.map((m) => m.label),
        ['Opus 4.8', 'Sonnet 4.5', 'Haiku 4.5', 'mythos'],
      );

      assert.deepEqual(report.stackLabels, ['Opus 4.8', 'Sonnet 4.5', 'Other models']);
      const day = report.byDay.at(-1)!;
      assert.deepEqual(day.stack, [3, 0, 0]);
      assert.deepEqual(report.byDay.at(-3)!.stack, [0, 0, 0.25], 'Haiku goes into "Other models"');
      assert.ok(report.byDay.slice(0, 20).every((d) => d.costUsd === 0 && d.turns === 0), 'quiet days are there, at zero');

      assert.deepEqual(
        report.folders.map((f) => [f.name, f.turns]),
        [
          ['/work/app', 3],
          ['/home/me/app', 1],
          ['lib', 1],
        ],
        'two folders named "app" are told apart by their path',
      );

      assert.deepEqual(
        report.sessions.map((s) => [s.title, s.exists, s.turns]),
        [
          ['Fix the parser', true, 2],
          ['Add tests', true, 1],
          ['Another app', true, 1],
          ['Removed session', false, 1],
        ],
      );

      // 1M cache reads on Opus 4.8 ($5/M fresh, $0.50/M read): $4.50 saved; 100k cache writes
      // on Sonnet ($3/M fresh, $3.75/M write): $0.075 extra.
      assert.ok(Math.abs(report.cache.savedUsd - 4.5) < 1e-9, String(report.cache.savedUsd));
      assert.ok(Math.abs(report.cache.writePremiumUsd - 0.075) < 1e-9, String(report.cache.writePremiumUsd));
      assert.ok(Math.abs(report.cache.netSavedUsd - 4.425) < 1e-9);
      assert.equal(report.cache.cacheReadTokens, 1_000_000);
      assert.equal(report.cache.unpricedTokens, 1000, 'the unknown model is left out of the dollars');
      assert.ok(Math.abs(report.cache.readShare - 1_000_000 / (5000 + 1_000_000 + 100_000)) < 1e-12);

      // Today's two turns (started 08:59 and 09:09, stamped at their start) share one block.
      const todayBlock = report.blocks.at(-1)!;
      assert.equal(todayBlock.entries, 2);
      assert.equal(todayBlock.isActive, false, 'six hours after the last turn');
      assert.ok(todayBlock.burnRate, 'two turns ten minutes apart have a burn rate');
      assert.equal(report.blocks.length, 4, 'one block for each of the four days with turns');
    } finally {
      store.dispose();
    }
  });

  it('lists local days oldest first, across a change of month', () => {
    assert.deepEqual(localDays(3, new Date(2026, 2, 1, 12).getTime()), ['2026-02-27', '2026-02-28', '2026-03-01']);
  });
});

describe('CSV export', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    const csv = toCsv(['title', 'cost_usd', 'ok'], [
      ['Plain', 0.5, true],
      ['Has, a comma', 1, false],
      ['She said "hi"', 2, undefined],
      ['=HYPERLINK("http://x")', -1, true],
      ['line\nbreak', Number.NaN, true],
    ]);
    assert.equal(
      csv,
      'title,cost_usd,ok\r\nPlain,0.5,true\r\n"Has, a comma",1,false\r\n"She said ""hi""",2,\r\n"\'=HYPERLINK(""http://x"")",-1,true\r\n"line\nbreak",,true\r\n',
    );
  });

  it('exports each table of the report, money to the micro-dollar', () => {
    const report = buildUsageReport(
      {
        rolledUpUsage: () => [
          { day: '2026-11-20', model: 'claude-opus-4-8[1m]', workspaceFolder: '/w', inputTokens: 1, outputTokens: 2, cacheReadInputTokens: 3, cacheCreationInputTokens: 4, costUsd: 0.00017999999999999998, turns: 1 },
        ],
        turnsBetween: () => [],
        getSession: () => undefined,
      },
      { days: 2, now: new Date(2026, 10, 20, 12).getTime() },
    );
    assert.equal(
      reportCsv(report, 'daily'),
      'day,cost_usd,turns,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd_Opus 4.8\r\n2026-11-19,0,0,0,0,0,0,0\r\n2026-11-20,0.00018,1,1,2,3,4,0.00018\r\n',
    );
    assert.equal(reportCsv(report, 'models').split('\r\n')[1], 'claude-opus-4-8,Opus 4.8,1M context,claude-opus-4-8[1m],0.00018,1,1,2,3,4');
    assert.equal(csvFileName(report, 'models'), 'shannon-usage-models-2d-2026-11-20.csv');
  });
});
