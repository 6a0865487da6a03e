// Execution of a parsed template, with Go's rules: a missing map key is
// "<no value>" (and so is any field of it), a struct's missing field is an
// error, if/with/range test Go's truth, range walks arrays, integers and maps
// in sorted key order, and errors read
// `template: :1:2: executing "" at <.X>: can't evaluate field X in type T`.
import { formatValue, goTypeName, entriesOf, isMap, isStruct } from './fmt.js';
import { argString, commandString, type Arg, type Command, type Node, type Pipe, type Tree } from './parse.js';

/** What a function's parameter accepts; "value" passes a missing value through, as Go's reflect.Value parameters do. */
export type Param = 'any' | 'value' | 'string' | 'int' | '[]string';

export interface Builtin {
  params: Param[];
  /** The last parameter repeats (Go's ...T). */
  variadic?: boolean;
  fn(...args: unknown[]): unknown;
}

/** Thrown by a function: reported as "error calling NAME: message". */
export class FuncError extends Error {}

export class TemplateExecError extends Error {
  /** What the template wrote before it failed (docker keeps a table header's partial output). */
  partial = '';
}

/** No argument came from a previous pipeline stage (Go's missingVal). */
const NO_FINAL: unique symbol = Symbol('noFinal');
type Final = unknown | typeof NO_FINAL;

class BreakSignal {}
class ContinueSignal {}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return entriesOf(v).length > 0;
  return true;
}

interface Located {
  pos: number;
}

/** Go's limit on nested {{template}} calls. */
const MAX_DEPTH = 100000;

