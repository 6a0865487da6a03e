// The parser of Go's text/template: pipelines, declarations, if/else if/with/
// range/break/continue, parenthesized pipelines and field chains, with Go's
// error messages ("template: :1: unexpected EOF", "function \"x\" not defined").
import { lex, describeItem, type Item } from './lex.js';

export type Arg =
  | { kind: 'field'; pos: number; ident: string[] }
  | { kind: 'variable'; pos: number; ident: string[] }
  | { kind: 'dot'; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'number'; pos: number; text: string; value: number }
  | { kind: 'string'; pos: number; text: string; value: string }
  | { kind: 'identifier'; pos: number; name: string }
  | { kind: 'pipe'; pos: number; pipe: Pipe }
  | { kind: 'chain'; pos: number; node: Arg; fields: string[] };

export interface Command {
  pos: number;
  args: Arg[];
}

export interface Pipe {
  pos: number;
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
}

export type Node =
  | { kind: 'text'; pos: number; text: string }
  | { kind: 'action'; pos: number; pipe: Pipe }
  | { kind: 'if' | 'with' | 'range'; pos: number; pipe: Pipe; list: Node[]; elseList?: Node[] }
  | { kind: 'break' | 'continue'; pos: number }
  | { kind: 'template'; pos: number; name: string; pipe?: Pipe };

/** A parsed template: its body and the templates it defines ({{define}}, {{block}}). */
export interface Tree {
  root: Node[];
  defines: Map<string, Node[]>;
}

export class TemplateSyntaxError extends Error {}

/** Go's Node.String(), for the "at <...>" part of execution errors. */
export function argString(a: Arg): string {
  switch (a.kind) {
    case 'field':
      return '.' + a.ident.join('.');
    case 'variable':
      return a.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(a.value);
    case 'number':
    case 'string':
      return a.text;
    case 'identifier':
      return a.name;
    case 'pipe':
      return `(${pipeString(a.pipe)})`;
    case 'chain':
      return `${argString(a.node)}.${a.fields.join('.')}`;
  }
}

export const commandString = (c: Command) => c.args.map(argString).join(' ');

export function pipeString(p: Pipe): string {
  const decl = p.decl.length ? `${p.decl.join(', ')} ${p.isAssign ? '=' : ':='} ` : '';
  return decl + p.cmds.map(commandString).join(' | ');
}

/** strconv.Unquote for "..." and `...` strings and '.' character constants. */
function unquote(text: string): string {
  if (text.startsWith('`')) return text.slice(1, -1);
  const body = text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e !== undefined && e in simple) {
      if ((e === "'" && text[0] === '"') || (e === '"' && text[0] === "'")) throw new Error('invalid syntax');
      out += simple[e];
      continue;
    }
    const hex = (n: number) => {
      const h = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw new Error('invalid syntax');
      i += n;
      return parseInt(h, 16);
    };
    if (e === 'x') out += String.fromCharCode(hex(2));
    else if (e === 'u') out += String.fromCodePoint(hex(4));
    else if (e === 'U') out += String.fromCodePoint(hex(8));
    else if (e !== undefined && /[0-7]/.test(e)) {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o)) throw new Error('invalid syntax');
      i += 2;
      out += String.fromCharCode(parseInt(o, 8));
    } else throw new Error('invalid syntax');
  }
  return out;
}

