#!/usr/bin/env node
// A `claude` that misbehaves on request, for fault-injection tests. The real CLI (REAL-PEERS.md)
// proves the happy paths; this one proves what Shannon does when the CLI does not behave.
//
//   FAKE_CLAUDE_MODE            ok (default) | crash-mid-line | garbage | huge-line | invalid-utf8
//                               | deep-line | hang | spawn-child | exit-error | version-broken
//   FAKE_CLAUDE_VERSION         what `--version` prints (default "2.1.197 (Claude Code)")
//   FAKE_CLAUDE_HUGE_BYTES      huge-line: length of the one long line (default 50 MB)
//   FAKE_CLAUDE_DEPTH           deep-line: how deep the tool input of the middle message nests
//                               (default 100000: it parses, but JSON.stringify cannot write it)
//   FAKE_CLAUDE_IGNORE_SIGTERM  hang: "1" = survive SIGTERM, so only SIGKILL ends it
//   FAKE_CLAUDE_READY_FILE      hang: written once the SIGTERM handler is in place
//   FAKE_CLAUDE_PID_FILE        spawn-child: where the grandchild's pid is written
//   FAKE_CLAUDE_ARGV_FILE       any mode: where the argv it was given is written (JSON)
//
// Messages have the shapes of @anthropic-ai/claude-agent-sdk's sdk.d.ts and follow the real CLI's
// order in stream-json mode: nothing until input arrives; per user turn `system/init`, then
// `assistant`, then `result`; stdin EOF ends the process. Fault modes act at start, without input.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const env = process.env;
const mode = env.FAKE_CLAUDE_MODE || 'ok';
const argv = process.argv.slice(2);

// A reader that went away (EPIPE) ends the fake, as it ends the real CLI.
process.stdout.on('error', () => process.exit(0));
if (env.FAKE_CLAUDE_ARGV_FILE) writeAtomically(env.FAKE_CLAUDE_ARGV_FILE, JSON.stringify(argv));
if (mode === 'hang' && env.FAKE_CLAUDE_IGNORE_SIGTERM === '1') process.on('SIGTERM', () => {});
// Why a file and not /proc's SigCgt: Node catches SIGTERM itself from startup (to reset the
// terminal before it dies), so the mask is set before the handler above exists.
if (mode === 'hang' && env.FAKE_CLAUDE_READY_FILE) writeAtomically(env.FAKE_CLAUDE_READY_FILE, 'ready');

if (mode === 'hang') {
  // No output, stdin never read, even for --version: only a signal ends it.
  setInterval(() => {}, 60_000);
} else if (argv.includes('--version') || argv.includes('-v')) {
  if (mode === 'version-broken') {
    process.stderr.write('claude: cannot load the native module: libfake.so: not found\n');
    process.exit(2);
  }
  process.stdout.write(`${env.FAKE_CLAUDE_VERSION ?? '2.1.197 (Claude Code)'}\n`);
} else {
  await main();
}

async function main() {
  const flag = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const resume = flag('--resume');
  const session = {
    id: flag('--session-id') ?? (resume && !argv.includes('--fork-session') ? resume : randomUUID()),
    model: flag('--model') ?? 'claude-sonnet-4-5',
    permissionMode: flag('--permission-mode') ?? 'default',
    partial: argv.includes('--include-partial-messages'),
    turns: 0,
  };

  switch (mode) {
    case 'ok':
      return serve(session);
    case 'garbage':
      return serve(session, () => {
        process.stdout.write('Warning: this line is not JSON\n\n{"type":"assistant", oops\n\x1b[31mred\x1b[0m\n[1,2,3]\n');
      });
    case 'crash-mid-line':
      await write('{"type":"system","subtype":"init","cwd":"/tmp","session_id":"');
      process.exit(3);
      return;
    case 'huge-line': {
      const bytes = Number(env.FAKE_CLAUDE_HUGE_BYTES || 50 * 1024 * 1024);
      await writeLine(init(session));
      await writeHugeAssistant(session, bytes);
      await writeLine(result(session, 'huge line sent'));
      return serve(session);
    }
    case 'invalid-utf8': {
      await writeLine(init(session));
      const [head, tail] = JSON.stringify(assistant(session, '@@')).split('@@');
      // A lone continuation byte, two bytes never valid in UTF-8, a 3-byte sequence cut short.
      await write(Buffer.concat([Buffer.from(`${head}bad: `), Buffer.from([0x80, 0xff, 0xfe, 0xe2, 0x82]), Buffer.from(` end${tail}\n`)]));
      await writeLine(result(session, 'bad: ? end'));
      return serve(session);
    }
    case 'deep-line':
      // Each turn: a normal message, one nested deeper than JSON.stringify can go, a normal one.
      return serve(session, undefined, (text) => [
        JSON.stringify(init(session)),
        JSON.stringify(assistant(session, `before: ${text}`)),
        deepAssistant(session, Number(env.FAKE_CLAUDE_DEPTH || 100_000)),
        JSON.stringify(assistant(session, `after: ${text}`)),
        JSON.stringify(result(session, `after: ${text}`)),
      ]);
    case 'spawn-child': {
      // Same process group as this process (not detached): only a group kill reaches it.
      const child = spawn('sleep', ['300'], { stdio: 'ignore' });
      child.unref();
      if (env.FAKE_CLAUDE_PID_FILE) writeAtomically(env.FAKE_CLAUDE_PID_FILE, String(child.pid));
      return serve(session);
    }
    case 'exit-error':
      process.stderr.write('Error: Invalid API key · Fix external API key\n');
      process.exit(1);
      return;
    case 'version-broken':
      return serve(session);
    default:
      process.stderr.write(`fakeClaude: unknown FAKE_CLAUDE_MODE "${mode}"\n`);
      process.exit(64);
  }
}

