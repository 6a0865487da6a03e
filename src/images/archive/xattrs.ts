// Reads a tree's extended attributes with one `getfattr -R` run (Node has no
// xattr API): used when writing tars (commit, export) and to find overlay opaque dirs.
import { spawn } from 'node:child_process';

/** getfattr escapes unusual bytes in names as \ooo octal. */
function unescapePath(s: string): string {
  return Buffer.from(
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
    'latin1',
  ).toString('utf8');
}

/** Map of absolute path → (xattr name → value) for every path under dir that has any. */
export function readTreeXattrs(dir: string): Promise<Map<string, Map<string, Buffer>>> {
  return new Promise((resolve, reject) => {
    const child = spawn('getfattr', ['-R', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new Error(`read xattrs: ${err.message}`)));
    child.on('close', (code) => {
      if (code !== 0 && stderr.trim() !== '') return reject(new Error(`read xattrs: ${stderr.trim()}`));
      const result = new Map<string, Map<string, Buffer>>();
      let current: Map<string, Buffer> | undefined;
      for (const line of Buffer.concat(out).toString('latin1').split('\n')) {
        if (line.startsWith('# file: ')) {
          current = new Map();
          result.set(unescapePath(line.slice(8)), current);
        } else if (current && line.includes('=')) {
          const i = line.indexOf('=');
          const value = line.slice(i + 1);
          current.set(line.slice(0, i), value.startsWith('0x') ? Buffer.from(value.slice(2), 'hex') : Buffer.alloc(0));
        }
      }
      resolve(result);
    });
  });
}