/** Go's NewNumber: integers in any base, floats, and character constants (as their code point). */
function parseNumber(item: Item): number {
  if (item.type === 'charConstant') {
    const s = unquote(item.val);
    if ([...s].length !== 1) throw new TemplateSyntaxError(`malformed character constant: ${item.val}`);
    return s.codePointAt(0)!;
  }
  if (/__|_$|(^|[^0-9a-fA-FxXoObB])_/.test(item.val)) throw new TemplateSyntaxError(`illegal number syntax: ${JSON.stringify(item.val)}`);
  const text = item.val.replace(/_/g, '');
  if (text.endsWith('i')) throw new TemplateSyntaxError(`complex numbers are not supported: ${item.val}`);
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '');
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) n = parseInt(body.slice(2), 16);
  else if (/^0[oO][0-7]+$/.test(body)) n = parseInt(body.slice(2), 8);
  else if (/^0[bB][01]+$/.test(body)) n = parseInt(body.slice(2), 2);
  else if (/^0[0-7]+$/.test(body)) n = parseInt(body, 8);
  else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) n = Number(body);
  else throw new TemplateSyntaxError(`illegal number syntax: ${JSON.stringify(item.val)}`);
  return sign * n;
}

/** Parses a template; `hasFunction` says which identifiers name functions (checked at parse time, as Go does). */
export function parse(text: string, hasFunction: (name: string) => boolean): Tree {
  const items = lex(text);
  let index = 0;
  let seen = 0;
  let vars = ['$'];
  let rangeDepth = 0;
  const defines = new Map<string, Node[]>();

  const next = (): Item => {
    const it = items[Math.min(index, items.length - 1)]!;
    index++;
    seen = Math.max(seen, index);
    return it;
  };
  const backup = () => void index--;
  const peek = (): Item => {
    const it = next();
    backup();
    return it;
  };
  const nextNonSpace = (): Item => {
    let it = next();
    while (it.type === 'space') it = next();
    return it;
  };
  const peekNonSpace = (): Item => {
    const it = nextNonSpace();
    backup();
    return it;
  };
  const errorf = (message: string): never => {
    const line = items[Math.min(seen, items.length) - 1]?.line ?? 1;
    throw new TemplateSyntaxError(`template: :${line}: ${message}`);
  };
  const unexpected = (it: Item, context: string): never => {
    if (it.type === 'error') errorf(describeItem(it));
    return errorf(`unexpected ${describeItem(it)} in ${context}`);
  };
  const expect = (type: Item['type'], context: string): Item => {
    const it = nextNonSpace();
    if (it.type !== type) unexpected(it, context);
    return it;
  };

  function term(): Arg | undefined {
    const it = nextNonSpace();
    switch (it.type) {
      case 'identifier':
        if (!hasFunction(it.val)) errorf(`function ${JSON.stringify(it.val)} not defined`);
        return { kind: 'identifier', pos: it.pos, name: it.val };
      case 'dot':
        return { kind: 'dot', pos: it.pos };
      case 'nil':
        return { kind: 'nil', pos: it.pos };
      case 'variable': {
        if (!vars.includes(it.val)) errorf(`undefined variable ${JSON.stringify(it.val)}`);
        return { kind: 'variable', pos: it.pos, ident: [it.val] };
      }
      case 'field':
        return { kind: 'field', pos: it.pos, ident: [it.val.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos: it.pos, value: it.val === 'true' };
      case 'charConstant':
      case 'number':
        try {
          return { kind: 'number', pos: it.pos, text: it.val, value: parseNumber(it) };
        } catch (err) {
          return errorf((err as Error).message);
        }
      case 'leftParen': {
        const pipe = pipeline('parenthesized pipeline', 'rightParen');
        return { kind: 'pipe', pos: it.pos, pipe };
      }
      case 'string':
      case 'rawString':
        try {
          return { kind: 'string', pos: it.pos, text: it.val, value: unquote(it.val) };
        } catch (err) {
          return errorf((err as Error).message);
        }
      default:
        backup();
        return undefined;
    }
  }

  function operand(): Arg | undefined {
    const node = term();
    if (!node) return undefined;
    if (peek().type !== 'field') return node;
    const fields: string[] = [];
    while (peek().type === 'field') fields.push(next().val.slice(1));
    switch (node.kind) {
      case 'field':
      case 'variable':
        return { ...node, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return errorf(`unexpected . after term ${JSON.stringify(argString(node))}`);
      default:
        return { kind: 'chain', pos: node.pos, node, fields };
    }
  }

  function command(): Command {
    const cmd: Command = { pos: peekNonSpace().pos, args: [] };
    for (;;) {
      peekNonSpace();
      const arg = operand();
      if (arg) cmd.args.push(arg);
      const it = next();
      if (it.type === 'space') continue;
      if (it.type === 'rightDelim' || it.type === 'rightParen') backup();
      else if (it.type !== 'pipe') unexpected(it, 'operand');
      break;
    }
    if (cmd.args.length === 0) errorf('empty command');
    return cmd;
  }

  function pipeline(context: string, end: 'rightDelim' | 'rightParen'): Pipe {
    const pipe: Pipe = { pos: peekNonSpace().pos, decl: [], isAssign: false, cmds: [] };
    // Declarations: $x := ..., $x = ..., and in range $k, $v := ...
    for (;;) {
      const v = peekNonSpace();
      if (v.type !== 'variable') break;
      const mark = index;
      nextNonSpace();
      const after = peekNonSpace();
      if (after.type === 'assign' || after.type === 'declare') {
        nextNonSpace();
        pipe.isAssign = after.type === 'assign';
        pipe.decl.push(v.val);
        vars.push(v.val);
        break;
      }
      if (after.type === 'char' && after.val === ',') {
        nextNonSpace();
        pipe.decl.push(v.val);
        vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = peekNonSpace().type;
          if (t === 'variable' || t === 'rightDelim' || t === 'rightParen') continue;
          errorf('range can only initialize variables');
        }
        errorf(`too many declarations in ${context}`);
      }
      index = mark;
      break;
    }
    for (;;) {
      const it = nextNonSpace();
      if (it.type === end) {
        if (pipe.cmds.length === 0) errorf(`missing value for ${context}`);
        pipe.cmds.slice(1).forEach((c, i) => {
          if (['bool', 'dot', 'nil', 'number', 'string'].includes(c.args[0]!.kind)) errorf(`non executable command in pipeline stage ${i + 2}`);
        });
        return pipe;
      }
      if (end === 'rightParen' && it.type === 'rightDelim') errorf(`unclosed left paren`);
      if (['bool', 'charConstant', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen'].includes(it.type)) {
        backup();
        pipe.cmds.push(command());
      } else unexpected(it, context);
    }
  }

  /** Nodes up to {{end}} or {{else}}, which is returned separately. */
  function itemList(): [Node[], Item & { node: 'end' | 'else' }] {
    const list: Node[] = [];
    while (peekNonSpace().type !== 'eof') {
      const n = textOrAction();
      if ('node' in n) return [list, n];
      list.push(n);
    }
    return errorf('unexpected EOF');
  }

  function textOrAction(): Node | (Item & { node: 'end' | 'else' }) {
    const it = nextNonSpace();
    if (it.type === 'text') return { kind: 'text', pos: it.pos, text: it.val };
    if (it.type === 'leftDelim') return action();
    return unexpected(it, 'input');
  }

  function action(): Node | (Item & { node: 'end' | 'else' }) {
    const it = nextNonSpace();
    if (it.type === 'keyword') {
      switch (it.val) {
        case 'end':
          expect('rightDelim', 'end');
          return { ...it, node: 'end' };
        case 'else': {
          if (peekNonSpace().val === 'if' && peekNonSpace().type === 'keyword') return { ...it, node: 'else' };
          if (peekNonSpace().val === 'with' && peekNonSpace().type === 'keyword') return { ...it, node: 'else' };
          expect('rightDelim', 'else');
          return { ...it, node: 'else' };
        }
        case 'if':
        case 'with':
        case 'range':
          return control(it.val, it.pos);
        case 'template':
          return templateControl();
        case 'block':
          return blockControl();
        case 'break':
        case 'continue': {
          const t = nextNonSpace();
          if (t.type !== 'rightDelim') unexpected(t, `{{${it.val}}}`);
          if (rangeDepth === 0) errorf(`{{${it.val}}} outside {{range}}`);
          return { kind: it.val, pos: it.pos };
        }
        default:
          return unexpected(it, 'command'); // {{define}} only at the top level
      }
    }
    backup();
    return { kind: 'action', pos: peekNonSpace().pos, pipe: pipeline('command', 'rightDelim') };
  }

  function templateName(context: string): [string, number] {
    const it = nextNonSpace();
    if (it.type !== 'string' && it.type !== 'rawString') return unexpected(it, context);
    return [unquote(it.val), it.pos];
  }

  const isEmpty = (list: Node[]) => list.every((n) => n.kind === 'text' && n.text.trim() === '');
  /** Go keeps one definition per name: an empty one may be replaced, two with content are an error. */
  function define(name: string, list: Node[]) {
    const old = defines.get(name);
    if (old && !isEmpty(old) && !isEmpty(list)) errorf(`template: multiple definition of template ${JSON.stringify(name)}`);
    if (!old || !isEmpty(list)) defines.set(name, list);
  }

  /** {{template "name"}} or {{template "name" pipeline}}. */
  function templateControl(): Node {
    const [name, pos] = templateName('template clause');
    if (nextNonSpace().type === 'rightDelim') return { kind: 'template', pos, name };
    backup();
    return { kind: 'template', pos, name, pipe: pipeline('template clause', 'rightDelim') };
  }

  /** Its body, with only $ in scope, as Go parses a definition. */
  function definitionBody(context: string): Node[] {
    const saved = vars;
    vars = ['$'];
    try {
      const [list, end] = itemList();
      if (end.node !== 'end') errorf(`unexpected {{${end.node}}} in ${context}`);
      return list;
    } finally {
      vars = saved;
    }
  }

  /** {{block "name" pipeline}} body {{end}}: defines the template and runs it. */
  function blockControl(): Node {
    const [name, pos] = templateName('block clause');
    const pipe = pipeline('block clause', 'rightDelim');
    define(name, definitionBody('block clause'));
    return { kind: 'template', pos, name, pipe };
  }

  function control(kind: 'if' | 'with' | 'range', pos: number): Node {
    const saved = vars.length;
    try {
      const pipe = pipeline(kind, 'rightDelim');
      if (kind === 'range') rangeDepth++;
      let list: Node[];
      let end: Item & { node: 'end' | 'else' };
      try {
        [list, end] = itemList();
      } finally {
        if (kind === 'range') rangeDepth--;
      }
      let elseList: Node[] | undefined;
      if (end.node === 'else') {
        // {{else if x}} / {{else with x}}: a nested control that consumes the one {{end}}.
        const chained = kind !== 'range' ? peekNonSpace() : undefined;
        if (chained?.type === 'keyword' && chained.val === kind) {
          nextNonSpace();
          elseList = [control(kind, chained.pos)];
        } else {
          let close: Item & { node: 'end' | 'else' };
          [elseList, close] = itemList();
          if (close.node !== 'end') errorf('expected end; found {{else}}');
        }
      }
      return { kind, pos, pipe, list, elseList };
    } finally {
      vars = vars.slice(0, saved);
    }
  }

  const root: Node[] = [];
  while (peek().type !== 'eof') {
    if (peek().type === 'leftDelim') {
      const mark = index;
      next();
      const kw = nextNonSpace();
      if (kw.type === 'keyword' && kw.val === 'define') {
        const [name] = templateName('define clause');
        expect('rightDelim', 'define clause');
        define(name, definitionBody('define clause'));
        continue;
      }
      index = mark;
    }
    const n = textOrAction();
    if ('node' in n) errorf(`unexpected {{${n.node}}}`);
    else root.push(n);
  }
  return { root, defines };
}
