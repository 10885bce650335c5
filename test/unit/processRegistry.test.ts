/**
 * The record of running process trees under `<dataDir>/processes/`, and the recovery that ends
 * what a dead host left running: real `setsid sleep` trees spawned here, checked through /proc.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { Emitter } from '../../src/core/lifecycle.js';
import { bootId, readProcessSync } from '../../src/core/process/processTable.js';
import { leftoversWarning, ProcessRegistry, type TrackedProcess } from '../../src/core/process/processRegistry.js';
import { identityOf, type ProcessIdentity } from '../../src/core/process/processTree.js';
import { allGone, bash, HAS_PROCFS, remember, running, treeOfAtLeast, type Proc } from '../support/procfs.js';
import { tempDir } from '../support/tempDirs.js';

const skip = HAS_PROCFS ? false : 'needs /proc (Linux)';
/** A root bash with a setsid child running `sleep 300`: three processes. */
async function sleepingTree(): Promise<{ root: ChildProcess; procs: Proc[]; identities: ProcessIdentity[] }> {
  const { child: root } = bash('setsid bash -c "sleep 300 & wait" & wait');
  const procs = remember(await treeOfAtLeast(root.pid!, 3));
  return { root, procs, identities: procs.map((p) => identityOf(readProcessSync(p.pid)!)) };
}

/** A pid that just stopped being anyone's. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

function fakeProcess(tree: ProcessIdentity[]): TrackedProcess & { exit(): void; change(tree: ProcessIdentity[]): void } {
  const changes = new Emitter<readonly ProcessIdentity[]>();
  let exit!: () => void;
  const exited = new Promise<void>((resolve) => (exit = resolve));
  const p = {
    tree,
    onDidChangeTree: changes.event,
    exited,
    exit,
    change(next: ProcessIdentity[]) {
      p.tree = next;
      changes.fire(next);
    },
  };
  return p;
}

/** A record as a host that is gone would have left it. */
function writeRecord(dir: string, owner: { pid: number; start: string; host?: string; boot?: string }, sessions: Array<{ sessionId: string; label?: string; tree: ProcessIdentity[] }>): string {
  const file = path.join(dir, `${owner.pid}-deadbeef.json`);
  writeFileSync(file, JSON.stringify({ version: 1, owner: { host: hostname(), boot: bootId(), ...owner }, sessions }));
  return file;
}

const jsonFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')) : []);

