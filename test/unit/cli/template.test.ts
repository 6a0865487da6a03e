// Go text/template semantics of --format. Expected outputs were checked against
// Go itself (docker 28's CLI, go1.24, via `docker version -f`, and podman's
// `info --format` for maps), or follow Go's documented rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate, formatRows, formatInspect, formatContext, TemplateError } from '../../../src/cli/template.js';
import { sprintf } from '../../../src/cli/template/fmt.js';

const data = {
  Name: '/web',
  State: { Status: 'running', Pid: 42, Running: true, Health: null },
  Config: { Labels: { 'com.x': 'a', b: 'c' }, Cmd: ['sh', '-c', 'echo hi'], Env: [] as string[] },
  NetworkSettings: { Networks: { zeta: { IPAddress: '10.0.0.3' }, alpha: { IPAddress: '10.0.0.2' } } },
  Count: 3,
  Ratio: 1.5,
};
const r = (tpl: string, d: unknown = data) => renderTemplate(tpl, d);
const parseError = (tpl: string) => {
  try {
    r(tpl);
  } catch (err) {
    assert.ok(err instanceof TemplateError);
    return err.message;
  }
  return assert.fail(`${tpl} parsed`);
};

test('fields, chains, dot and $', () => {
  assert.equal(r('{{.Name}} {{.State.Status}} {{.State.Pid}}'), '/web running 42');
  assert.equal(r('{{with .State}}{{.Status}} {{$.Name}}{{end}}'), 'running /web');
  assert.equal(r('{{.}}', 'x'), 'x');
  assert.equal(r('{{$}}', 7), '7');
  assert.equal(r('{{(index .Config.Cmd 0)}}'), 'sh');
});

test('range over maps in key order, slices with index, else, break and continue', () => {
  // The example: printed <no value> before.
  assert.equal(r('{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}'), '10.0.0.2 10.0.0.3 ');
  assert.equal(r('{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}};{{end}}'), 'alpha=10.0.0.2;zeta=10.0.0.3;');
  assert.equal(r('{{range $i, $e := .Config.Cmd}}{{$i}}:{{$e}} {{end}}'), '0:sh 1:-c 2:echo hi ');
  assert.equal(r('{{range .Config.Env}}x{{else}}none{{end}}'), 'none');
  assert.equal(r('{{range .Missing}}x{{else}}none{{end}}'), 'none');
  assert.equal(r('{{range $i, $e := split "a,b,c,d" ","}}{{if eq $e "b"}}{{continue}}{{end}}{{if eq $e "d"}}{{break}}{{end}}{{$i}}{{$e}}{{end}}'), '0a2c');
  assert.equal(r('{{range 3}}{{.}}{{end}}'), '012');
  assert.equal(r('{{range $v := .Config.Cmd}}[{{$v}}]{{end}}'), '[sh][-c][echo hi]');
});

test('if / else if / else, with, and/or/not and comparisons', () => {
  assert.equal(r('{{if eq 1 2}}a{{else if eq 1 1}}b{{else}}c{{end}}'), 'b');
  assert.equal(r('{{if .State.Running}}up{{else}}down{{end}}'), 'up');
  assert.equal(r('{{if .Missing}}y{{else}}n{{end}}'), 'n');
  assert.equal(r('{{with .Config.Env}}x{{else}}empty{{end}}'), 'empty');
  assert.equal(r('{{if and 1 0}}a{{else}}b{{end}} {{and 1 2}} {{or 0 ""}} {{or 0 "x"}} {{not 0}}'), 'b 2  x true');
  assert.equal(r('{{eq "a" "b" "a"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}'), 'true true true true true false');
  assert.equal(r('{{eq .State.Status "running"}} {{eq .Missing "x"}} {{not .Missing}}'), 'true false true');
  assert.match(parseError('{{eq "a" 1}}'), /^template parsing error: template: :1:2: executing "" at <eq "a" 1>: error calling eq: incompatible types for comparison$/);
  assert.match(parseError('{{lt true false}}'), /error calling lt: invalid type for comparison$/);
});

test('variables: declaration, assignment, scope ending with the block', () => {
  assert.equal(r('{{$x := 1}}{{$x}}{{$x = 2}}{{$x}}{{if true}}{{$x = 3}}{{$y := 4}}{{end}}{{$x}}'), '123');
  assert.equal(r('{{with $x := "v"}}{{$x}}{{.}}{{end}}'), 'vv');
  assert.equal(parseError('{{if true}}{{$y := 1}}{{end}}{{$y}}'), 'template parsing error: template: :1: undefined variable "$y"');
});

