// Go's text/tabwriter as docker sets it up (minwidth 10, padding 3): the
// expected outputs follow the package's documented elastic-tabstop rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tabwrite, tabulate, displayWidth } from '../../../src/cli/tabwriter.js';

test('columns are padded to the widest cell plus 3, at least 10; the last cell is not padded', () => {
  assert.equal(tabwrite('NAME\tID\nverylongname1\tx\n'), 'NAME            ID\nverylongname1   x\n');
  assert.equal(tabwrite('a\tb\tc\n'), 'a         b         c\n');
});

test('a tab-terminated last cell is padded (trailing spaces, as docker prints them)', () => {
  assert.equal(tabwrite('a\tb\t\n'), 'a         b         \n');
  assert.equal(tabwrite('x\t\ty\n'), 'x                   y\n');
});

test('a column is only as wide as its block of consecutive lines that have it', () => {
  // The doc's example: b and c are distinct columns, d and e in none.
  assert.equal(
    tabwrite('aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n', { minwidth: 0, padding: 1 }),
    'aaaa bbb d\naa   b   dd\na    \naa   cccc eee\n',
  );
  assert.equal(tabwrite('header line\nk\tv\nlonger key\tv\n'), 'header line\nk            v\nlonger key   v\n');
});

test('text after the last newline is written without one; wide characters count twice', () => {
  assert.equal(tabwrite('a\tb'), 'a         b');
  assert.equal(displayWidth('日本'), 4);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(tabulate([['名前', 'x'], ['ab', 'y']]), '名前      x\nab        y\n');
  assert.equal(tabulate([['PID', 'CMD'], ['1', 'sleep 1000']], { minwidth: 20, padding: 3 }), 'PID                 CMD\n1                   sleep 1000\n');
});
