// Management command groups, docker's group help and cobra's suggestions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCommand, groupVerb, suggestionsFor } from '../../../src/cli/resolve.js';
import { unknownCommand, groupHelp } from '../../../src/cli/help.js';

const has = () => true;

test('group verbs resolve to their modules; a group takes only its own verbs', () => {
  assert.deepEqual(resolveCommand(['container', 'ls'], has), ['ps', 2]);
  assert.deepEqual(resolveCommand(['container', 'list'], has), ['ps', 2]);
  assert.deepEqual(resolveCommand(['container', 'attach', 'x'], has), ['attach', 2]);
  assert.deepEqual(resolveCommand(['container', 'prune'], has), ['container-prune', 2]);
  assert.deepEqual(resolveCommand(['image', 'pull', 'busybox'], has), ['pull', 2]);
  assert.deepEqual(resolveCommand(['image', 'remove'], has), ['rmi', 2]);
  assert.deepEqual(resolveCommand(['network', 'connect'], has), ['network-connect', 2]);
  assert.deepEqual(resolveCommand(['system', 'df'], has), ['system-df', 2]);
  assert.equal(resolveCommand(['container', 'images'], has), undefined);
  assert.equal(resolveCommand(['container', '--help'], has), undefined);
  assert.equal(resolveCommand(['container'], has), undefined);
  assert.equal(groupVerb('container', 'ps'), 'ls');
});

test("cobra's suggestions: Levenshtein distance up to 2, or a prefix", () => {
  assert.deepEqual(suggestionsFor('pss', ['images', 'ps', 'pull', 'push', 'run']), ['ps', 'push']);
  assert.deepEqual(suggestionsFor('contaner', ['container', 'cp', 'create']), ['container']);
  assert.deepEqual(suggestionsFor('ima', ['image', 'images', 'import']), ['image', 'images']);
  assert.deepEqual(suggestionsFor('RUN', ['run']), ['run']);
  assert.deepEqual(suggestionsFor('zzzzzz', ['run']), []);
});

test("unknown commands: docker's message, the group's help pointer, and near misses", () => {
  assert.equal(unknownCommand(['frobnicate'], 'gantry'), "gantry: 'frobnicate' is not a gantry command.\nSee 'gantry --help'\n");
  assert.match(unknownCommand(['foo'], 'gantry'), /\n\nDid you mean this\?\n\ttop\n$/);
  assert.equal(unknownCommand(['container', 'lss'], 'gantry'), "gantry: 'container lss' is not a gantry command.\nSee 'gantry container --help'\n\nDid you mean this?\n\tlogs\n\tls\n");
});

test("group help lists the group's verbs in docker's layout", async () => {
  const text = (await groupHelp('volume', 'gantry'))!;
  assert.match(text, /^\nUsage: {2}gantry volume COMMAND\n\nManage volumes\n\nCommands:\n {2}create {6}Create a volume/);
  assert.match(text, /\n {2}rm {10}Remove one or more volumes\n\nRun 'gantry volume COMMAND --help' for more information on a command\.\n$/);
  assert.equal(await groupHelp('nope', 'gantry'), undefined);
});