export function execute(text: string, tree: Tree, data: unknown, funcs: Record<string, Builtin>): string {
  let out = '';
  let vars: { name: string; value: unknown }[] = [{ name: '$', value: data }];
  let depth = 0;

  const fail = (node: Located & { str: string }, message: string): never => {
    const before = text.slice(0, node.pos);
    const nl = before.lastIndexOf('\n');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = nl < 0 ? node.pos : node.pos - nl - 1;
    throw new TemplateExecError(`template: :${line}:${col}: executing "" at <${node.str}>: ${message}`);
  };
  const at = (a: Arg) => ({ pos: a.pos, str: argString(a) });
  const atCmd = (c: Command) => ({ pos: c.pos, str: commandString(c) });

  const lookupVar = (name: string): unknown => {
    for (let i = vars.length - 1; i >= 0; i--) if (vars[i]!.name === name) return vars[i]!.value;
    return undefined; // the parser has checked every variable is declared
  };
  const setVar = (pipe: Pipe, name: string, value: unknown) => {
    for (let i = vars.length - 1; i >= 0; i--) {
      if (vars[i]!.name === name) {
        vars[i]!.value = value;
        return;
      }
    }
    fail({ pos: pipe.pos, str: pipeStr(pipe) }, `undefined variable: ${name}`);
  };

  function walk(dot: unknown, nodes: Node[]): void {
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out += node.text;
          break;
        case 'action': {
          const v = evalPipeline(dot, node.pipe);
          if (node.pipe.decl.length === 0) {
            if (typeof v === 'function') fail({ pos: node.pipe.pos, str: `{{${pipeStr(node.pipe)}}}` }, `can't print {{${pipeStr(node.pipe)}}} of type func`);
            out += v === undefined ? '<no value>' : formatValue(v, { verb: 'v', minus: false, plus: false, sharp: false, space: false, zero: false });
          }
          break;
        }
        case 'if':
        case 'with': {
          const mark = vars.length;
          const v = evalPipeline(dot, node.pipe);
          if (truth(v)) walk(node.kind === 'with' ? v : dot, node.list);
          else if (node.elseList) walk(dot, node.elseList);
          vars.length = mark;
          break;
        }
        case 'range':
          walkRange(dot, node);
          break;
        case 'template': {
          const where = { pos: node.pos, str: `{{template ${JSON.stringify(node.name)}${node.pipe ? ` ${pipeStr(node.pipe)}` : ''}}}` };
          const body = tree.defines.get(node.name);
          if (!body) fail(where, `template ${JSON.stringify(node.name)} not defined`);
          if (depth >= MAX_DEPTH) fail(where, `exceeded maximum template depth (${MAX_DEPTH})`);
          const value = node.pipe ? evalPipeline(dot, node.pipe) : undefined;
          // A template runs with its own variables: only $, its dot.
          const saved = vars;
          vars = [{ name: '$', value }];
          depth++;
          try {
            walk(value, body!);
          } finally {
            depth--;
            vars = saved;
          }
          break;
        }
        case 'break':
          throw new BreakSignal();
        case 'continue':
          throw new ContinueSignal();
      }
    }
  }

  const pipeStr = (p: Pipe) => p.cmds.map(commandString).join(' | ');

  function walkRange(dot: unknown, node: Extract<Node, { list: Node[] }>): void {
    const mark = vars.length;
    const v = evalPipeline(dot, node.pipe);
    const decl = node.pipe.decl;
    let pairs: [unknown, unknown][];
    if (v === undefined || v === null) pairs = [];
    else if (Array.isArray(v)) pairs = v.map((x, i) => [i, x]);
    else if (typeof v === 'number' && Number.isInteger(v)) {
      if (decl.length > 1) fail({ pos: node.pipe.pos, str: pipeStr(node.pipe) }, `can't use ${v} to iterate over more than one variable`);
      pairs = Array.from({ length: Math.max(0, v) }, (_, i) => [i, i]);
    } else if (isMap(v)) {
      pairs = entriesOf(v)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, x]);
    } else {
      return fail({ pos: node.pipe.pos, str: pipeStr(node.pipe) }, `range can't iterate over ${formatValue(v, { verb: 'v', minus: false, plus: false, sharp: false, space: false, zero: false })}`);
    }
    if (pairs.length === 0) {
      vars.length = mark;
      if (node.elseList) walk(dot, node.elseList);
      return;
    }
    const base = vars.length;
    for (const [key, elem] of pairs) {
      if (decl.length === 1) setVar(node.pipe, decl[0]!, elem);
      else if (decl.length === 2) {
        setVar(node.pipe, decl[0]!, key);
        setVar(node.pipe, decl[1]!, elem);
      }
      try {
        walk(elem, node.list);
      } catch (signal) {
        if (signal instanceof BreakSignal) break;
        if (!(signal instanceof ContinueSignal)) throw signal;
      } finally {
        vars.length = base;
      }
    }
    vars.length = mark;
  }

  function evalPipeline(dot: unknown, pipe: Pipe): unknown {
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) value = evalCommand(dot, cmd, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) setVar(pipe, name, value);
      else vars.push({ name, value });
    }
    return value;
  }

  function notAFunction(args: Arg[], final: Final) {
    if (args.length > 1 || final !== NO_FINAL) fail(at(args[0]!), `can't give argument to non-function ${argString(args[0]!)}`);
  }

  function evalCommand(dot: unknown, cmd: Command, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field':
        return evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain':
        return evalChain(dot, first, cmd.args, final);
      case 'identifier':
        return evalFunction(dot, first.name, cmd, cmd.args, final);
      case 'variable':
        return evalVariable(dot, first, cmd.args, final);
      case 'pipe': {
        notAFunction(cmd.args, final);
        const mark = vars.length;
        const v = evalPipeline(dot, first.pipe);
        vars.length = mark;
        return v;
      }
      case 'nil':
        return fail(at(first), 'nil is not a command');
      default:
        notAFunction(cmd.args, final);
        return constant(dot, first);
    }
  }

  function constant(dot: unknown, a: Arg): unknown {
    switch (a.kind) {
      case 'dot':
        return dot;
      case 'bool':
      case 'number':
      case 'string':
        return a.value;
      default:
        return null;
    }
  }

  function evalChain(dot: unknown, chain: Extract<Arg, { kind: 'chain' }>, args: Arg[], final: Final): unknown {
    if (chain.node.kind === 'nil') fail(at(chain), `indirection through explicit nil in ${argString(chain)}`);
    const receiver = evalArg(dot, chain.node);
    return evalFieldChain(dot, receiver, chain, chain.fields, args, final);
  }

  function evalVariable(dot: unknown, v: Extract<Arg, { kind: 'variable' }>, args: Arg[], final: Final): unknown {
    const value = lookupVar(v.ident[0]!);
    if (v.ident.length === 1) {
      notAFunction(args, final);
      return value;
    }
    return evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  function evalFieldChain(dot: unknown, receiver: unknown, node: Arg, ident: string[], args: Arg[], final: Final): unknown {
    for (let i = 0; i < ident.length - 1; i++) receiver = evalField(dot, ident[i]!, node, [], NO_FINAL, receiver);
    return evalField(dot, ident[ident.length - 1]!, node, args, final, receiver);
  }

  function evalField(dot: unknown, name: string, node: Arg, args: Arg[], final: Final, receiver: unknown): unknown {
    // A missing key's fields are missing too; so are a null's (docker falls back to the raw JSON, where such keys are absent).
    if (receiver === undefined || receiver === null) return undefined;
    const hasArgs = args.length > 1 || final !== NO_FINAL;
    if (typeof receiver === 'object') {
      const method = (receiver as Record<string, unknown>)[name];
      if (typeof method === 'function' && Object.hasOwn(receiver, name)) {
        const values = args.slice(1).map((a) => evalArg(dot, a));
        if (final !== NO_FINAL) values.push(final);
        try {
          return (method as (...a: unknown[]) => unknown)(...values);
        } catch (err) {
          return fail(at(node), `error calling ${name}: ${(err as Error).message}`);
        }
      }
      if (isStruct(receiver)) {
        if (!Object.hasOwn(receiver, name)) fail(at(node), `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
        if (hasArgs) fail(at(node), `${name} has arguments but cannot be invoked as function`);
        return receiver[name];
      }
      if (isMap(receiver)) {
        if (hasArgs) fail(at(node), `${name} is not a method but has arguments`);
        return Object.hasOwn(receiver, name) ? receiver[name] : undefined;
      }
    }
    return fail(at(node), `can't evaluate field ${name} in type interface {}`);
  }

  function evalArg(dot: unknown, a: Arg): unknown {
    switch (a.kind) {
      case 'field':
        return evalFieldChain(dot, dot, a, a.ident, [a], NO_FINAL);
      case 'variable':
        return evalVariable(dot, a, [a], NO_FINAL);
      case 'pipe': {
        const mark = vars.length;
        const v = evalPipeline(dot, a.pipe);
        vars.length = mark;
        return v;
      }
      case 'identifier':
        return evalFunction(dot, a.name, { pos: a.pos, args: [a] }, [a], NO_FINAL);
      case 'chain':
        return evalChain(dot, a, [a], NO_FINAL);
      default:
        return constant(dot, a);
    }
  }

  /** Go's argument checks: a literal of the wrong kind is "expected string; found 1", a computed value "wrong type for value; ...". */
  function checkParam(where: { pos: number; str: string }, p: Param, v: unknown, literal?: Arg): unknown {
    if (p === 'value') return v;
    if (p === 'any') return v === undefined ? null : v;
    if (literal && ['number', 'string', 'bool', 'nil'].includes(literal.kind)) {
      const fits = p === 'string' ? literal.kind === 'string' : p === 'int' ? literal.kind === 'number' && Number.isInteger(v) : false;
      if (!fits) {
        if (p === '[]string') fail(at(literal), `can't handle ${argString(literal)} for arg of type []string`);
        fail(at(literal), `expected ${p === 'int' ? 'integer' : p}; found ${argString(literal)}`);
      }
      return v;
    }
    if (v === undefined) return fail(where, `invalid value; expected ${p}`);
    const ok =
      p === 'string' ? typeof v === 'string' : p === 'int' ? typeof v === 'number' && Number.isInteger(v) : Array.isArray(v) && v.every((x) => typeof x === 'string');
    if (!ok) fail(where, `wrong type for value; expected ${p}; got ${goTypeName(v)}`);
    return v;
  }

  function evalFunction(dot: unknown, name: string, cmd: Command, args: Arg[], final: Final): unknown {
    const f = funcs[name]!;
    const given = args.length - 1 + (final === NO_FINAL ? 0 : 1);
    const want = f.params.length;
    if (f.variadic ? given < want - 1 : given !== want) {
      fail(atCmd(cmd), `wrong number of args for ${name}: want ${f.variadic ? 'at least ' : ''}${f.variadic ? want - 1 : want} got ${given}`);
    }
    const paramAt = (i: number) => f.params[Math.min(i, want - 1)]!;
    // and/or evaluate their arguments only until the result is known.
    if (name === 'and' || name === 'or') {
      let v: unknown;
      for (const a of args.slice(1)) {
        v = evalArg(dot, a);
        if (truth(v) === (name === 'or')) return v;
      }
      return final === NO_FINAL ? v : final;
    }
    const values = args.slice(1).map((a, i) => checkParam(at(a), paramAt(i), evalArg(dot, a), a));
    if (final !== NO_FINAL) values.push(checkParam(atCmd(cmd), paramAt(values.length), final));
    try {
      return f.fn(...values);
    } catch (err) {
      if (err instanceof FuncError) return fail(atCmd(cmd), `error calling ${name}: ${err.message}`);
      throw err;
    }
  }

  try {
    walk(data, tree.root);
  } catch (err) {
    if (err instanceof TemplateExecError) err.partial = out;
    throw err;
  }
  return out;
}