/**
 * Answers stdin like the real CLI: control requests get a success, user lines get a turn
 * (`turnLines`: the turn's stdout lines as text, instead of the usual messages).
 */
async function serve(session, beforeEachMessage = () => {}, turnLines = undefined) {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      process.stderr.write(`Error parsing streaming input line: ${line.slice(0, 200)}\n`);
      process.exit(1);
    }
    if (msg.type === 'control_request') {
      const response = msg.request?.subtype === 'initialize'
        ? { commands: [], agents: [], output_style: 'default', available_output_styles: ['default'], models: [], account: {} }
        : {};
      await writeLine({ type: 'control_response', response: { subtype: 'success', request_id: msg.request_id, response } });
    } else if (msg.type === 'user') {
      const text = textOf(msg.message?.content);
      session.turns++;
      if (turnLines) {
        for (const line of turnLines(text)) await write(`${line}\n`);
        continue;
      }
      for (const out of turn(session, `echo: ${text}`)) {
        beforeEachMessage();
        await writeLine(out);
      }
    }
  }
  process.exit(0);
}

function* turn(session, text) {
  yield init(session);
  if (session.partial) {
    const event = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } };
    yield { type: 'stream_event', event, parent_tool_use_id: null, uuid: randomUUID(), session_id: session.id };
  }
  yield assistant(session, text);
  yield result(session, text);
}

function init(session) {
  return {
    type: 'system',
    subtype: 'init',
    cwd: process.cwd(),
    session_id: session.id,
    tools: ['Bash', 'Edit', 'Read', 'Write'],
    mcp_servers: [],
    model: session.model,
    permissionMode: session.permissionMode,
    slash_commands: [],
    apiKeySource: 'ANTHROPIC_API_KEY',
    claude_code_version: '2.1.197',
    output_style: 'default',
    agents: [],
    skills: [],
    plugins: [],
    uuid: randomUUID(),
  };
}

function assistant(session, text) {
  return {
    type: 'assistant',
    message: {
      id: `msg_${randomUUID().replaceAll('-', '')}`,
      type: 'message',
      role: 'assistant',
      model: session.model,
      content: [{ type: 'text', text }],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
    parent_tool_use_id: null,
    session_id: session.id,
    uuid: randomUUID(),
  };
}

function result(session, text) {
  return {
    type: 'result',
    subtype: 'success',
    is_error: false,
    duration_ms: 12,
    duration_api_ms: 8,
    num_turns: 1,
    result: text,
    stop_reason: 'end_turn',
    session_id: session.id,
    total_cost_usd: 0.0001,
    usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 5 },
    modelUsage: {},
    permission_denials: [],
    uuid: randomUUID(),
  };
}

/** An assistant line whose tool input nests `depth` arrays deep, as text (JSON.stringify would throw). */
function deepAssistant(session, depth) {
  const [head, tail] = JSON.stringify({ ...assistant(session, ''), message: { ...assistant(session, '').message, content: [{ type: 'tool_use', id: 'toolu_deep', name: 'Probe', input: { nested: '@@' } }] } }).split('"@@"');
  return `${head}${'['.repeat(depth)}${']'.repeat(depth)}${tail}`;
}

/** One assistant line of `bytes` bytes, written in chunks so memory stays flat. */
async function writeHugeAssistant(session, bytes) {
  const [head, tail] = JSON.stringify(assistant(session, '@@')).split('@@');
  let left = Math.max(0, bytes - head.length - tail.length - 1);
  await write(head);
  const chunk = 'x'.repeat(1024 * 1024);
  while (left > 0) {
    const n = Math.min(left, chunk.length);
    await write(n === chunk.length ? chunk : chunk.slice(0, n));
    left -= n;
  }
  await write(`${tail}\n`);
}

function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.filter((b) => b?.type === 'text').map((b) => b.text).join('');
  return '';
}

function writeLine(value) {
  return write(`${JSON.stringify(value)}\n`);
}

/** Resolves once the data is handed to the OS: honors backpressure, and nothing is lost on exit. */
function write(data) {
  return new Promise((resolve) => process.stdout.write(data, () => resolve()));
}

function writeAtomically(file, text) {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}
