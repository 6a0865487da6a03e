import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileInLayers, UNDECIDED } from '../../../src/images/snapshots/layered-read.js';

/** Layer directories under a temp dir, built from path -> content ("dir", "whiteout", "symlink:<target>" or file text). */
function layers(...specs: Record<string, string>[]): { dirs: string[]; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'layered-read-'));
  const dirs = specs.map((spec, i) => {
    const dir = join(base, String(i));
    mkdirSync(dir);
    for (const [path, what] of Object.entries(spec)) {
      const p = join(dir, path);
      mkdirSync(join(p, '..'), { recursive: true });
      if (what === 'dir') mkdirSync(p, { recursive: true });
      else if (what === 'whiteout') execFileSync('mknod', [p, 'c', '0', '0']);
      else if (what.startsWith('symlink:')) symlinkSync(what.slice('symlink:'.length), p);
      else writeFileSync(p, what);
    }
    return dir;
  });
  return { dirs, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

const asRoot = { skip: process.getuid?.() !== 0 && 'mknod needs root' };

test('the topmost layer holding a path decides; an empty top layer over one image layer is decided', () => {
  const l = layers({}, { 'etc/passwd': 'lower' });
  try {
    assert.equal(readFileInLayers(l.dirs, 'etc/passwd'), 'lower');
    assert.equal(readFileInLayers(l.dirs, 'etc/group'), undefined);
    assert.equal(readFileInLayers(l.dirs, 'etc'), undefined);
  } finally {
    l.cleanup();
  }
  const top = layers({ 'etc/passwd': 'upper' }, { 'etc/passwd': 'lower' });
  try {
    assert.equal(readFileInLayers(top.dirs, 'etc/passwd'), 'upper');
  } finally {
    top.cleanup();
  }
});

test('whiteouts hide lower layers: 0/0 char devices and .wh. files, for the file or a directory on the way', asRoot, () => {
  const l = layers({ etc: 'whiteout' }, { 'etc/passwd': 'x' });
  const f = layers({ 'etc/.wh.passwd': '' }, { 'etc/passwd': 'x' });
  const c = layers({ 'etc/passwd': 'whiteout' }, { 'etc/passwd': 'x' });
  try {
    assert.equal(readFileInLayers(l.dirs, 'etc/passwd'), undefined);
    // The answer would come from below the top layer's etc/, which could be opaque by xattr,
    // but a whiteout or .wh. file in that same directory decides it.
    assert.equal(readFileInLayers(f.dirs, 'etc/passwd'), undefined);
    assert.equal(readFileInLayers(c.dirs, 'etc/passwd'), undefined);
  } finally {
    for (const x of [l, f, c]) x.cleanup();
  }
});

test('a directory above the answer may be opaque by xattr: undecided; an opaque marker file decides', () => {
  const l = layers({ 'etc/hosts': 'mine' }, { 'etc/passwd': 'image' });
  const marked = layers({ 'etc/.wh..wh..opq': '', 'etc/hosts': 'mine' }, { 'etc/passwd': 'image' });
  const threeLayers = layers({}, { 'etc/group': 'g' }, { 'etc/passwd': 'base' });
  try {
    assert.equal(readFileInLayers(l.dirs, 'etc/passwd'), UNDECIDED);
    assert.equal(readFileInLayers(marked.dirs, 'etc/passwd'), undefined);
    assert.equal(readFileInLayers(threeLayers.dirs, 'etc/group'), 'g');
    assert.equal(readFileInLayers(threeLayers.dirs, 'etc/passwd'), UNDECIDED);
  } finally {
    for (const x of [l, marked, threeLayers]) x.cleanup();
  }
});

test('symlinks are not followed and non-directories hide what lies below', () => {
  const link = layers({}, { etc: 'symlink:/elsewhere', 'elsewhere/passwd': 'x' });
  const fileLink = layers({}, { 'etc/passwd': 'symlink:../p', p: 'x' });
  const fileOverDir = layers({ etc: 'a file' }, { 'etc/passwd': 'x' });
  const dirOverFile = layers({}, { 'etc/passwd': 'dir' }, { 'etc/passwd': 'x' });
  try {
    assert.equal(readFileInLayers(link.dirs, 'etc/passwd'), undefined);
    assert.equal(readFileInLayers(fileLink.dirs, 'etc/passwd'), undefined);
    assert.equal(readFileInLayers(fileOverDir.dirs, 'etc/passwd'), undefined);
    assert.equal(readFileInLayers(dirOverFile.dirs, 'etc/passwd'), undefined);
  } finally {
    for (const x of [link, fileLink, fileOverDir, dirOverFile]) x.cleanup();
  }
});