describe('ProcessRegistry', { skip }, () => {
  test('records a tracked tree with its owner, follows its changes, and drops it when the process exits', async () => {
    const dir = path.join(tempDir('shannon-registry-'), 'processes');
    const registry = new ProcessRegistry({ dir });
    const { identities } = await sleepingTree();
    const p = fakeProcess(identities.slice(0, 1));
    registry.track(p, { sessionId: 's1', label: 'my session' });
    await registry.flush();
    const [name] = jsonFiles(dir);
    const written = JSON.parse(readFileSync(path.join(dir, name!), 'utf8'));
    assert.equal(written.owner.pid, process.pid);
    assert.equal(written.owner.start, readProcessSync(process.pid)!.start);
    assert.deepEqual(written.sessions.map((s: { sessionId: string; tree: unknown[] }) => [s.sessionId, s.tree.length]), [['s1', 1]]);

    p.change(identities);
    await registry.flush();
    assert.equal(JSON.parse(readFileSync(path.join(dir, name!), 'utf8')).sessions[0].tree.length, 3);

    p.exit();
    await new Promise((r) => setImmediate(r));
    await registry.flush();
    assert.deepEqual(jsonFiles(dir), []);
    registry.dispose();
  });

  test('the next start ends what a dead host left running (by pid + start time) and says what it ended', async () => {
    const dir = tempDir('shannon-registry-');
    const { procs, identities } = await sleepingTree();
    writeRecord(dir, { pid: deadPid(), start: '1' }, [{ sessionId: 's1', label: 'Fix the tests', tree: identities.slice(0, 2) }]);
    const registry = new ProcessRegistry({ dir });
    const recovered = await registry.recover({ graceMs: 1000 });
    // The sleep was never recorded: it is found as the child of a recorded member.
    await allGone(procs, 3000, 'the recorded tree');
    assert.deepEqual(recovered.map((r) => [r.sessionId, r.label, r.ended.length]), [['s1', 'Fix the tests', 3]]);
    assert.deepEqual(jsonFiles(dir), [], 'the dead host\'s record is gone');
    const warning = leftoversWarning(recovered)!;
    assert.equal(warning.code, 'LEFTOVER_PROCESSES_ENDED');
    assert.match(warning.message, /^Ended 3 processes .*"Fix the tests" \(bash \d+, bash \d+, sleep \d+\)\.$/);
    assert.ok(warning.hint);
    registry.dispose();
  });

  test('leaves alone the records of live hosts, of other machines, and pids that now name other processes', async () => {
    const dir = tempDir('shannon-registry-');
    const { procs, identities } = await sleepingTree();
    const self = readProcessSync(process.pid)!;
    writeRecord(dir, { pid: process.pid, start: self.start }, [{ sessionId: 'live-host', tree: identities }]);
    const elsewhere = writeRecord(dir, { pid: deadPid(), start: '1', host: 'another-machine' }, [{ sessionId: 'other-host', tree: identities }]);
    const reused = identities.map((m) => ({ ...m, start: String(Number(m.start) - 1) }));
    writeRecord(dir, { pid: deadPid(), start: '1' }, [{ sessionId: 'reused', tree: reused }]);
    const registry = new ProcessRegistry({ dir });
    assert.deepEqual(await registry.recover({ graceMs: 200 }), []);
    assert.ok(procs.every(running), 'nothing was signalled');
    assert.equal(jsonFiles(dir).length, 2, 'the live host\'s and the other machine\'s records stay');
    assert.ok(existsSync(elsewhere));
    registry.dispose();
  });

  test('after a reboot (another boot id) nothing recorded is signalled and the record goes', async () => {
    const dir = tempDir('shannon-registry-');
    const { procs, identities } = await sleepingTree();
    writeRecord(dir, { pid: deadPid(), start: '1', boot: 'an-earlier-boot' }, [{ sessionId: 's1', tree: identities }]);
    const registry = new ProcessRegistry({ dir });
    assert.deepEqual(await registry.recover({ graceMs: 200 }), []);
    assert.ok(procs.every(running));
    assert.deepEqual(jsonFiles(dir), []);
    registry.dispose();
  });

  test('two starts recovering at once end the leftovers once, and only one reports them', async () => {
    const dir = tempDir('shannon-registry-');
    const { procs, identities } = await sleepingTree();
    writeRecord(dir, { pid: deadPid(), start: '1' }, [{ sessionId: 's1', tree: identities }]);
    const a = new ProcessRegistry({ dir });
    const b = new ProcessRegistry({ dir });
    const [ra, rb] = await Promise.all([a.recover({ graceMs: 1000 }), b.recover({ graceMs: 1000 })]);
    await allGone(procs, 3000, 'the tree');
    assert.equal(ra.length + rb.length, 1);
    a.dispose();
    b.dispose();
  });

  test('dispose keeps on record what still runs (for the next start) and removes the file when nothing does', async () => {
    const dir = tempDir('shannon-registry-');
    const { root, identities } = await sleepingTree();
    const registry = new ProcessRegistry({ dir });
    const p = fakeProcess(identities);
    registry.track(p, { sessionId: 's1' });
    await registry.flush();
    registry.dispose();
    assert.equal(jsonFiles(dir).length, 1, 'a live tree stays on record');

    const again = new ProcessRegistry({ dir });
    const q = fakeProcess([{ pid: deadPid(), start: '1' }]);
    again.track(q, { sessionId: 's2' });
    await again.flush();
    assert.equal(jsonFiles(dir).length, 2);
    again.dispose();
    assert.equal(jsonFiles(dir).length, 1, 'a record of dead processes only is removed');
    root.kill('SIGKILL');
  });
});

test('leftoversWarning says nothing when nothing was ended', () => {
  assert.equal(leftoversWarning([]), undefined);
  assert.equal(leftoversWarning([{ sessionId: 's', ended: [] }]), undefined);
  assert.match(leftoversWarning([{ sessionId: 'abc', ended: [{ pid: 7, name: 'sleep' }] }])!.message, /^Ended 1 process .*session abc \(sleep 7\)/);
});
