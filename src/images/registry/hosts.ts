// Registry host configuration as containerd reads it (its `config_path`): a
// directory with one <registry host>/hosts.toml per registry, or
// _default/hosts.toml for the others, listing mirrors ([host."URL"], tried in
// file order) and then the upstream (`server`), each with what it may be asked
// (capabilities), its TLS material, extra headers and API path.
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { invalidArgument } from '../../errdefs/index.js';
import { hostsDir, type RegistryConfig } from './config.js';
import { isTable, parseToml, type TomlTable, type TomlValue } from './toml.js';

export type HostCapability = 'pull' | 'resolve' | 'push';

export interface RegistryHost {
  /** scheme://host[:port][/path]; the API lives at <path>/v2 unless overridePath. */
  url: URL;
  capabilities: ReadonlySet<HostCapability>;
  /** A [host] entry (the registry's own name goes to the mirror as ?ns=). */
  mirror: boolean;
  skipVerify: boolean;
  /** CA files (absolute). */
  ca: string[];
  /** Client certificate and key files; a lone file holds both. */
  client: { cert: string; key?: string }[];
  headers: Record<string, string[]>;
  overridePath: boolean;
}

export const ALL_CAPABILITIES: readonly HostCapability[] = ['pull', 'resolve', 'push'];

const missing = (err: unknown) => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

/**
 * The hosts.toml that governs `domain` (docker.io, registry.k8s.io,
 * 127.0.0.1:5000): the one in <dir>/<domain>/ if that directory exists (as in
 * containerd, a directory holding only certificates configures no mirrors), else
 * in <dir>/_default/; undefined when there is none (the registry is then
 * contacted as before).
 */
async function readHostsFile(domain: string, config: RegistryConfig = {}): Promise<{ file: string; text: string } | undefined> {
  const dir = hostsDir(config);
  if (!dir) return undefined;
  for (const name of [domain, '_default']) {
    const hostDir = join(dir, name);
    const isDir = await stat(hostDir).then(
      (st) => st.isDirectory(),
      (err: unknown) => {
        if (missing(err)) return false;
        throw invalidArgument(`reading ${hostDir}: ${(err as Error).message}`, err);
      },
    );
    if (!isDir) continue;
    const file = join(hostDir, 'hosts.toml');
    try {
      return { file, text: await readFile(file, 'utf8') };
    } catch (err) {
      if (missing(err)) return undefined;
      throw invalidArgument(`reading ${file}: ${(err as Error).message}`, err);
    }
  }
  return undefined;
}

/**
 * The hosts to try for `domain`, in order: mirrors as listed, then `server`
 * (undefined when hosts.toml has no `server`: the registry itself, reached by
 * the client's usual discovery).
 */
export async function registryHosts(domain: string, config: RegistryConfig = {}): Promise<{ mirrors: RegistryHost[]; server?: RegistryHost } | undefined> {
  const found = await readHostsFile(domain, config);
  return found && parseHostsFile(found.text, found.file);
}

export function parseHostsFile(text: string, file: string): { mirrors: RegistryHost[]; server?: RegistryHost } {
  const doc = parseToml(text, file);
  const base = dirname(file);
  const fail = (what: string): never => {
    throw invalidArgument(`${file}: ${what}`);
  };
  // dial_timeout is accepted (containerd's files carry it) but not applied.
  const known = new Set(['server', 'host', 'capabilities', 'skip_verify', 'ca', 'client', 'header', 'override_path', 'dial_timeout']);
  for (const key of Object.keys(doc)) if (!known.has(key)) fail(`unknown key ${key}`);
  let server: RegistryHost | undefined;
  if (doc.server !== undefined) {
    if (typeof doc.server !== 'string') fail('server must be a string');
    server = hostEntry(doc.server as string, doc, false, base, fail);
  } else {
    const orphan = Object.keys(doc).find((k) => k !== 'host');
    if (orphan) fail(`top-level ${orphan} applies to the server: name it with server = "https://..."`);
  }
  const hosts = doc.host ?? {};
  if (!isTable(hosts)) return fail('host must be a table of [host."URL"] entries');
  const mirrors = Object.entries(hosts).map(([url, entry]) => {
    if (!isTable(entry)) return fail(`host.${JSON.stringify(url)} must be a table`);
    for (const key of Object.keys(entry)) if (!known.has(key) || key === 'server' || key === 'host') fail(`unknown key ${key} in [host.${JSON.stringify(url)}]`);
    return hostEntry(url, entry, true, base, fail);
  });
  return { mirrors, server };
}

function hostUrl(text: string, fail: (what: string) => never): URL {
  // containerd takes "mirror:5000" to mean https://mirror:5000.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return fail(`invalid host URL ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`host URL ${JSON.stringify(text)}: scheme must be http or https`);
  if (url.search || url.hash || url.username) fail(`host URL ${JSON.stringify(text)}: no query, fragment or credentials allowed`);
  return url;
}

function strings(v: TomlValue | undefined, what: string, fail: (what: string) => never): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  return fail(`${what} must be a string or a list of strings`);
}

function hostEntry(urlText: string, t: TomlTable, mirror: boolean, base: string, fail: (what: string) => never): RegistryHost {
  const where = mirror ? `[host.${JSON.stringify(urlText)}]` : 'server';
  const path = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const caps = t.capabilities === undefined ? ALL_CAPABILITIES : strings(t.capabilities, `${where} capabilities`, fail);
  for (const c of caps) if (!ALL_CAPABILITIES.includes(c as HostCapability)) fail(`${where}: unknown capability ${JSON.stringify(c)} (pull, resolve or push)`);
  for (const key of ['skip_verify', 'override_path']) {
    if (t[key] !== undefined && typeof t[key] !== 'boolean') fail(`${where} ${key} must be true or false`);
  }
  const client: RegistryHost['client'] = [];
  const c = t.client;
  if (typeof c === 'string') client.push({ cert: path(c) });
  else if (Array.isArray(c)) {
    for (const item of c) {
      if (typeof item === 'string') client.push({ cert: path(item) });
      else if (Array.isArray(item) && item.length >= 1 && item.length <= 2 && item.every((s) => typeof s === 'string')) {
        const [cert, key] = item as string[];
        client.push({ cert: path(cert!), ...(key ? { key: path(key) } : {}) });
      } else fail(`${where} client entries must be "cert" or ["cert", "key"]`);
    }
  } else if (c !== undefined) fail(`${where} client must be a file or a list of [cert, key] pairs`);
  const headers: Record<string, string[]> = {};
  const h = t.header;
  if (h !== undefined && !isTable(h)) fail(`${where} header must be a table`);
  for (const [name, value] of Object.entries((h ?? {}) as TomlTable)) headers[name.toLowerCase()] = strings(value, `${where} header ${name}`, fail);
  return {
    url: hostUrl(urlText, fail),
    capabilities: new Set(caps as HostCapability[]),
    mirror,
    skipVerify: t.skip_verify === true,
    ca: strings(t.ca, `${where} ca`, fail).map(path),
    client,
    headers,
    overridePath: t.override_path === true,
  };
}
