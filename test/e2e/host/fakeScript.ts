/**
 * What the fake Anthropic API answers in Shannon's e2e runs, keyed by words in the latest user
 * prompt, so the in-host suites and the browser test can ask for a behaviour by prompt alone.
 */
import { sideCallReply, type Responder } from '../../support/fakeAnthropic';

export const PROMPTS = {
  /** A plain text reply. */
  hello: 'Say hello to the e2e test',
  /** A reply streamed slowly (about 6 s): the session stays `running` long enough to look at. */
  slow: 'Tell a slow story for the e2e test',
  /** A Bash tool call that writes a file: needs a permission answer in the default mode. */
  write: 'Write the e2e marker file',
} as const;

export const REPLIES = {
  hello: 'Hello from the fake model.',
  slowChunk: 'and then ',
  writeDone: 'Done: the marker file is written.',
} as const;

export const MARKER_FILE = 'made-by-claude.txt';

export const e2eResponder: Responder = (req) => {
  if (!req.isMainTurn) return sideCallReply(req);
  const text = req.allUserTexts.at(-1) ?? req.latestUserText;
  if (req.toolResults.length > 0) {
    return { blocks: [{ type: 'text', text: `${REPLIES.writeDone} (tool said: ${req.toolResults[0]!.content.trim()})` }] };
  }
  if (text.includes(PROMPTS.write)) {
    return { blocks: [{ type: 'text', text: 'Writing the marker file.' }, { type: 'tool_use', name: 'Bash', input: { command: `echo shannon > ${MARKER_FILE} && echo written`, description: 'Write the marker file' } }] };
  }
  if (text.includes(PROMPTS.slow)) {
    return { blocks: [{ type: 'text', text: `Once upon a time ${REPLIES.slowChunk.repeat(60)}the end.` }], chunkSize: 9, chunkDelayMs: 100 };
  }
  if (text.includes(PROMPTS.hello)) return { blocks: [{ type: 'text', text: REPLIES.hello }] };
  return { blocks: [{ type: 'text', text: `You said: ${text}` }] };
};
