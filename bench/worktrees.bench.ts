/**
 * Session worktrees on a repository of 10,000 files (issue 9):
 *
 * - creating one: Shannon's whole path (inspect the folder, count its uncommitted files, `git
 *   worktree add`, copy what .worktreeinclude names) against a plain `git worktree add` of the
 *   same commit, interleaved, as ratios of wall time and of git's CPU time (steadier on a shared
 *   machine); plus the same with node_modules linked, and with uncommitted changes carried;
 * - what reading a session's changes costs (1, 10, 100, 1000 files changed), wall and CPU;
 * - a session editing 60 files in 6 s while the Changes view watches it: how many reads the
 *   debounce made, their total time, and the event loop's longest stall beside the same edits
 *   unwatched (reads run in git processes, off the extension host's thread).
 *
 * The repository is kept in the temp folder between runs; SHANNON_BENCH_FRESH=1 makes it again.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Emitter } from '../src/core/lifecycle';
import { classifyMessage } from '../src/core/protocol/messages';
import type { SessionMessageEvent } from '../src/core/session/session';
import type { SessionRecord } from '../src/core/session/types';
import { readChanges } from '../src/core/worktrees/changes';
import { ChangesTracker } from '../src/core/worktrees/changesTracker';
import { WorktreeLayout } from '../src/core/worktrees/layout';
import { RepoGit } from '../src/core/worktrees/repoGit';
import { Worktrees } from '../src/core/worktrees/worktrees';
import { formatMs, median, printTable, type BenchContext } from './lib';

const FILES = 10_000;
const VERSION = 1;

export default async function worktreesBench(ctx: BenchContext): Promise<void> {
  const repo = ensureRepository(ctx, path.join(tmpdir(), `shannon-worktree-bench-v${VERSION}-${FILES}`));
  const storage = fs.mkdtempSync(path.join(tmpdir(), 'shannon-worktree-bench-storage-'));
  const rounds = ctx.args.iterations ?? 5;
  try {
    const layout = new WorktreeLayout(storage);
    const git = new RepoGit(layout.scratchDir);
    const worktrees = new Worktrees(git, layout);
    await git.available();

    // ---- creation --------------------------------------------------------------------------
    const plainDir = path.join(storage, 'plain');
    let n = 0;
    const contenders: Array<{ name: string; create(): Promise<() => Promise<void>> }> = [
      {
        name: 'git worktree add',
        create: async () => {
          const dir = path.join(plainDir, `wt-${++n}`);
          execFileSync('git', ['worktree', 'add', '--quiet', '-b', `bench/plain-${n}`, dir, 'HEAD'], { cwd: repo });
          return async () => {
            execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: repo });
            execFileSync('git', ['branch', '-D', '--quiet', `bench/plain-${n}`], { cwd: repo });
          };
        },
      },
      {
        name: 'Shannon (.worktreeinclude: .env)',
        create: async () => {
          const wt = await worktrees.create(repo, 'bench session', { uncommitted: 'leave', rules: { copy: [], symlink: [] } });
          return () => worktrees.remove(wt.root);
        },
      },
      {
        name: 'Shannon, + node_modules linked',
        create: async () => {
          const wt = await worktrees.create(repo, 'bench session', { uncommitted: 'leave', rules: { copy: [], symlink: ['node_modules'] } });
          return () => worktrees.remove(wt.root);
        },
      },
      {
        name: 'Shannon, uncommitted files carried',
        create: async () => {
          const wt = await worktrees.create(repo, 'bench session', { uncommitted: 'carry', rules: { copy: [], symlink: [] } });
          return () => worktrees.remove(wt.root);
        },
      },
    ];
    // The folder has work in progress, as it usually has: 20 files edited.
    for (let i = 0; i < 20; i++) fs.appendFileSync(path.join(repo, fileOf(i)), `// edited ${i}\n`);
    const samples = new Map<string, { wall: number[]; cpu: number[] }>(contenders.map((c) => [c.name, { wall: [], cpu: [] }]));
    for (let round = 0; round < rounds + 1; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(k + round) % contenders.length]!;
        const cpu0 = childCpu();
        const own0 = process.cpuUsage();
        const t0 = performance.now();
        const cleanup = await c.create();
        const ms = performance.now() - t0;
        const own = process.cpuUsage(own0);
        const cpu = childCpu() - cpu0 + (own.user + own.system) / 1000;
        await cleanup();
        if (round === 0) continue; // warm-up: the page cache
        samples.get(c.name)!.wall.push(ms);
        samples.get(c.name)!.cpu.push(cpu);
      }
    }
    execFileSync('git', ['checkout', '--quiet', '--', 'src'], { cwd: repo });
    const plain = median(samples.get('git worktree add')!.wall);
    const plainCpu = median(samples.get('git worktree add')!.cpu);
    ctx.log(`\nCreating a worktree of ${FILES.toLocaleString('en')} files, 20 of them edited in the folder (median of ${rounds}, interleaved):`);
    printTable(
      ctx,
      ['', 'wall', 'wall ratio', 'CPU (git + Node)', 'CPU ratio', 'min – max wall'],
      contenders.map((c) => {
        const s = samples.get(c.name)!;
        return [
          c.name,
          formatMs(median(s.wall)),
          `${(median(s.wall) / plain).toFixed(2)}×`,
          formatMs(median(s.cpu)),
          `${(median(s.cpu) / plainCpu).toFixed(2)}×`,
          `${formatMs(Math.min(...s.wall))} – ${formatMs(Math.max(...s.wall))}`,
        ];
      }),
    );

    // ---- reading changes -------------------------------------------------------------------
    const wt = await worktrees.create(repo, 'reader', { uncommitted: 'leave', rules: { copy: [], symlink: [] } });
    const rows: Array<[string, string, string]> = [];
    let edited = 0;
    for (const changed of [0, 1, 10, 100, 1000]) {
      for (; edited < changed; edited++) {
        if (edited % 10 === 0) fs.writeFileSync(path.join(wt.root, `new-${edited}.ts`), 'export const x = 1;\n'.repeat(20));
        else fs.appendFileSync(path.join(wt.root, fileOf(edited)), '// changed by the session\n');
      }
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const c0 = childCpu();
        const t0 = performance.now();
        const files = await readChanges(git, wt.root, wt.base);
        wall.push(performance.now() - t0);
        cpu.push(childCpu() - c0);
        if (files.length !== changed) throw new Error(`expected ${changed} changes, read ${files.length}`);
      }
      rows.push([String(changed), formatMs(median(wall)), formatMs(median(cpu))]);
    }
    ctx.log(`\nReading a session's changes in a worktree of ${FILES.toLocaleString('en')} files (median of ${rounds}):`);
    printTable(ctx, ['files changed', 'wall', 'git CPU'], rows);

    // ---- live, while a session edits -----------------------------------------------------------
    const live = await liveEditing(git, wt.root, wt.base, true);
    const unwatched = await liveEditing(git, wt.root, wt.base, false);
    ctx.log(`\nA session editing ${live.edits} files over ${formatMs(live.ms)}, a tool result after each:`);
    printTable(
      ctx,
      ['', 'reads', 'read time (sum)', 'read wall (median)', 'event loop max stall', 'p99 stall'],
      [
        ['watched by the Changes view', live.reads, formatMs(live.readMs), formatMs(live.medianReadMs), formatMs(live.maxStallMs), formatMs(live.p99StallMs)],
        ['not watched', unwatched.reads, '—', '—', formatMs(unwatched.maxStallMs), formatMs(unwatched.p99StallMs)],
      ],
    );
    await worktrees.remove(wt.root);
  } finally {
    fs.rmSync(storage, { recursive: true, force: true });
  }
}

async function liveEditing(git: RepoGit, root: string, base: string, watched: boolean) {
  const messages = new Emitter<SessionMessageEvent>();
  const sessions = new Emitter<SessionRecord>();
  const durations: number[] = [];
  const tracker = new ChangesTracker({
    read: async () => {
      const t0 = performance.now();
      const files = await readChanges(git, root, base);
      durations.push(performance.now() - t0);
      return { sessionId: 'bench', isolated: true, root, base, files, additions: 0, deletions: 0, computedAt: Date.now() };
    },
    onDidMessage: messages.event,
    onDidChangeSession: sessions.event,
  });
  const watch = watched ? tracker.watch('bench') : undefined;
  await new Promise((r) => setTimeout(r, 500));
  const readsBefore = tracker.reads;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const edits = 60;
  const t0 = performance.now();
  const toolResult = classifyMessage({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] } });
  for (let i = 0; i < edits; i++) {
    fs.appendFileSync(path.join(root, fileOf(5000 + i)), `// live edit ${i}\n`);
    messages.fire({ sessionId: 'bench', direction: 'in', at: Date.now(), message: toolResult });
    await new Promise((r) => setTimeout(r, 100));
  }
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 1500)); // the last debounced read
  loop.disable();
  watch?.dispose();
  tracker.dispose();
  const reads = tracker.reads - readsBefore;
  const timed = durations.slice(durations.length - reads);
  return {
    edits,
    ms,
    reads,
    readMs: timed.reduce((a, b) => a + b, 0),
    medianReadMs: timed.length ? median(timed) : 0,
    maxStallMs: loop.max / 1e6,
    p99StallMs: loop.percentile(99) / 1e6,
  };
}

function fileOf(i: number): string {
  return `src/m${i % 100}/file-${i}.ts`;
}

/** CPU of the finished child processes (git), in ms: cutime + cstime of /proc/self/stat (100 ticks/s). */
function childCpu(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

function ensureRepository(ctx: BenchContext, dir: string): string {
  const done = path.join(dir, '.git', 'shannon-bench-ready');
  if (fs.existsSync(done) && process.env.SHANNON_BENCH_FRESH !== '1') return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  fs.mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Bench');
  git('config', 'user.email', 'bench@example.com');
  git('config', 'commit.gpgSign', 'false');
  for (let i = 0; i < FILES; i++) {
    const file = path.join(dir, fileOf(i));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `// file ${i}\n${'export const value = 1;\n'.repeat(40)}`);
  }
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n.env\n');
  fs.writeFileSync(path.join(dir, '.worktreeinclude'), '.env\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'ten thousand files');
  fs.writeFileSync(path.join(dir, '.env'), 'SECRET=1\n');
  for (let i = 0; i < 200; i++) fs.mkdirSync(path.join(dir, 'node_modules', `pkg-${i}`), { recursive: true });
  fs.writeFileSync(done, '');
  ctx.log(`made a repository of ${FILES.toLocaleString('en')} files in ${formatMs(performance.now() - t0)}: ${dir}`);
  return dir;
}
