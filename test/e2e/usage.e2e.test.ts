/**
 * Usage you can see and limits you can plan by, in a real VS Code (code-server) with the real
 * `claude` CLI on a claude.ai login, talking to the fake API that sends the plan's rate-limit
 * headers. A person's path:
 *
 * 1. a session's first turn: the CLI prints a `rate_limit_event`; the status bar shows the
 *    five-hour window (85 %, past the 80 % warning: warning colour) and the time to its reset;
 * 2. the session panel's header shows how full the context is; after three turns, Compact
 *    (/compact) leaves a row with the tokens before and after;
 * 3. Show Usage Dashboard over a generated 90-day history: cost per day, one row for Opus 4.8
 *    (its [1m] variant a tag), folders, top sessions (a click opens one), caching, five-hour
 *    blocks with the running one, the plan's windows; 90 days; light, dark and high contrast;
 *    CSV export.
 *
 * Screenshots: test-results/e2e/usage-*.png.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { FakeAnthropicApi, rateLimitHeaders, sideCallReply, type Responder } from '../support/fakeAnthropic';
import { CLAUDE_BIN, claudeAiLoginEnv, hermeticClaudeEnv, type HermeticClaudeEnv } from '../support/realCli';
import { closeWorkbench, openWorkbench, runCommand, screenshot, waitFor, waitForVisible, webviewOf } from './support/browser';
import { startCodeServer } from './support/codeServer';
import { buildShannonVsix } from './support/vsix';
import { newSessionFromPalette, sessionPanel } from './support/shannonUi';
import { writeUsageHistory, type UsageHistory } from './host/usageHistory';

const HOUR = 3_600_000;
const resetsAt = Math.floor((Date.now() + 2 * HOUR + 14 * 60_000) / 60_000) * 60_000;
const weekResets = Date.now() + 3 * 24 * HOUR;
const LIMITS = rateLimitHeaders({ status: 'allowed_warning', surpassedThreshold: 0.8, fiveHour: { utilization: 0.85, resetsAt }, sevenDay: { utilization: 0.41, resetsAt: weekResets } });
const SUMMARY_REQUEST = 'CRITICAL: Respond with TEXT ONLY';

const responder: Responder = (req) => {
  if (!req.isMainTurn) return sideCallReply(req);
  const usage = { input_tokens: 38_000, output_tokens: 420, cache_read_input_tokens: 24_000, cache_creation_input_tokens: 1200 };
  if (req.latestUserText.startsWith(SUMMARY_REQUEST)) return { blocks: [{ type: 'text', text: 'Summary: the user asked three questions about usage.' }], usage: { ...usage, input_tokens: 2000 }, headers: LIMITS };
  return { blocks: [{ type: 'text', text: `Here is what I found about “${req.latestUserText}”.` }], usage, headers: LIMITS };
};

describe('usage, plan limits and the context window in a real VS Code', { timeout: 600_000 }, () => {
  let vsixPath: string;
  let api: FakeAnthropicApi;
  let claude: HermeticClaudeEnv;
  let folder: string;
  let history: UsageHistory;

  before(async () => {
    vsixPath = await buildShannonVsix();
    api = await FakeAnthropicApi.start(responder);
    claude = await hermeticClaudeEnv(api, { CLAUDE_CODE_MAX_RETRIES: '0' });
    folder = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-e2e-usage-')));
    await writeFile(path.join(folder, 'README.md'), '# usage e2e workspace\n');
    history = await writeUsageHistory(folder);
  });

  after(async () => {
    await api?.close();
    await claude?.dispose();
    if (folder) await rm(folder, { recursive: true, force: true });
    if (history) await rm(history.dir, { recursive: true, force: true });
  });

  it('shows the five-hour window in the status bar, the context meter and Compact, and the usage dashboard', async () => {
    const login = Object.fromEntries(Object.entries(claudeAiLoginEnv(claude.env)).filter((e): e is [string, string] => e[1] !== undefined));
    const server = await startCodeServer({ vsixPath, folder, env: { ...login, SHANNON_CLAUDE_PATH: CLAUDE_BIN, SHANNON_DATA_DIR: history.dir } });
    let page: Page | undefined;
    try {
      page = await openWorkbench(server.url, folder);
      const p = page;

      // 1. A first turn on the claude.ai login: the plan's window reaches the status bar.
      await newSessionFromPalette(p, 'How much of my plan is left?');
      let panel = await sessionPanel(p);
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'the first turn to end', timeoutMs: 90_000 });

      const item = p.locator('.statusbar-item', { hasText: /5h 85%/ });
      await waitForVisible(p, item, { what: 'the five-hour window in the status bar', timeoutMs: 30_000 });
      const text = await item.innerText();
      assert.match(text, /5h 85% · 2h \d\dm/, `status bar: ${JSON.stringify(text)}`);
      assert.match((await item.getAttribute('class')) ?? '', /warning-kind|has-background-color/, 'past the 80 % warning the item is coloured');
      await item.hover();
      const hover = p.locator('.monaco-hover', { hasText: 'Five-hour window' });
      await waitForVisible(p, hover, { what: 'the status bar tooltip with the plan windows' });
      const tip = await hover.innerText();
      assert.match(tip, /Five-hour window: 85% used, resets (at|tomorrow at) \d\d:\d\d \(in 2h \d\dm\)/);
      assert.match(tip, /Weekly window: 41% used/);
      assert.match(tip, /Past 80%/);
      await screenshot(p, 'usage-01-status-bar-plan-limits');
      await p.mouse.move(400, 300);

      // 2. The context meter in the session header, and Compact.
      const meter = panel.locator('.context-meter');
      await waitForVisible(p, meter, { what: 'the context meter after the turn', timeoutMs: 30_000 });
      assert.match(await meter.innerText(), /^63k \/ 200k · 32%$/);
      const categories = (await meter.getAttribute('title')) ?? '';
      assert.match(categories, /^Context: 63,200 of 200,000 tokens \(32%\)/);
      assert.match(categories, /System prompt: /);
      assert.match(categories, /Compacts automatically at /);
      await screenshot(p, 'usage-02-context-meter');
      for (const q of ['Which day cost most?', 'And which model?']) {
        await sendFromPanel(p, panel, q);
        await waitFor(p, async () => (await panel.locator('.row-text', { hasText: q }).count()) > 0 && (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: `the reply to "${q}"`, timeoutMs: 60_000 });
      }
      await panel.getByTestId('compact').click();
      const compacted = panel.locator('.notice', { hasText: 'Conversation compacted' });
      await waitForVisible(p, compacted, { what: 'the compact_boundary row', timeoutMs: 90_000 });
      assert.match(await compacted.innerText(), /Conversation compacted \(\/compact\): [\d.]+k → [\d.]+k? tokens/);
      await waitFor(p, async () => (await panel.locator('.state-badge').innerText()).includes('Idle'), { what: 'Idle after compacting', timeoutMs: 60_000 });
      await screenshot(p, 'usage-03-compacted');

      // 3. The dashboard.
      await runCommand(p, 'Shannon: Show Usage Dashboard');
      let dash = await dashboard(p);
      await waitFor(p, async () => (await dash.locator('#by-model table tbody tr').count()) > 0, { what: 'the model table' });
      const modelRows = await dash.locator('#by-model table tbody tr').allInnerTexts();
      assert.equal(modelRows.filter((r) => r.includes('Opus 4.8')).length, 1, `one Opus 4.8 row: ${modelRows.join(' | ')}`);
      assert.match(modelRows.find((r) => r.includes('Opus 4.8'))!, /1M context/);
      assert.ok(modelRows.some((r) => r.includes('Sonnet 4.5')) && modelRows.some((r) => r.includes('Haiku 4.5')));
      assert.ok(!modelRows.some((r) => /claude-|\[1m\]|20250929/.test(r)), 'no raw model ids in the table');
      const folders = await dash.locator('#by-folder table tbody tr').allInnerTexts();
      assert.ok(folders.some((r) => r.startsWith(path.basename(folder))), `this folder listed: ${folders.join(' | ')}`);
      assert.ok(folders.some((r) => r.startsWith('api-server')));
      assert.equal(await dash.locator('#cost-per-day svg.chart[role="img"]').count(), 1);
      assert.match((await dash.locator('#cost-per-day svg.chart').getAttribute('aria-label')) ?? '', /^Cost per day over the last 30 days, stacked by model: \$\d+\.\d\d in all/);
      assert.ok((await dash.locator('#cost-per-day table tbody tr').count()) > 10, 'the table beside the chart lists the days');
      assert.match(await dash.locator('#blocks table tbody tr').first().innerText(), /\(running\)/);
      assert.match(await dash.locator('.card.running').innerText(), /projected \$\d+\.\d\d by \d\d:\d\d/);
      assert.match(await dash.locator('#plan-limits').innerText(), /Five-hour window[\s\S]*85% used · resets in 2h \d\dm/);
      assert.match(await dash.locator('#caching').innerText(), /saved by prompt caching/);
      await shoot(p, dash, 'usage-04-dashboard-light');

      // 90 days: the range picker.
      await dash.getByRole('button', { name: '90 days' }).click();
      await waitFor(p, async () => (await dash.locator('#cost-per-day svg.chart').getAttribute('aria-label'))?.includes('last 90 days'), { what: 'the 90-day report' });
      assert.equal(await dash.getByRole('button', { name: '90 days' }).getAttribute('aria-pressed'), 'true');
      await screenshot(p, 'usage-05-dashboard-90-days');

      // Export a table as CSV (VS Code's save dialog, accepted with its suggested name).
      await dash.locator('#by-model').getByRole('button', { name: /Export usage by model as CSV/ }).click();
      const save = p.locator('.quick-input-widget .quick-input-box input');
      await waitForVisible(p, save, { what: 'the save dialog' });
      const csvFile = path.join(folder, `shannon-usage-models-90d-${localDay(Date.now())}.csv`);
      await waitFor(p, async () => (await save.inputValue()).endsWith(path.basename(csvFile)), { what: 'the suggested file name in the save dialog' });
      // The dialog checks the path as it is shown; Enter before that is ignored, so press until it closes.
      await waitFor(
        p,
        async () => {
          if (await save.isVisible()) await save.press('Enter').catch(() => undefined);
          return !(await save.isVisible());
        },
        { what: 'the save dialog to accept the file', intervalMs: 700 },
      );
      await waitFor(p, () => existsSync(csvFile), { what: `${csvFile} written`, timeoutMs: 20_000 });
      const csv = readFileSync(csvFile, 'utf8').split('\r\n');
      assert.equal(csv[0], 'model,label,variants,names,cost_usd,turns,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens');
      assert.ok(csv.some((l) => l.startsWith('claude-opus-4-8,Opus 4.8,1M context,')), csv.slice(0, 4).join('\n'));

      // Dark theme: the same page, in the theme's colours.
      const background = () => dash.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const light = await background();
      await runCommand(p, 'Preferences: Toggle between Light/Dark Themes');
      dash = await dashboard(p);
      await waitFor(p, async () => (await background()) !== light, { what: 'the dashboard to follow the theme', timeoutMs: 15_000 });
      await dash.getByRole('button', { name: '30 days' }).click();
      await waitFor(p, async () => (await dash.locator('#cost-per-day svg.chart').getAttribute('aria-label'))?.includes('last 30 days'), { what: 'the 30-day report' });
      await shoot(p, dash, 'usage-06-dashboard-dark');

      // High contrast: every mark gets the theme's contrast border, nothing else changes.
      // (Not runCommand: the theme picker reuses the palette's widget, so it never closes.)
      await p.locator('.monaco-workbench').focus();
      await p.keyboard.press('F1');
      const picker = p.locator('.quick-input-widget .quick-input-box input');
      await waitForVisible(p, picker, { what: 'the command palette' });
      await picker.fill('>Preferences: Color Theme');
      const colorTheme = p.locator('.quick-input-widget .monaco-list-row').filter({ has: p.locator('.label-name', { hasText: /^\s*Preferences: Color Theme\s*$/ }) });
      await waitForVisible(p, colorTheme, { what: 'Color Theme in the palette' });
      await colorTheme.first().click();
      await waitFor(p, async () => (await picker.getAttribute('placeholder'))?.startsWith('Select Color Theme'), { what: 'the theme picker' });
      await picker.pressSequentially('High Contrast');
      const hc = p.locator('.quick-input-widget .monaco-list-row').filter({ has: p.locator('.label-name', { hasText: /Dark High Contrast/ }) });
      await waitForVisible(p, hc, { what: 'Dark High Contrast in the theme picker' });
      await hc.first().click();
      dash = await dashboard(p);
      await waitFor(p, async () => (await dash.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--vscode-contrastBorder').trim())) !== '', { what: 'a high-contrast theme', timeoutMs: 15_000 });
      const barStroke = await dash.locator('#cost-per-day rect.bar').first().evaluate((el) => getComputedStyle(el).stroke);
      assert.ok(!/^(none|transparent|rgba\(0, 0, 0, 0\))$/.test(barStroke), `bars carry the contrast border, not ${barStroke}`);
      await p.mouse.move(700, 500);
      await dash.evaluate(() => window.scrollTo(0, 0));
      await screenshot(p, 'usage-07-dashboard-high-contrast');

      // A top session opens its panel.
      const first = dash.locator('#top-sessions table tbody button.link').first();
      const title = await first.innerText();
      await first.click();
      await waitForVisible(p, p.locator('.tab', { hasText: title.slice(0, 30) }), { what: `the panel of "${title}"`, timeoutMs: 30_000 });
      panel = await sessionPanel(p);
      await waitFor(p, async () => (await panel.locator('.title').innerText()).startsWith(title.slice(0, 30)), { what: `the panel titled "${title}"` });
    } finally {
      if (page) await closeWorkbench(page);
      await server.stop();
    }
  });
});

function dashboard(page: Page): Promise<Frame> {
  return webviewOf(page, 'shannon.shannon', '#usage .usage-section', { timeoutMs: 60_000, what: 'the usage dashboard' });
}

async function sendFromPanel(page: Page, panel: Frame, text: string): Promise<void> {
  const box = panel.locator('#composer-input');
  await waitFor(page, () => box.isEnabled(), { what: 'the message box enabled' });
  await box.fill(text);
  await box.press('Enter');
}

/** The dashboard is longer than the window: a screenshot per screenful, top to bottom. */
async function shoot(page: Page, dash: Frame, name: string): Promise<void> {
  const sections = ['cost-per-day', 'by-model', 'top-sessions', 'blocks', 'plan-limits'];
  await page.mouse.move(700, 500); // no tooltip over the page
  await dash.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, `${name}-1`);
  for (const [i, id] of sections.slice(1).entries()) {
    await dash.evaluate((sel) => document.getElementById(sel)?.scrollIntoView({ block: 'start' }), id);
    await screenshot(page, `${name}-${i + 2}`);
  }
  await dash.evaluate(() => window.scrollTo(0, 0));
}

function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