test('define, template and block', () => {
  assert.equal(r('{{define "a"}}[{{.}}]{{end}}{{template "a" "x"}}{{template "a"}}'), '[x][<no value>]');
  assert.equal(r('{{block "b" .State.Status}}<{{.}}>{{end}}|{{template "b" "z"}}'), '<running>|<z>');
  assert.equal(r('{{define "r"}}{{if .}}{{len .}}{{template "r" (slice . 1)}}{{end}}{{end}}{{template "r" "abc"}}'), '321');
  assert.equal(r('{{define "a"}}{{$}}{{end}}{{template "a" 5}}'), '5');
  assert.equal(parseError('{{$x := 1}}{{define "v"}}{{$x}}{{end}}'), 'template parsing error: template: :1: undefined variable "$x"');
  assert.equal(parseError('{{define "a"}}1{{end}}{{define "a"}}2{{end}}'), 'template parsing error: template: :1: template: multiple definition of template "a"');
  assert.equal(parseError('{{if 1}}{{define "a"}}{{end}}{{end}}'), 'template parsing error: template: :1: unexpected <define> in command');
  assert.match(parseError('{{template "nope"}}'), /:1:11: executing "" at <\{\{template "nope"\}\}>: template "nope" not defined$/);
});

test('whitespace trimming and comments', () => {
  assert.equal(r('{{- " a " -}}   {{- 3 -}}'), ' a 3');
  assert.equal(r('a  {{- /* c */ -}}  b'), 'ab');
  assert.equal(r('a {{/* c */}} b'), 'a  b');
  assert.equal(r('{{- if true -}}\n  yes\n{{- end -}}'), 'yes');
  assert.equal(parseError('x {{-.Count}}'), 'template parsing error: template: :1: bad number syntax: "-.C"'); // no trim marker without the space
});

test("Go's %v printing: maps sorted, slices in brackets, <no value> and <nil>", () => {
  assert.equal(r('{{.Config.Labels}}'), 'map[b:c com.x:a]');
  assert.equal(r('{{.Config.Cmd}}'), '[sh -c echo hi]');
  assert.equal(r('{{.Missing}}|{{.Missing.Deeper}}|{{.Config.Labels.nope}}'), '<no value>|<no value>|<no value>');
  assert.equal(r('{{index .Config.Labels "nope"}}|{{index .Config.Labels "com.x"}}'), '|a'); // map[string]string's zero value
  assert.equal(r('{{.State.Health}}|{{print .Missing}}|{{printf "%d" .Missing}}|{{json .Missing}}'), '<nil>|<nil>|%!d(<nil>)|null');
  assert.equal(r('{{.Count}} {{.Ratio}} {{.State.Running}}'), '3 1.5 true');
  assert.equal(r('{{printf "%v %v" 1234567.5 0.00001}}'), '1.2345675e+06 1e-05');
});

test('printf verbs, widths and in-band errors', () => {
  assert.equal(r('{{printf "%5.2f|%v|%q" 3.14159 .State.Status "a"}}'), ' 3.14|running|"a"');
  assert.equal(r('{{printf "%d %5d %-5d| %05d %x %X %o %b %c %q %U" 42 42 42 42 255 255 8 5 65 65 65}}'), "42    42 42   | 00042 ff FF 10 101 A 'A' U+0041");
  assert.equal(r('{{printf "%s %10s|%-10s|%.2s %q %x" "hi" "hi" "hi" "hello" "a\\"b" "hi"}}'), 'hi         hi|hi        |he "a\\"b" 6869');
  assert.equal(r('{{printf "%6.2f|%-8.3f|%+d|% d|%08.3f" 3.14159 2.5 5 5 -3.14159}}'), '  3.14|2.500   |+5| 5|-003.142');
  assert.equal(r('{{printf "%*d|%-*d|" 5 1 5 2}}'), '    1|2    |');
  assert.equal(r('{{printf "%d" "x"}} {{printf "%s" 1}} {{printf "%d %d" 1}} {{printf "%d" 1 2}}'), '%!d(string=x) %!s(int=1) 1 %!d(MISSING) 1%!(EXTRA int=2)');
  assert.equal(r('{{printf "%v %s %q" (split "a,b" ",") (split "a,b" ",") (split "a b" " ")}}'), '[a b] [a b] ["a" "b"]');
  assert.equal(r('{{printf "%x" "héllo"}} {{printf "% x" "hi"}} {{printf "%#x" 255}} {{printf "%#o" 8}}'), '68c3a96c6c6f 68 69 0xff 010');
  assert.equal(sprintf('%e %g %g %g %.3g', [1234.5678, 0.000012, 100000.5, 1e21, 1234.0]), '1.234568e+03 1.2e-05 100000.5 1e+21 1.23e+03');
  assert.equal(sprintf('%t %v %-6v|%T %T', [true, null, 'ab', 'x', 1.5]), 'true <nil> ab    |string float64');
});

