/**
 * Driving code-server's workbench as a person would: Debian's Chromium through playwright-core.
 * Every wait fails with a message that says what was awaited and where a screenshot of the
 * moment of failure was saved (test-results/e2e/, gitignored).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { REPO_ROOT } from './codeServer';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class E2eWaitError extends Error {
  constructor(
    message: string,
    readonly screenshotPath: string | undefined,
  ) {
    super(`${message}\n  screenshot: ${screenshotPath ?? '(could not take one)'}`);
    this.name = 'E2eWaitError';
  }
}

export async function launchBrowser(opts: { headless?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: opts.headless ?? process.env.SHANNON_E2E_HEADED !== '1',
    args: [...CHROMIUM_ARGS],
  });
}

/** Browsers openWorkbench launched itself: closeWorkbench closes them with the page. */
const ownedBrowsers = new WeakMap<Page, Browser>();

export interface OpenWorkbenchOptions {
  /** Reuse a browser; default: launch one that closeWorkbench(page) closes. */
  browser?: Browser;
  viewport?: { width: number; height: number };
  timeoutMs?: number;
}

/** Opens `folder` in the workbench at `url` and resolves once `.monaco-workbench` is visible. */
export async function openWorkbench(url: string, folder: string, opts: OpenWorkbenchOptions = {}): Promise<Page> {
  const browser = opts.browser ?? (await launchBrowser());
  const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
  if (!opts.browser) ownedBrowsers.set(page, browser);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  await waitForVisible(page, page.locator('.monaco-workbench'), { what: 'the VS Code workbench', timeoutMs });
  return page;
}

export async function closeWorkbench(page: Page): Promise<void> {
  const browser = ownedBrowsers.get(page);
  await page.close().catch(() => undefined);
  if (browser) await browser.close();
}

function safeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'screenshot';
}

/** Saves a PNG of what a person would see now; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${safeName(name)}.png`);
  await page.screenshot({ path: file });
  return file;
}

async function failureScreenshot(page: Page, what: string): Promise<string | undefined> {
  try {
    return await screenshot(page, `FAILED-${Date.now()}-${what.slice(0, 60)}`);
  } catch {
    return undefined;
  }
}

export interface WaitOptions {
  /** What is awaited, for people: "the Shannon view". */
  what?: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** More to say on failure (what was seen instead). */
  detail?: () => string | Promise<string>;
}

/**
 * Polls `condition` until it returns something truthy (returned) or the time runs out (throws
 * E2eWaitError with a screenshot). Errors thrown by `condition` count as "not yet".
 */
