/**
 * Figures as a model reads them in structured results: MCP clients such as Claude Code hand the
 * model the JSON of `structuredContent`, so a float's binary noise (0.00017999999999999998)
 * would reach it verbatim. Money is rounded to the micro-dollar (finer than any price), times
 * to whole milliseconds, scores to two decimals.
 */

export function usd(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : 0;
}

export function ms(v: number): number {
  return Number.isFinite(v) ? Math.round(v) : 0;
}

export function score(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 100) / 100 : 0;
}
