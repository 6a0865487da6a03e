// --format for every command: Go's text/template (template/) with docker's
// functions, and docker's two ways of using it: inspect (the template per
// object, "json" for compact JSON) and list formatting (a "table" prefix adds a
// header row and aligns columns with the tabwriter, "json" is {{json .}}).
import { parse, TemplateSyntaxError, type Tree } from './template/parse.js';
import { execute, TemplateExecError } from './template/exec.js';
import { FUNCTIONS, HEADER_FUNCTIONS } from './template/funcs.js';
import { GO_TYPE, type GoStruct } from './template/fmt.js';
import { tabwrite } from './tabwriter.js';
import { TemplateError } from './template-error.js';

/** A bad or failing --format template; the message is docker's, the exit code docker's for that command. */
export { TemplateError };

export interface Template {
  /** Runs the template over one value; throws TemplateError with docker's "template parsing error: ..." text. */
  execute(data: unknown): string;
}

const hasFunction = (name: string) => Object.hasOwn(FUNCTIONS, name);

/**
 * Parses a template as docker's templates.Parse does. `parseExitCode` is what a
 * syntax error exits with: 64 for inspect (docker's cli.StatusError), else 1.
 */
export function parseTemplate(text: string, parseExitCode = 1): Template {
  let tree: Tree;
  try {
    tree = parse(text, hasFunction);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new TemplateError(`template parsing error: ${err.message}`, parseExitCode);
    throw err;
  }
  return {
    execute(data) {
      try {
        return execute(text, tree, data, FUNCTIONS);
      } catch (err) {
        if (err instanceof TemplateExecError) throw new TemplateError(`template parsing error: ${err.message}`, 1);
        throw err;
      }
    },
  };
}

/** One template over one value (info, events, version). */
export const renderTemplate = (tpl: string, data: unknown): string => parseTemplate(tpl).execute(data);

/**
 * docker's inspect output: without a format an indented JSON array, "json" a
 * compact one, else the template once per object, each followed by a newline.
 */
export function formatInspect(format: string | undefined, objects: unknown[]): string {
  if (!format) return JSON.stringify(objects, null, 4) + '\n';
  if (format === 'json') return JSON.stringify(objects) + '\n';
  const tpl = parseTemplate(format, 64);
  if (objects.length === 0) return '\n';
  return objects.map((o) => tpl.execute(o) + '\n').join('');
}

/**
 * A row of a list command as docker's formatting contexts are: a Go struct, so a
 * field that does not exist is an error, and .Labels / .Label "key" methods.
 */
export function formatContext<T extends Record<string, unknown>>(type: string, fields: T, labels?: Record<string, string>): T & GoStruct {
  const row = { ...fields, [GO_TYPE]: type } as T & GoStruct;
  if (labels) {
    Object.assign(row, {
      Labels: Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      Label: (name: unknown) => labels[String(name)] ?? '',
    });
  }
  return row;
}

/**
 * The --format value of a list command, as docker's formatter.Context.Write
 * handles it: "" and "table" mean the command's default table, "json" is
 * {{json .}}, "table ..." adds a header row (the same template over the column
 * names) and aligns the output with the tabwriter; \t and \n are unescaped.
 */
export function formatRows(format: string, rows: readonly object[], headers: Record<string, string>, defaultTable?: string): string {
  if (!format || format === 'table') format = defaultTable ?? format;
  const isTable = format.startsWith('table');
  let body = isTable ? format.slice('table'.length) : format === 'json' ? '{{json .}}' : format;
  body = body.replace(/^ +| +$/g, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  let tree: Tree;
  try {
    tree = parse(body, hasFunction);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new TemplateError(`template parsing error: ${err.message}`, 1);
    throw err;
  }
  let out = '';
  for (const row of rows) {
    try {
      out += execute(body, tree, row, FUNCTIONS) + '\n';
    } catch (err) {
      if (err instanceof TemplateExecError) throw new TemplateError(`template parsing error: ${err.message}`, 1);
      throw err;
    }
  }
  if (!isTable) return out;
  // Columns without a header of their own are titled by their name, upper-cased.
  const names: Record<string, string> = {};
  for (const row of rows) for (const k of Object.keys(row)) names[k] = k.toUpperCase();
  let header: string;
  try {
    header = execute(body, tree, { ...names, ...headers }, HEADER_FUNCTIONS);
  } catch (err) {
    // docker ignores a header row's errors (e.g. .Label "x" on the names map) and keeps what was written.
    if (!(err instanceof TemplateExecError)) throw err;
    header = err.partial;
  }
  return tabwrite(`${header}\n${out}`);
}