test('print, println, len, index, slice, html, js, urlquery', () => {
  assert.equal(r('{{print 1 2 "a" "b" 3}}|{{println 1 "a"}}|{{print}}'), '1 2ab3|1 a\n|');
  assert.equal(r('{{len "héllo"}} {{len .Config.Cmd}} {{len .Config.Labels}}'), '6 3 2');
  assert.equal(r('{{index .Config.Cmd 1}} {{index "abc" 1}} {{index .NetworkSettings.Networks "alpha" "IPAddress"}}'), '-c 98 10.0.0.2');
  assert.equal(r('{{slice "abcdef" 1 3}} {{slice .Config.Cmd 1}} {{slice "abc" 1}}'), 'bc [-c echo hi] bc');
  assert.match(parseError('{{index .Config.Cmd 5}}'), /at <index \.Config\.Cmd 5>: error calling index: index out of range: 5$/);
  assert.match(parseError('{{slice "abc" 2 1}}'), /error calling slice: invalid slice index: 2 > 1$/);
  assert.match(parseError('{{len 3}}'), /error calling len: len of type int$/);
  assert.equal(r(`{{html "<a href='x'>&</a>"}}`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  assert.equal(r('{{js "it\'s <b>\\"x\\"</b> = 1"}}'), "it\\'s \\u003Cb\\u003E\\\"x\\\"\\u003C/b\\u003E \\u003D 1");
  assert.equal(r('{{urlquery "a b&c=d/é"}}'), 'a+b%26c%3Dd%2F%C3%A9');
  assert.equal(r('{{"x" | len}} {{3 | printf "%d"}} {{.State.Status | printf "%s-%s" "x"}}'), '1 3 x-running');
});

test("docker's functions: json, join, split, title, lower, upper, pad, truncate", () => {
  assert.equal(r('{{json .State}}'), '{"Status":"running","Pid":42,"Running":true,"Health":null}');
  assert.equal(r('{{json "a<b>"}} {{json 1.5}} {{json .Config.Cmd}}'), '"a<b>" 1.5 ["sh","-c","echo hi"]');
  assert.equal(r('{{join .Config.Cmd "-"}} {{join (split "a,b,c" ",") "+"}}'), 'sh--c-echo hi a+b+c');
  assert.equal(r('{{title "hello wORLD foo-bar"}} {{lower "ABC"}} {{upper .State.Status}}'), 'Hello WORLD Foo-Bar abc RUNNING');
  assert.equal(r('{{pad "x" 2 3}}|{{pad "" 2 3}}|{{truncate "abcdef" 3}} {{truncate "ab" 3}}'), '  x   ||abc ab');
  assert.match(parseError('{{upper 1}}'), /^template parsing error: template: :1:8: executing "" at <1>: expected string; found 1$/);
  assert.match(parseError('{{upper .Missing}}'), /at <\.Missing>: invalid value; expected string$/);
});

test("syntax errors read as Go's parser and docker report them", () => {
  assert.equal(parseError('{{.Foo}'), "template parsing error: template: :1: bad character U+007D '}'");
  assert.equal(parseError('{{.Foo'), 'template parsing error: template: :1: unclosed action');
  assert.equal(parseError('{{if 1}}x'), 'template parsing error: template: :1: unexpected EOF');
  assert.equal(parseError('{{end}}'), 'template parsing error: template: :1: unexpected {{end}}');
  assert.equal(parseError('{{nofunc 1}}'), 'template parsing error: template: :1: function "nofunc" not defined');
  assert.equal(parseError('{{$x}}'), 'template parsing error: template: :1: undefined variable "$x"');
  assert.equal(parseError('{{break}}'), 'template parsing error: template: :1: {{break}} outside {{range}}');
  assert.equal(parseError('{{ }}'), 'template parsing error: template: :1: missing value for command');
  assert.equal(parseError('{{(.X}}'), 'template parsing error: template: :1: unclosed left paren');
  assert.equal(parseError('{{.X)}}'), 'template parsing error: template: :1: unexpected right paren');
  assert.equal(parseError('{{"abc}}'), 'template parsing error: template: :1: unterminated quoted string');
  assert.equal(parseError('{{.X | 1}}'), 'template parsing error: template: :1: non executable command in pipeline stage 2');
  assert.equal(parseError('{{.X.}}'), 'template parsing error: template: :1: unexpected <.> in operand');
  assert.equal(parseError('{{"a".X}}'), 'template parsing error: template: :1: unexpected . after term "\\"a\\""');
  assert.equal(parseError('{{/* c'), 'template parsing error: template: :1: unclosed comment');
  assert.equal(parseError('{{range $a, $b, $c := .}}{{end}}'), 'template parsing error: template: :1: too many declarations in range');
  assert.equal(parseError('{{if 1}}{{else}}{{else}}{{end}}'), 'template parsing error: template: :1: expected end; found {{else}}');
  assert.equal(parseError('{{3x}}'), 'template parsing error: template: :1: bad number syntax: "3x"');
  assert.equal(parseError('line1\n{{if 1}}'), 'template parsing error: template: :2: unexpected EOF');
});

test('execution errors name the position and the action, as Go does', () => {
  assert.equal(parseError('{{.Name.Foo}}'), 'template parsing error: template: :1:2: executing "" at <.Name.Foo>: can\'t evaluate field Foo in type interface {}');
  assert.equal(parseError('ab\n  {{"a" "b"}}'), 'template parsing error: template: :2:4: executing "" at <"a">: can\'t give argument to non-function "a"');
  assert.match(parseError('{{nil}}'), /at <nil>: nil is not a command$/);
  assert.match(parseError('{{range "abc"}}{{end}}'), /:1:8: executing "" at <"abc">: range can't iterate over abc$/);
  assert.match(parseError('{{printf}}'), /wrong number of args for printf: want at least 1 got 0$/);
});

test('list formatting: table header from the column names, json, struct rows with .Label', () => {
  const rows = [
    formatContext('*formatter.ContainerContext', { ID: 'abc', Names: 'web', Status: 'Up 2 seconds' }, { tier: 'front', 'com.x': 'y' }),
    formatContext('*formatter.ContainerContext', { ID: 'defghijklmnop', Names: 'db', Status: 'Exited (0) 1 second ago' }, {}),
  ];
  const headers = { ID: 'CONTAINER ID', Names: 'NAMES', Status: 'STATUS' };
  assert.equal(
    formatRows('table {{.ID}}\\t{{.Names}}\\t{{.Status}}', rows, headers),
    'CONTAINER ID    NAMES     STATUS\nabc             web       Up 2 seconds\ndefghijklmnop   db        Exited (0) 1 second ago\n',
  );
  assert.equal(formatRows('', rows, headers, 'table {{.ID}}\t{{.Names}}'), formatRows('table', rows, headers, 'table {{.ID}}\t{{.Names}}'));
  assert.equal(formatRows('{{.Names}}: {{.Label "tier"}}|{{.Labels}}', rows, headers), 'web: front|tier=front,com.x=y\ndb: |\n');
  assert.equal(formatRows('json', rows.slice(0, 1), headers), '{"ID":"abc","Labels":"tier=front,com.x=y","Names":"web","Status":"Up 2 seconds"}\n');
  assert.equal(formatRows('{{if eq .Names "db"}}{{.ID}}{{end}}', rows, headers), '\ndefghijklmnop\n');
  assert.equal(formatRows('table {{upper .Names}}', rows, headers), 'NAMES\nWEB\nDB\n'); // header functions leave names alone
  assert.throws(() => formatRows('{{.Nope}}', rows, headers), {
    message: 'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext',
  });
  assert.throws(() => formatRows('{{.ID', rows, headers), (err: unknown) => err instanceof TemplateError && err.exitCode === 1);
});

test('inspect formatting: indented JSON, compact "json", template per object, parse errors exit 64', () => {
  assert.equal(formatInspect(undefined, [{ a: 1 }]), '[\n    {\n        "a": 1\n    }\n]\n');
  assert.equal(formatInspect('json', [{ a: 1 }, { a: 2 }]), '[{"a":1},{"a":2}]\n');
  assert.equal(formatInspect('{{.a}}', [{ a: 1 }, { a: 2 }]), '1\n2\n');
  assert.throws(() => formatInspect('{{.a', [{ a: 1 }]), (err: unknown) => err instanceof TemplateError && err.exitCode === 64);
  assert.throws(() => formatInspect('{{.a.b}}', [{ a: 'x' }]), (err: unknown) => err instanceof TemplateError && err.exitCode === 1);
});
