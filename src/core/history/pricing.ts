/**
 * What a transcript's token usage cost. The CLI's transcripts carry usage but not cost (it
 * reports cost only in the `result` of a live run), so imported sessions are priced with the
 * CLI's own table (Claude Code 2.1.197, dollars per million tokens). Unknown models cost 0
 * rather than a guess.
 */

interface Price {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

const HAIKU_35: Price = { input: 0.8, output: 4, cacheWrite5m: 1, cacheWrite1h: 1.6, cacheRead: 0.08 };
const HAIKU_45: Price = { input: 1, output: 5, cacheWrite5m: 1.25, cacheWrite1h: 2, cacheRead: 0.1 };
const SONNET: Price = { input: 3, output: 15, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3 };
const OPUS_4: Price = { input: 15, output: 75, cacheWrite5m: 18.75, cacheWrite1h: 30, cacheRead: 1.5 };
const OPUS_45: Price = { input: 5, output: 25, cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5 };

/** First match wins: specific versions before families. */
const TABLE: ReadonlyArray<[RegExp, Price]> = [
  [/haiku-3-5|3-5-haiku/, HAIKU_35],
  [/haiku/, HAIKU_45],
  [/sonnet/, SONNET],
  [/opus-4-1|opus-4-0|opus-4(?:-\d{8})?$|opus-4@|3-opus/, OPUS_4],
  [/opus/, OPUS_45],
];

/** Usage as the Messages API reports it (snake_case, as in transcripts). */
export interface ApiUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_creation?: { ephemeral_1h_input_tokens?: number; ephemeral_5m_input_tokens?: number };
}

export function priceOf(model: string): Price | undefined {
  const m = model.toLowerCase().replace(/\[.*\]$/, '');
  return TABLE.find(([re]) => re.test(m))?.[1];
}

export function estimateCostUsd(model: string | undefined, usage: ApiUsage): number {
  const price = model ? priceOf(model) : undefined;
  if (!price) return 0;
  const write = num(usage.cache_creation_input_tokens);
  const write1h = Math.min(write, num(usage.cache_creation?.ephemeral_1h_input_tokens));
  const dollars =
    num(usage.input_tokens) * price.input +
    num(usage.output_tokens) * price.output +
    (write - write1h) * price.cacheWrite5m +
    write1h * price.cacheWrite1h +
    num(usage.cache_read_input_tokens) * price.cacheRead;
  return dollars / 1_000_000;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}
