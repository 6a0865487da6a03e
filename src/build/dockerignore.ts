// .dockerignore: docker's pattern rules. One pattern a line (# comments),
// cleaned like a path with a leading "/" dropped; "!" makes an exception; Go
// filepath.Match syntax plus "**" for any number of directories. A pattern
// that matches a directory excludes what is under it; the last match wins.
import { posix } from 'node:path';

export interface IgnorePattern {
  exclusion: boolean;
  source: string;
  regex: RegExp;
}

function toRegex(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // "**/" matches zero or more directories; a trailing "**" anything.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    let line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    line = posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '');
    if (!line || line === '.') continue;
    out.push({ exclusion, source: line, regex: toRegex(line) });
  }
  return out;
}

/** Whether a context-relative path ("a/b.txt") is left out of the build context. */
export function isIgnored(path: string, patterns: readonly IgnorePattern[]): boolean {
  const clean = posix.normalize(path).replace(/^\/+/, '');
  const parents: string[] = [];
  for (let p = posix.dirname(clean); p !== '.' && p !== '/'; p = posix.dirname(p)) parents.unshift(p);
  let ignored = false;
  for (const pat of patterns) {
    if (pat.exclusion !== ignored) continue; // only a pattern that could flip the answer matters
    const hit = pat.regex.test(clean) || parents.some((d) => pat.regex.test(d));
    if (hit) ignored = !pat.exclusion;
  }
  return ignored;
}
