// The lexer of Go's text/template: text, {{actions}} with "{{- " / " -}}"
// trim markers and {{/* comments */}}, and the tokens inside actions. Errors
// carry Go's wording ("unclosed action", "bad character U+007D '}'").

export type ItemType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'field'
  | 'variable'
  | 'identifier'
  | 'keyword'
  | 'dot'
  | 'string'
  | 'rawString'
  | 'charConstant'
  | 'number'
  | 'bool'
  | 'nil'
  | 'pipe'
  | 'declare'
  | 'assign'
  | 'leftParen'
  | 'rightParen'
  | 'char'
  | 'error'
  | 'eof';

export interface Item {
  type: ItemType;
  val: string;
  /** Offset in the template text, for "template: :1:5:" positions. */
  pos: number;
  line: number;
}

export const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);

const LEFT = '{{';
const RIGHT = '}}';
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined) => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);

/** %#U of a character, as Go's lexer errors print it: U+007D '}'. */
const charName = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;

/** Go's item.String(), used in "unexpected X in Y" messages. */
export function describeItem(i: Item): string {
  if (i.type === 'eof') return 'EOF';
  if (i.type === 'error') return i.val;
  if (i.type === 'keyword' || i.type === 'dot' || i.type === 'nil') return `<${i.val}>`;
  const q = (s: string) => JSON.stringify(s);
  return [...i.val].length > 10 ? `${q([...i.val].slice(0, 10).join(''))}...` : q(i.val);
}

export function lex(input: string): Item[] {
  const items: Item[] = [];
  let start = 0;
  let pos = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;

  const emit = (type: ItemType, val = input.slice(start, pos)) => {
    items.push({ type, val, pos: start, line: startLine });
    start = pos;
    startLine = line;
  };
  const advance = (n: number) => {
    for (let k = 0; k < n; k++) if (input[pos + k] === '\n') line++;
    pos += n;
  };
  const ignore = () => {
    start = pos;
    startLine = line;
  };
  const fail = (message: string): Item[] => {
    items.push({ type: 'error', val: message, pos: start, line: startLine });
    return items;
  };
  /** At " -}}" or "}}": whether it trims the text after it, and its length. */
  const rightDelimAt = (p: number): { trim: boolean; len: number } | undefined => {
    if (isSpace(input[p]) && input[p + 1] === '-' && input.startsWith(RIGHT, p + 2)) return { trim: true, len: RIGHT.length + 2 };
    if (input.startsWith(RIGHT, p)) return { trim: false, len: RIGHT.length };
    return undefined;
  };
  const atTerminator = () => {
    const c = input[pos];
    return c === undefined || isSpace(c) || '.,|:()'.includes(c) || input.startsWith(RIGHT, pos);
  };

  for (;;) {
    // Text up to the next action.
    const next = input.indexOf(LEFT, pos);
    if (next < 0) {
      advance(input.length - pos);
      if (pos > start) emit('text');
      items.push({ type: 'eof', val: '', pos, line });
      return items;
    }
    const trimLeft = input[next + 2] === '-' && isSpace(input[next + 3]);
    advance(next - pos);
    if (pos > start) {
      let text = input.slice(start, pos);
      if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
      items.push({ type: 'text', val: text, pos: start, line: startLine });
    }
    ignore();
    advance(LEFT.length);
    emit('leftDelim');
    if (trimLeft) {
      advance(2);
      ignore();
    }
    // A comment fills the whole action.
    if (input.startsWith('/*', pos)) {
      const end = input.indexOf('*/', pos + 2);
      if (end < 0) return fail('unclosed comment');
      advance(end + 2 - pos);
      const delim = rightDelimAt(pos);
      if (!delim) return fail('comment ends before closing delimiter');
      advance(delim.len);
      items.pop(); // the comment's leftDelim: comments produce no action
      ignore();
      if (delim.trim) skipSpaces();
      continue;
    }
    parenDepth = 0;
    // Inside the action.
    for (;;) {
      const delim = rightDelimAt(pos);
      if (delim) {
        if (parenDepth > 0) return fail('unclosed left paren');
        if (delim.trim) {
          advance(2);
          ignore();
        }
        advance(RIGHT.length);
        emit('rightDelim');
        if (delim.trim) skipSpaces();
        break;
      }
      const c = input[pos];
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        while (isSpace(input[pos]) && !rightDelimAt(pos)?.trim) advance(1);
        emit('space');
      } else if (c === '=') {
        advance(1);
        emit('assign');
      } else if (c === ':') {
        if (input[pos + 1] !== '=') return fail('expected :=');
        advance(2);
        emit('declare');
      } else if (c === '|') {
        advance(1);
        emit('pipe');
      } else if (c === '"') {
        advance(1);
        for (;;) {
          const d = input[pos];
          if (d === '\\' && input[pos + 1] !== undefined && input[pos + 1] !== '\n') advance(2);
          else if (d === undefined || d === '\n') return fail('unterminated quoted string');
          else if (d === '"') break;
          else advance(1);
        }
        advance(1);
        emit('string');
      } else if (c === '`') {
        const end = input.indexOf('`', pos + 1);
        if (end < 0) return fail('unterminated raw quoted string');
        advance(end + 1 - pos);
        emit('rawString');
      } else if (c === "'") {
        advance(1);
        for (;;) {
          const d = input[pos];
          if (d === '\\' && input[pos + 1] !== undefined && input[pos + 1] !== '\n') advance(2);
          else if (d === undefined || d === '\n') return fail('unterminated character constant');
          else if (d === "'") break;
          else advance(1);
        }
        advance(1);
        emit('charConstant');
      } else if (c === '$' || (c === '.' && !/[0-9]/.test(input[pos + 1] ?? ''))) {
        advance(1);
        if (c === '.' && !isAlphaNumeric(input[pos])) {
          emit('dot');
          continue;
        }
        while (isAlphaNumeric(input[pos])) advance(1);
        if (!atTerminator()) return fail(`bad character ${charName(String.fromCodePoint(input.codePointAt(pos)!))}`);
        emit(c === '$' ? 'variable' : 'field');
      } else if (c === '+' || c === '-' || /[0-9.]/.test(c)) {
        const m = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[oObB][0-9_]+|[0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?)i?/.exec(input.slice(pos))!;
        advance(m[0].length);
        if (isAlphaNumeric(input[pos])) {
          advance(1);
          return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
        }
        emit('number');
      } else if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(input[pos])) advance(1);
        const word = input.slice(start, pos);
        if (!atTerminator()) return fail(`bad character ${charName(String.fromCodePoint(input.codePointAt(pos)!))}`);
        if (KEYWORDS.has(word)) emit('keyword');
        else if (word === 'true' || word === 'false') emit('bool');
        else if (word === 'nil') emit('nil');
        else emit('identifier');
      } else if (c === '(') {
        advance(1);
        parenDepth++;
        emit('leftParen');
      } else if (c === ')') {
        advance(1);
        if (--parenDepth < 0) return fail('unexpected right paren');
        emit('rightParen');
      } else {
        const ch = String.fromCodePoint(input.codePointAt(pos)!);
        if (ch.codePointAt(0)! > 0x7f || !/^[\x20-\x7e]$/.test(ch)) return fail(`unrecognized character in action: ${charName(ch)}`);
        advance(ch.length);
        emit('char');
      }
    }
  }

  function skipSpaces() {
    while (isSpace(input[pos])) advance(1);
    ignore();
  }
}
