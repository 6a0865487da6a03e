// Executes one CNI plugin binary per the CNI protocol: parameters in the
// environment, the derived network config on stdin, result or error on stdout.
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { GantryError, internal, invalidArgument, notFound } from '../../errdefs/index.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

export interface PluginInvocation {
  command: CniCommand;
  containerId?: string;
  netns?: string;
  ifName?: string;
  args?: Record<string, string>;
  cniPath: string[];
  stdin: object;
}

const binaryCache = new Map<string, string>();

export async function findPlugin(type: string, cniPath: string[]): Promise<string> {
  const key = `${type}\0${cniPath.join(':')}`;
  const cached = binaryCache.get(key);
  if (cached) return cached;
  if (!/^[A-Za-z0-9_.-]+$/.test(type)) throw invalidArgument(`invalid CNI plugin type ${JSON.stringify(type)}`);
  for (const dir of cniPath) {
    const p = join(dir, type);
    try {
      await access(p, constants.X_OK);
      binaryCache.set(key, p);
      return p;
    } catch {
      /* next dir */
    }
  }
  throw notFound(`failed to find plugin "${type}" in path [${cniPath.join(' ')}]`);
}

/** Runs the plugin; resolves to its parsed stdout (undefined when empty), rejects with the plugin's error message. */
export async function execPlugin(type: string, inv: PluginInvocation): Promise<unknown> {
  const bin = await findPlugin(type, inv.cniPath);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: inv.command,
    CNI_PATH: inv.cniPath.join(':'),
  };
  if (inv.containerId) env.CNI_CONTAINERID = inv.containerId;
  if (inv.netns) env.CNI_NETNS = inv.netns;
  if (inv.ifName) env.CNI_IFNAME = inv.ifName;
  const args = { IgnoreUnknown: '1', ...inv.args };
  env.CNI_ARGS = Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');

  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(bin, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => undefined); // plugin may exit before reading
    child.stdin.end(JSON.stringify(inv.stdin));
  });

  let parsed: unknown;
  if (stdout.trim() !== '') {
    try {
      parsed = JSON.parse(stdout);
    } catch {
      if (code === 0) throw internal(`plugin ${type} (${inv.command}): invalid JSON output: ${stdout.slice(0, 200)}`);
    }
  }
  if (code !== 0) {
    const e = parsed as { code?: number; msg?: string; details?: string } | undefined;
    const msg = e?.msg ? `${e.msg}${e.details ? `: ${e.details}` : ''}` : (stderr.trim() || stdout.trim() || `exit status ${code}`);
    throw new GantryError('internal', `plugin type="${type}" failed (${inv.command.toLowerCase()}): ${msg}`);
  }
  return parsed;
}
