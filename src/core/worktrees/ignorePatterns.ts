/**
 * gitignore-syntax patterns matched against repository paths, as `.worktreeinclude` is read
 * (the CLI reads it with the `ignore` package): anchoring by a slash, `dir/` for directories
 * only, `*`, `?`, `[…]`, `**`, `!` to re-include, the last matching line winning, and a path
 * matched when one of its parent directories is.
 */

interface Rule {
  regex: RegExp;
  negated: boolean;
  dirOnly: boolean;
}

export type PathMatcher = (relPath: string, isDir: boolean) => boolean;

/** Compiles pattern lines (blank lines and `#` comments skipped) into a matcher of `/`-separated paths. */
export function compilePatterns(lines: readonly string[]): PathMatcher {
  const rules = lines.flatMap((line) => {
    const rule = compileLine(line);
    return rule ? [rule] : [];
  });
  const matchesItself = (rel: string, isDir: boolean): boolean => {
    let matched = false;
    for (const rule of rules) {
      if (rule.dirOnly && !isDir) continue;
      if (rule.regex.test(rel)) matched = !rule.negated;
    }
    return matched;
  };
  return (relPath, isDir) => {
    if (rules.length === 0) return false;
    const parts = relPath.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      // An excluded directory cannot have a file re-included below it (as in git).
      if (matchesItself(parts.slice(0, i).join('/'), true)) return true;
    }
    return matchesItself(parts.join('/'), isDir);
  };
}

/** Pattern lines of a file's text: comments and blank lines dropped, CRs trimmed. */
export function patternLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/(?<!\\)\s+$/, ''))
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

function compileLine(raw: string): Rule | undefined {
  let line = raw.replace(/(?<!\\)\s+$/, '');
  if (!line || line.startsWith('#')) return undefined;
  let negated = false;
  if (line.startsWith('!')) {
    negated = true;
    line = line.slice(1);
  } else if (line.startsWith('\\!') || line.startsWith('\\#')) {
    line = line.slice(1);
  }
  let dirOnly = false;
  if (line.endsWith('/') && !line.endsWith('\\/')) {
    dirOnly = true;
    line = line.replace(/\/+$/, '');
  }
  if (!line) return undefined;
  // A slash anywhere but at the end anchors the pattern to the top; otherwise it matches at any depth.
  const anchored = line.includes('/');
  if (line.startsWith('/')) line = line.slice(1);
  let body = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '*') {
      if (line[i + 1] === '*') {
        const atStart = i === 0;
        const slashAfter = line[i + 2] === '/';
        const atEnd = i + 2 === line.length;
        if ((atStart || line[i - 1] === '/') && (slashAfter || atEnd)) {
          if (atEnd) body += '.*';
          else {
            body += '(?:.*/)?';
            i += 1; // the slash
          }
          i += 1;
          continue;
        }
      }
      body += '[^/]*';
    } else if (c === '?') {
      body += '[^/]';
    } else if (c === '[') {
      const end = line.indexOf(']', i + 2);
      if (end < 0) {
        body += '\\[';
        continue;
      }
      let cls = line.slice(i + 1, end);
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      body += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < line.length) {
      body += escapeRegex(line[++i]!);
    } else {
      body += escapeRegex(c);
    }
  }
  const regex = new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}$`);
  return { regex, negated, dirOnly };
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
