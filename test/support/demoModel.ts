/**
 * The offline demo's model (`scripts/start.sh --offline` → scripts/fake-api.ts): a scripted
 * stand-in that shows each kind of ask Shannon handles, driven by what the user types:
 * - `run <command>`: Bash (read-only commands run without asking: try `run touch hello.txt`);
 * - `edit <file>`: Read, then an Edit of its first line (a Write of a new file if there is none),
 *   reviewed in the diff editor;
 * - `plan`: plan mode (EnterPlanMode), then a plan to approve (ExitPlanMode);
 * - `ask`: a question with options (AskUserQuestion);
 * - `agent <task>`: a subagent (the Agent tool) that lists the folder with `ls` and reports back:
 *   its rows nest under the Agent card, folded once it is done.
 * Steps are told apart by the ids of the tool calls it made (`demo_<step>_<n>`); the subagent's
 * own requests by its prompt, which starts with SUBAGENT_PROMPT.
 */
import { subagentReply } from '../../src/core/transcript/subagents.js';
import { sideCallReply, type RecordedRequest, type Reply } from './fakeAnthropic.js';

export const DEMO_HINT = 'offline demo: try `run touch hello.txt`, `edit hello.txt`, `plan`, `ask` or `agent look around`';

/** How the demo's Agent calls start their prompt: the subagent's requests are told apart by it. */
export const SUBAGENT_PROMPT = 'You are the demo subagent. Your task:';

const PLAN = `# Plan: greet the world

1. Create \`hello.txt\` with a greeting.
2. Add a second line that says where it came from.
3. Run \`cat hello.txt\` to show the result.

Nothing is changed until you approve.`;

let counter = 0;
const id = (step: string) => `demo_${step}_${++counter}`;
const say = (text: string): Reply => ({ blocks: [{ type: 'text', text }], chunkSize: 6, chunkDelayMs: 15 });

export function demoReply(req: RecordedRequest): Reply {
  if (!req.isMainTurn) return sideCallReply(req);
  if (req.allUserTexts.some((t) => t.startsWith(SUBAGENT_PROMPT))) return subagentTurn(req);
  const result = req.toolResults[0];
  if (result) return afterTool(result);
  const text = req.latestUserText.trim();
  const command = /^run (.+)$/i.exec(text)?.[1];
  if (command) return { blocks: [{ type: 'text', text: `I will run \`${command}\`.` }, { type: 'tool_use', id: id('bash'), name: 'Bash', input: { command, description: 'Run the command you asked for' } }] };
  const file = /^edit (.+)$/i.exec(text)?.[1]?.trim();
  if (file) return { blocks: [{ type: 'text', text: `Let me read \`${file}\` first.` }, { type: 'tool_use', id: id(`read-${encode(file)}`), name: 'Read', input: { file_path: file } }] };
  // ExitPlanMode asks only in plan mode: enter it first (as the model does when told to plan).
  if (/^plan\b/i.test(text)) return { blocks: [{ type: 'text', text: 'Let me plan this first.' }, { type: 'tool_use', id: id('planmode'), name: 'EnterPlanMode', input: {} }] };
  const task = /^agent\b\s*(.*)$/i.exec(text)?.[1]?.trim() || (/^agent\b/i.test(text) ? 'look around' : '');
  if (task) {
    const input = { description: oneLineTask(task), prompt: `${SUBAGENT_PROMPT} ${task}`, subagent_type: 'general-purpose' };
    return { blocks: [{ type: 'text', text: 'I will hand this to a subagent.' }, { type: 'tool_use', id: id('agent'), name: 'Agent', input }] };
  }
  if (/^ask\b/i.test(text)) {
    return {
      blocks: [
        { type: 'text', text: 'One question before I start.' },
        {
          type: 'tool_use',
          id: id('ask'),
          name: 'AskUserQuestion',
          input: {
            questions: [
              {
                question: 'Which greeting should hello.txt have?',
                header: 'Greeting',
                multiSelect: false,
                options: [
                  { label: 'Hello, world', description: 'The classic' },
                  { label: 'Good morning', description: 'A friendlier start' },
                ],
              },
            ],
          },
        },
      ],
    };
  }
  return say(`You said: **${req.latestUserText}**\n\n(${DEMO_HINT})`);
}

function afterTool(result: RecordedRequest['toolResults'][number]): Reply {
  const [, step, arg] = /^demo_([a-z]+)(?:-([^_]*))?_\d+$/.exec(result.tool_use_id) ?? [];
  if (step === 'read') {
    const file = decode(arg ?? '');
    const first = /^\s*1\t(.*)$/m.exec(result.content)?.[1];
    if (result.is_error || first === undefined || first === '') {
      return { blocks: [{ type: 'text', text: `\`${file}\` is new: I will write it.` }, { type: 'tool_use', id: id('write'), name: 'Write', input: { file_path: file, content: 'Hello from the offline demo.\nReview me in the diff editor.\n' } }] };
    }
    return {
      blocks: [
        { type: 'text', text: `I will change the first line of \`${file}\`.` },
        { type: 'tool_use', id: id('edit'), name: 'Edit', input: { file_path: file, old_string: first, new_string: `${first} (edited by the offline demo)` } },
      ],
    };
  }
  if (step === 'planmode' && !result.is_error) return { blocks: [{ type: 'text', text: 'Here is what I would do.' }, { type: 'tool_use', id: id('plan'), name: 'ExitPlanMode', input: { plan: PLAN } }] };
  if (result.is_error) return say(`That did not happen:\n\n> ${result.content.split('\n')[0]}\n\n(${DEMO_HINT})`);
  if (step === 'plan') return say('The plan is approved: I would start on step 1 now.');
  if (step === 'ask') return say(`Thanks. ${result.content}`);
  if (step === 'agent') return say(`The subagent reported back:\n\n> ${subagentReply(result.content).split('\n')[0]}`);
  if (step === 'edit' || step === 'write') return say('Done: the file is as you accepted it.');
  return say(`The command printed:\n\n\`\`\`\n${result.content}\n\`\`\``);
}

/** The subagent's turns: `ls` (read-only: no ask), then what it saw. */
function subagentTurn(req: RecordedRequest): Reply {
  const listing = req.toolResults[0];
  if (!listing) return { blocks: [{ type: 'text', text: 'First, what is in this folder.' }, { type: 'tool_use', id: id('subls'), name: 'Bash', input: { command: 'ls', description: 'List the folder' } }], usage: { input_tokens: 900, output_tokens: 40 } };
  const files = listing.content.split('\n').filter(Boolean);
  return { blocks: [{ type: 'text', text: `The folder holds ${files.length} entr${files.length === 1 ? 'y' : 'ies'}: ${files.join(', ') || '(none)'}.` }], usage: { input_tokens: 1100, output_tokens: 60 } };
}

function oneLineTask(task: string): string {
  return task.length > 40 ? `${task.slice(0, 39)}…` : task;
}

/** A file name inside a tool id (ids allow letters, digits, `_` and `-`). */
function encode(file: string): string {
  return Buffer.from(file).toString('hex');
}

function decode(hex: string): string {
  return Buffer.from(hex, 'hex').toString();
}