export async function waitFor<T>(page: Page, condition: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await condition();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
  const what = opts.what ?? 'a condition';
  let detail = lastError ? ` (last error: ${String(lastError).split('\n')[0]})` : '';
  if (opts.detail) detail += `\n${await Promise.resolve(opts.detail()).catch((e: unknown) => `(detail failed: ${String(e)})`)}`;
  throw new E2eWaitError(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`, await failureScreenshot(page, what));
}

/**
 * Right-clicks `target` until its context menu lists `name`, and returns that item. A row the
 * workbench is still redrawing (right after a reload) can take the right-click as a hover and
 * open no menu, so the menu is asked for again.
 */
export async function contextMenuItem(page: Page, target: Locator, name: string, opts: WaitOptions = {}): Promise<Locator> {
  const item = page.getByRole('menuitem', { name }).first();
  await waitFor(
    page,
    async () => {
      await target.click({ button: 'right' });
      if (await item.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false)) return true;
      await page.keyboard.press('Escape');
      return false;
    },
    { what: `${name} in the context menu`, ...opts },
  );
  return item;
}

/**
 * Chooses a context-menu item as the keyboard does: hover (which focuses it), then Enter. A click
 * on a menu the workbench is still laying out can land as a hover only, leaving the menu open.
 */
export async function chooseMenuItem(page: Page, item: Locator): Promise<void> {
  await item.hover();
  await page.keyboard.press('Enter');
}

/**
 * Waits until `file` holds exactly `text`. A shell's `echo x > file` creates the file before it
 * writes to it, so waiting for the name alone and then reading races the write.
 */
export async function waitForFileText(page: Page, file: string, text: string, opts: WaitOptions = {}): Promise<void> {
  await waitFor(page, () => existsSync(file) && readFileSync(file, 'utf8') === text, opts);
}

/** Waits until the locator's first match is visible; returns it. */
export async function waitForVisible(page: Page, locator: Locator, opts: WaitOptions = {}): Promise<Locator> {
  const what = opts.what ?? `${locator} to be visible`;
  try {
    await locator.first().waitFor({ state: 'visible', timeout: opts.timeoutMs ?? 30_000 });
    return locator.first();
  } catch (e) {
    throw new E2eWaitError(`timed out waiting for ${what}: ${String(e).split('\n')[0]}`, await failureScreenshot(page, what));
  }
}

/** Waits until `text` appears in the document of `where` (the page or a webview frame). */
export async function waitForText(page: Page, where: Page | Frame, text: string | RegExp, opts: WaitOptions = {}): Promise<void> {
  await waitFor(
    page,
    async () => {
      const body = await where.locator('body').innerText({ timeout: 1_000 });
      return typeof text === 'string' ? body.includes(text) : text.test(body);
    },
    { what: opts.what ?? `text ${String(text)}`, ...opts },
  );
}

/**
 * Runs a command by its palette label, as a person would: F1, type, pick the row whose label
 * is exactly `label` (not merely the first fuzzy match). The palette lists only the commands
 * whose `when` clause held when it opened (an editor that just got focus, an extension still
 * activating), so it is reopened until the row appears or the time runs out.
 */
export async function runCommand(page: Page, label: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  await pickCommand(page, label, opts);
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await waitFor(page, async () => !(await input.isVisible()), { what: `the palette to close after "${label}"`, timeoutMs: 5_000 });
}

const PALETTE_INPUT = '.quick-input-widget .quick-input-box input';

/** The palette row of the command labelled exactly `label` (not merely a fuzzy match). */
function paletteRow(page: Page, label: string): Locator {
  return page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
    .first();
}

/**
 * Opens the command palette unless it shows. Focus goes to the workbench first: a key press while
 * focus is in a webview goes to the webview. A webview that has just loaded (a tab restored after
 * a reload) can take the focus back before the key arrives, so F1 is pressed again until it shows.
 */
async function openPalette(page: Page, deadline: number, why: string): Promise<void> {
  const input = page.locator(PALETTE_INPUT);
  while (!(await input.isVisible())) {
    await page.locator('.monaco-workbench').focus().catch(() => undefined);
    await page.keyboard.press('F1');
    const opened = await input.waitFor({ state: 'visible', timeout: Math.max(100, Math.min(5_000, deadline - Date.now())) }).then(() => true, () => false);
    if (!opened && Date.now() >= deadline) throw new E2eWaitError(`the command palette did not open for ${why}`, await failureScreenshot(page, 'the command palette'));
  }
}

async function closePalette(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator(PALETTE_INPUT).waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined);
}

/** Picks the palette row of the command `label` (reopening the palette until it is listed); the caller waits for what follows. */
export async function pickCommand(page: Page, label: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  const input = page.locator(PALETTE_INPUT);
  const row = paletteRow(page, label);
  for (;;) {
    await openPalette(page, deadline, `"${label}"`);
    // A webview restored after a reload can take the focus between the palette opening and the
    // typing, which closes it: then it is opened again.
    if (!(await input.fill(`>${label}`, { timeout: 5_000 }).then(() => true, () => false))) continue;
    try {
      await row.waitFor({ state: 'visible', timeout: Math.max(100, Math.min(5_000, deadline - Date.now())) });
      break;
    } catch {
      // A loaded machine draws the filtered list late: it may show now, just after the wait.
      if (await row.isVisible().catch(() => false)) break;
      const shown = await page.locator('.quick-input-widget .monaco-list-row .label-name').allInnerTexts().catch(() => []);
      await closePalette(page);
      if (Date.now() >= deadline) {
        throw new E2eWaitError(
          `command "${label}" is not in the command palette after ${timeoutMs} ms; it shows: ${shown.length ? shown.map((t) => JSON.stringify(t)).join(', ') : '(nothing)'}`,
          await failureScreenshot(page, `command ${label}`),
        );
      }
    }
  }
  await row.click();
}

/**
 * Whether the palette lists the command `label` now (its `when` clause holds). The palette is
 * first seen listing `known`, a command that is always there, so an absent row means the command
 * is left out, not that the palette has not drawn its list yet.
 */
export async function paletteLists(page: Page, label: string, known: string): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  const input = page.locator(PALETTE_INPUT);
  await openPalette(page, deadline, `"${label}"`);
  try {
    await input.fill(`>${known}`);
    await waitForVisible(page, paletteRow(page, known), { what: `"${known}" in the palette`, timeoutMs: 30_000 });
    await input.fill(`>${label}`);
    return await paletteRow(page, label).waitFor({ state: 'visible', timeout: 1_000 }).then(() => true, () => false);
  } finally {
    await closePalette(page);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface WebviewInfo {
  /** The outer webview iframe's URL (…/webview/browser/pre/index.html?id=…&extensionId=…&purpose=…). */
  hostUrl: string;
  /** e.g. "shannon.shannon" */
  extensionId: string | undefined;
  /** "webviewView" for a view, "customEditor", "notebookRenderer", or undefined for a panel. */
  purpose: string | undefined;
}

/**
 * The document of a webview: VS Code hosts each webview in an iframe (`index.html`, which owns
 * the message channel) that holds the content in an inner iframe, `#active-frame`, swapped on
 * every reload. Returns the inner frame of the first webview for which `predicate` is true;
 * waits for one to exist.
 */
/** …/static/out/vs/workbench/contrib/webview/browser/pre/index.html?id=…&extensionId=… */
const WEBVIEW_HOST_URL = /\/webview\/(?:.*\/)?index\.html\?/;

export async function webviewFrame(
  page: Page,
  predicate: (frame: Frame, info: WebviewInfo) => boolean | Promise<boolean>,
  opts: WaitOptions = {},
): Promise<Frame> {
  return waitFor(
    page,
    async () => {
      for (const frame of page.frames()) {
        const host = frame.parentFrame();
        if (!host || frame.isDetached() || !WEBVIEW_HOST_URL.test(host.url())) continue;
        // Playwright keeps the name a frame had when attached: VS Code attaches the content as
        // "pending-frame" and renames it "active-frame" once loaded, so ask the element.
        if (!(await isActiveFrame(frame))) continue;
        const u = new URL(host.url());
        const info: WebviewInfo = {
          hostUrl: host.url(),
          extensionId: u.searchParams.get('extensionId') ?? undefined,
          purpose: u.searchParams.get('purpose') ?? undefined,
        };
        if (await predicate(frame, info)) return frame;
      }
      return undefined;
    },
    {
      what: 'a webview matching the predicate',
      timeoutMs: 30_000,
      detail: () => `  frames now:\n${page.frames().map((f) => `    ${f.name() || '(unnamed)'} ${f.url().slice(0, 160)}`).join('\n')}`,
      ...opts,
    },
  );
}

async function isActiveFrame(frame: Frame): Promise<boolean> {
  const el = await frame.frameElement().catch(() => undefined);
  return el ? (await el.getAttribute('id')) === 'active-frame' : false;
}

/** Shorthand: the webview of `extensionId` whose document has `selector`. */
export function webviewOf(page: Page, extensionId: string, selector: string, opts: WaitOptions = {}): Promise<Frame> {
  return webviewFrame(page, async (frame, info) => info.extensionId === extensionId && (await frame.locator(selector).count()) > 0, {
    what: `a webview of ${extensionId} showing ${selector}`,
    ...opts,
  });
}

/**
 * Developer: Reload Window, as a person does it: the workbench saves its editor layout on the way
 * out (a bare page reload may cut that save short and lose the newest tab).
 */
export async function reloadWindow(page: Page): Promise<void> {
  const loaded = page.waitForEvent('load', { timeout: 90_000 });
  await runCommand(page, 'Developer: Reload Window').catch(() => undefined); // the page goes away under it
  await loaded;
  await waitForVisible(page, page.locator('.monaco-workbench'), { what: 'the workbench after reload', timeoutMs: 90_000 });
}
