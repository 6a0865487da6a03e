import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../../src/build/dockerfile/parse.js';
import { expandWord, expandWords, lookupIn } from '../../../src/build/dockerfile/expand.js';

test('instructions, continuations, comments, flags and forms', () => {
  const df = parseDockerfile(`# syntax=docker/dockerfile:1
ARG BASE=busybox
FROM --platform=linux/amd64 \${BASE} AS Build
# a comment
RUN echo a \\
  # inside
  && echo b
CMD ["sh", "-c", "echo hi"]
ENTRYPOINT echo x
COPY --from=build --chown=1:1 a b /dst/
ENV A=1 B="two words" C=3
ENV LEGACY some value
LABEL "com.x"="y"
HEALTHCHECK --interval=5s CMD ["true"]
ONBUILD RUN echo on
VOLUME ["/data"]
EXPOSE 80/tcp 53/udp
`);
  assert.equal(df.directives.syntax, 'docker/dockerfile:1');
  const [arg, from, run, cmd, ep, copy, env, legacy, label, hc, onbuild, vol, expose] = df.instructions;
  assert.deepEqual(arg!.args, ['BASE=busybox']);
  assert.deepEqual(from!.flags, { platform: ['linux/amd64'] });
  assert.equal(from!.stageName, 'build');
  assert.equal(run!.args[0], 'echo a   && echo b');
  assert.equal(run!.line, 5);
  assert.deepEqual(cmd!.args, ['sh', '-c', 'echo hi']);
  assert.equal(cmd!.json, true);
  assert.deepEqual(ep!.args, ['echo x']);
  assert.deepEqual(copy!.flags, { from: ['build'], chown: ['1:1'] });
  assert.deepEqual(copy!.args, ['a', 'b', '/dst/']);
  assert.deepEqual(env!.pairs, [['A', '1'], ['B', '"two words"'], ['C', '3']]);
  assert.deepEqual(legacy!.pairs, [['LEGACY', 'some value']]);
  assert.deepEqual(label!.pairs, [['"com.x"', '"y"']]);
  assert.deepEqual(hc!.args, ['true']);
  assert.deepEqual(hc!.flags, { interval: ['5s'] });
  assert.equal(onbuild!.inner!.keyword, 'RUN');
  assert.deepEqual(vol!.args, ['/data']);
  assert.deepEqual(expose!.args, ['80/tcp', '53/udp']);
});

test('escape directive and heredocs', () => {
  const df = parseDockerfile("# escape=`\nFROM scratch\nRUN echo a `\n  b\nRUN <<EOF\necho one\necho two\nEOF\nCOPY <<-EOT /f\n\thello\n\tEOT\n");
  assert.equal(df.directives.escape, '`');
  assert.equal(df.instructions[1]!.args[0], 'echo a   b');
  assert.deepEqual(df.instructions[2]!.heredocs, [{ name: 'EOF', content: 'echo one\necho two\n', expand: true, chomp: false }]);
  assert.deepEqual(df.instructions[3]!.heredocs[0]!.content, 'hello\n');
  assert.deepEqual(df.instructions[3]!.args, ['<<-EOT', '/f']);
});

test('errors name the line', () => {
  assert.throws(() => parseDockerfile('FROM busybox\nFOO bar\n'), /dockerfile parse error on line 2: unknown instruction: FOO/);
  assert.throws(() => parseDockerfile('RUN true\n'), /no build stage in current context/);
  assert.throws(() => parseDockerfile('\n# only\n'), /file with no instructions/);
  assert.throws(() => parseDockerfile('FROM a\nCOPY --bogus=1 a b\n'), /line 2: unknown flag: --bogus/);
  assert.throws(() => parseDockerfile('FROM a\nSHELL sh -c\n'), /SHELL requires the arguments to be in JSON form/);
});

test('variable substitution and quotes', () => {
  const env = lookupIn(['A=1', 'EMPTY=', 'P=/usr/bin']);
  assert.equal(expandWord('$A-${A}', env), '1-1');
  assert.equal(expandWord('${MISSING:-dflt}', env), 'dflt');
  assert.equal(expandWord('${EMPTY:-dflt}', env), 'dflt');
  assert.equal(expandWord('${EMPTY-dflt}', env), '');
  assert.equal(expandWord('${A:+set}', env), 'set');
  assert.equal(expandWord('${MISSING:+set}', env), '');
  assert.equal(expandWord("'$A'", env), '$A');
  assert.equal(expandWord('"$A \\$A"', env), '1 $A');
  assert.equal(expandWord('\\$A', env), '$A');
  assert.equal(expandWord('${P}:/x', env), '/usr/bin:/x');
  assert.deepEqual(expandWords('a "b c" $A', env), ['a', 'b c', '1']);
  assert.throws(() => expandWord('${MISSING:?needed}', env), /MISSING: needed/);
});

import { isIgnored, parseDockerignore } from '../../../src/build/dockerignore.js';

test('.dockerignore patterns', () => {
  const p = parseDockerignore('# comment\nnode_modules\n*.log\n!keep.log\n/build/**\n**/*.tmp\ndocs/?.md\n');
  assert.equal(isIgnored('node_modules/x/y.js', p), true);
  assert.equal(isIgnored('a.log', p), true);
  assert.equal(isIgnored('keep.log', p), false);
  assert.equal(isIgnored('sub/a.log', p), false); // *.log is root-only
  assert.equal(isIgnored('build/out/bin', p), true);
  assert.equal(isIgnored('x/y/z.tmp', p), true);
  assert.equal(isIgnored('z.tmp', p), true);
  assert.equal(isIgnored('docs/a.md', p), true);
  assert.equal(isIgnored('docs/ab.md', p), false);
  assert.equal(isIgnored('src/main.ts', p), false);
});
