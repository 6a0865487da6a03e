// Running small host tools (ip, nft) that take their commands on stdin.
import { spawn } from 'node:child_process';

/** Runs a program with stdin; rejects with its stderr. */
export function runWithInput(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: ${Buffer.concat(err).toString().trim() || `exit status ${code}`}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
