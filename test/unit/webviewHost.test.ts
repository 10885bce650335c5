/**
 * The host side of the session panel, the parts that need no VS Code: the message protocol's
 * checks, per-frame batching, stream accumulation, which entries a panel gets, the page's CSP,
 * and the two sides of an Edit/Write diff.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { MessageBatcher, type BatcherTimers } from '../../src/extension/webview/batcher';
import { diffSides } from '../../src/extension/webview/diffSides';
import { contentSecurityPolicy, renderPanelHtml } from '../../src/extension/webview/html';
import { StreamAccumulator } from '../../src/core/transcript/stream';
import { isDisplayable } from '../../src/core/transcript/entry';
import { SessionStore } from '../../src/core/store';
import { olderQuery, panelWindow, tailQuery, trimEntry } from '../../src/extension/webview/transcriptWindow';
import { parseWebviewMessage, type HostMessage, type TranscriptEntry } from '../../src/shared/webviewProtocol';

function manualTimers(): BatcherTimers & { fire(): void; armed: number } {
  let pending: (() => void) | undefined;
  const t = {
    armed: 0,
    set(fn: () => void) {
      pending = fn;
      t.armed++;
      return 1;
    },
    clear() {
      pending = undefined;
    },
    fire() {
      const fn = pending;
      pending = undefined;
      fn?.();
    },
  };
  return t;
}

const entry = (seq: number, raw: Record<string, unknown> = { type: 'assistant', message: { id: 'm', content: [] } }): TranscriptEntry => ({
  sessionId: 's',
  seq,
  at: 0,
  direction: 'in',
  type: String(raw.type),
  raw,
});

describe('webview protocol', () => {
  it('accepts the messages the webview sends and rejects malformed or unknown ones', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'send', id: 3, text: 'hi' }), { type: 'send', id: 3, text: 'hi' });
    assert.equal(parseWebviewMessage({ type: 'send', id: 3 }), undefined);
    assert.equal(parseWebviewMessage({ type: 'send', text: 'no id' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'rm -rf', id: 1 }), undefined);
    assert.equal(parseWebviewMessage('ready'), undefined);
    assert.equal(parseWebviewMessage(null), undefined);
    assert.deepEqual(parseWebviewMessage({ type: 'fullEntry', id: 4, seq: 12 }), { type: 'fullEntry', id: 4, seq: 12 });
    assert.deepEqual(parseWebviewMessage({ type: 'loadOlder', id: 5, beforeSeq: 100 }), { type: 'loadOlder', id: 5, beforeSeq: 100 });
    assert.equal(parseWebviewMessage({ type: 'loadOlder', id: 5, beforeSeq: '100' }), undefined);
    assert.deepEqual(parseWebviewMessage({ type: 'reviewTurn', id: 6, checkpointId: 'cp-1' }), { type: 'reviewTurn', id: 6, checkpointId: 'cp-1' });
    assert.equal(parseWebviewMessage({ type: 'reviewTurn', id: 6 }), undefined);
  });

  it('lets a permission answer carry only allow (once / session) or deny with a reason: never a rewritten input', () => {
    const allow = parseWebviewMessage({ type: 'permission', id: 1, requestId: 'r', decision: { behavior: 'allow', scope: 'session', updatedInput: { command: 'rm -rf /' } } });
    assert.deepEqual(allow, { type: 'permission', id: 1, requestId: 'r', decision: { behavior: 'allow', scope: 'session' } });
    const deny = parseWebviewMessage({ type: 'permission', id: 2, requestId: 'r', decision: { behavior: 'deny', message: 'no' } });
    assert.deepEqual(deny, { type: 'permission', id: 2, requestId: 'r', decision: { behavior: 'deny', message: 'no', interrupt: false } });
    assert.equal(parseWebviewMessage({ type: 'permission', id: 3, requestId: 'r', decision: { behavior: 'maybe' } }), undefined);
  });
});

describe('webview host batching', () => {
  it('sends nothing until resumed, then one burst per interval with appends merged, in order', () => {
    const sent: HostMessage[] = [];
    const timers = manualTimers();
    const b = new MessageBatcher((m) => sent.push(m), 16, timers);
    b.append([entry(1)]);
    b.resume();
    b.append([entry(2)]);
    b.send({ type: 'permissionAsked', ask: { sessionId: 's', requestId: 'r', toolName: 'Bash', toolUseId: 't', input: {}, askedAt: 0 } });
    b.append([entry(3)]);
    assert.equal(sent.length, 0);
    timers.fire();
    assert.deepEqual(
      sent.map((m) => (m.type === 'append' ? `append:${m.entries.map((e) => e.seq).join(',')}` : m.type)),
      ['append:1,2', 'permissionAsked', 'append:3'],
    );
  });

  it('joins a burst of deltas of one block into one, and keeps other blocks apart', () => {
    const sent: HostMessage[] = [];
    const timers = manualTimers();
    const b = new MessageBatcher((m) => sent.push(m), 16, timers);
    b.resume();
    for (const t of ['Hel', 'lo', ' world']) b.partial({ messageId: 'm', index: 1, block: 'text', text: t });
    b.partial({ messageId: 'm', index: 2, block: 'text', text: 'x' });
    timers.fire();
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0], {
      type: 'partial',
      deltas: [
        { messageId: 'm', index: 1, block: 'text', text: 'Hello world' },
        { messageId: 'm', index: 2, block: 'text', text: 'x' },
      ],
    });
    assert.equal(timers.armed, 1, 'one timer for the whole burst');
  });

  it('flushes on a real ~16 ms timer', async () => {
    const sent: HostMessage[] = [];
    const b = new MessageBatcher((m) => sent.push(m));
    b.resume();
    b.append([entry(1)]);
    b.append([entry(2)]);
    const t0 = performance.now();
    while (!sent.length && performance.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 2));
    assert.equal(sent.length, 1);
    b.dispose();
  });
});

describe('webview stream accumulation', () => {
  it('turns stream events into deltas and remembers what a block in flight has said so far', () => {
    const lines = readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'cli', 'text-turn-partial.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { dir: string; msg: Record<string, unknown> })
      .filter((l) => l.dir === 'out' && l.msg.type === 'stream_event');
    const acc = new StreamAccumulator();
    const deltas = [];
    for (const l of lines) {
      const d = acc.push(l.msg);
      if (d) deltas.push(d);
      // Snapshot mid-reply: after "Hello fr", "om the f".
      if (deltas.filter((x) => x.block === 'text').map((x) => x.text).join('') === 'Hello from the f') {
        const snap = acc.snapshot();
        assert.deepEqual(
          snap.map((s) => [s.block, s.text]),
          [
            ['thinking', 'Pondering the greeting.'],
            ['text', 'Hello from the f'],
          ],
        );
      }
    }
    assert.equal(deltas.filter((d) => d.block === 'thinking').map((d) => d.text).join(''), 'Pondering the greeting.');
    assert.equal(deltas.filter((d) => d.block === 'text').map((d) => d.text).join(''), 'Hello from the fake model');
    assert.ok(deltas.every((d) => d.messageId === 'msg_fake_2'));
  });

  it('forgets a block when the CLI’s assistant line for it arrives', () => {
    const acc = new StreamAccumulator();
    acc.push({ type: 'stream_event', event: { type: 'message_start', message: { id: 'm' } } });
    acc.push({ type: 'stream_event', event: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } });
    acc.push({ type: 'stream_event', event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a' } } });
    acc.push({ type: 'stream_event', event: { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'tu', name: 'Bash' } } });
    acc.push({ type: 'stream_event', event: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"c' } } });
    acc.complete({ type: 'assistant', message: { id: 'm', content: [{ type: 'text', text: 'a' }] } });
    assert.deepEqual(acc.snapshot(), [{ messageId: 'm', index: 1, block: 'tool_use', name: 'Bash', toolUseId: 'tu', text: '{"c', parentToolUseId: null }]);
  });
});

describe('webview transcript window', () => {
  it('leaves stream events, control messages and progress chatter out', () => {
    assert.equal(isDisplayable(entry(0, { type: 'stream_event', event: {} })), false);
    assert.equal(isDisplayable(entry(0, { type: 'system', subtype: 'status' })), false);
    assert.equal(isDisplayable(entry(0, { type: 'system', subtype: 'init' })), true);
    assert.equal(isDisplayable(entry(0, { type: 'result', subtype: 'success' })), true);
  });

  it('sends the newest entries first and pages older ones on request, reading them from the store', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shannon-window-'));
    const store = await SessionStore.open({ dir });
    try {
      for (let i = 0; i < 10; i++) {
        const { seq: _seq, ...e } = entry(i);
        store.appendMessage(e);
        store.appendMessage({ ...e, type: 'stream_event', raw: { type: 'stream_event', event: {} } }); // never shown
      }
      await store.flush();
      const tail = panelWindow(await store.readTranscriptTail('s', tailQuery(4)));
      assert.deepEqual(tail.entries.map((e) => e.seq), [12, 14, 16, 18]);
      assert.equal(tail.hasOlder, true);
      const older = panelWindow(await store.readTranscriptTail('s', olderQuery(12, 4)));
      assert.deepEqual(older.entries.map((e) => e.seq), [4, 6, 8, 10]);
      assert.equal(older.hasOlder, true);
      assert.equal((await store.readTranscriptTail('s', olderQuery(4, 4))).hasOlder, false);
    } finally {
      store.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cuts a tool output at 8 KiB and marks the entry, keeps assistant text whole up to 64 KiB', () => {
    const tool = trimEntry(entry(3, { type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't', content: 'y'.repeat(20_000) }] } }));
    assert.equal(tool.trimmed, true);
    const text = trimEntry(entry(4, { type: 'assistant', message: { id: 'm', content: [{ type: 'text', text: 'z'.repeat(20_000) }] } }));
    assert.equal(text.trimmed, undefined);
  });

  it('cuts huge strings (a 1 MB tool result) and leaves small entries untouched', () => {
    const small = entry(1);
    assert.equal(trimEntry(small), small);
    const big = entry(2, { type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't', content: 'x'.repeat(1_000_000) }] } });
    const cut = trimEntry(big, 1000);
    const content = (cut.raw as { message: { content: Array<{ content: string }> } }).message.content[0]!.content;
    assert.ok(content.length < 1100);
    assert.match(content, /999,000 more characters not shown/);
    assert.equal(((big.raw as { message: { content: Array<{ content: string }> } }).message.content[0]!.content).length, 1_000_000, 'the original is not modified');
  });
});

describe('webview page', () => {
  it('has a strict CSP: a nonce for the one script, no inline or eval, resources only from the extension', () => {
    const csp = contentSecurityPolicy('https://file+.vscode-resource.example', 'N0NCE');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0NCE'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = renderPanelHtml({ cspSource: 'vscode-src', scriptUri: 'https://x/webview.js', styleUri: 'https://x/webview.css', sessionId: 'abc"><script>', title: 'T <b>', nonce: 'N0NCE' });
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<script nonce="N0NCE" src="https:\/\/x\/webview.js"><\/script>/);
    assert.match(html, /data-session-id="abc&quot;&gt;&lt;script&gt;"/);
    assert.match(html, /<title>T &lt;b&gt;<\/title>/);
    assert.doesNotMatch(html, /style=/);
  });
});

describe('webview diff sides', () => {
  const file = '/w/a.ts';
  it('diffs the whole file when the edit has not been applied yet', () => {
    const d = diffSides('Edit', { file_path: file, old_string: 'b', new_string: 'B' }, 'a\nb\nc\n')!;
    assert.deepEqual([d.before, d.after, d.beforeLabel], ['a\nb\nc\n', 'a\nB\nc\n', 'on disk']);
  });

  it('diffs the whole file backwards when the edit is already on disk', () => {
    const d = diffSides('Edit', { file_path: file, old_string: 'b', new_string: 'B' }, 'a\nB\nc\n')!;
    assert.deepEqual([d.before, d.after, d.afterLabel], ['a\nb\nc\n', 'a\nB\nc\n', 'on disk (edited)']);
  });

  it('falls back to the tool’s own strings when the file matches neither', () => {
    const d = diffSides('Edit', { file_path: file, old_string: 'x', new_string: 'y' }, 'nothing alike')!;
    assert.deepEqual([d.before, d.after], ['x', 'y']);
    const gone = diffSides('Edit', { file_path: file, old_string: 'x', new_string: 'y' }, undefined)!;
    assert.deepEqual([gone.before, gone.after], ['x', 'y']);
  });

  it('applies MultiEdit edits in order, and replace_all everywhere', () => {
    const d = diffSides(
      'MultiEdit',
      {
        file_path: file,
        edits: [
          { old_string: 'a', new_string: 'A', replace_all: true },
          { old_string: 'A b', new_string: 'AB' },
        ],
      },
      'a b a',
    )!;
    assert.equal(d.after, 'AB A');
  });

  it('shows a Write against the file on disk, or against nothing for a new file', () => {
    assert.deepEqual(
      (({ before, after, beforeLabel }) => [before, after, beforeLabel])(diffSides('Write', { file_path: file, content: 'new' }, 'old')!),
      ['old', 'new', 'on disk'],
    );
    assert.equal(diffSides('Write', { file_path: file, content: 'new' }, undefined)!.beforeLabel, 'new file');
    assert.equal(diffSides('Bash', { command: 'x' }, undefined), undefined);
  });
});
