// Registry credentials in docker's ~/.docker/config.json: "auths" entries
// (base64 "user:password", "identitytoken"), or an external credential helper
// (credsStore / credHelpers -> docker-credential-<name> get|store|erase).
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { GantryError, invalidArgument, wrap } from '../../errdefs/index.js';
import { DEFAULT_DOMAIN } from '../../oci/reference.js';
import { RegistryClient, type RegistryAuth } from '../registry/client.js';
import type { RegistryConfig } from '../registry/config.js';

/** The key docker uses for Docker Hub in "auths". */
export const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [other: string]: unknown;
}

export function dockerConfigPath(config: RegistryConfig = {}, env: NodeJS.ProcessEnv = process.env): string {
  return join(config.dockerConfigDir ?? env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** docker's ConvertToHostname: "https://host:5000/v1/" -> "host:5000". */
export function convertToHostname(server: string): string {
  const stripped = server.replace(/^https?:\/\//, '');
  return stripped.split('/')[0] ?? stripped;
}

/** Registry domain (from a login SERVER or an image reference) -> config.json key. */
export function serverKey(server: string | undefined): string {
  if (!server) return DOCKER_HUB_SERVER;
  const host = convertToHostname(server);
  return host === DEFAULT_DOMAIN || host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB_SERVER : host;
}

async function readConfig(path: string): Promise<DockerConfigFile> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as DockerConfigFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw wrap(`reading ${path}`, err);
  }
}

async function writeConfig(path: string, cfg: DockerConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(cfg, null, '\t') + '\n', { mode: 0o600 });
  await rename(tmp, path);
}

function helperFor(cfg: DockerConfigFile, key: string): string | undefined {
  return cfg.credHelpers?.[key] ?? cfg.credHelpers?.[convertToHostname(key)] ?? cfg.credsStore;
}

function runHelper(name: string, action: 'get' | 'store' | 'erase', input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${name}`, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let errOut = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (errOut += d.toString()));
    child.on('error', (err) => reject(wrap(`running docker-credential-${name} ${action}`, err)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new GantryError('internal', `docker-credential-${name} ${action}: ${(out || errOut).trim() || `exit status ${code}`}`));
    });
    child.stdin.end(input);
  });
}

function decodeEntry(e: AuthEntry): RegistryAuth | undefined {
  const out: RegistryAuth = {};
  if (e.auth) {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) throw invalidArgument('invalid auth configuration file: malformed "auth" entry');
    out.username = decoded.slice(0, i);
    out.password = decoded.slice(i + 1);
  } else if (e.username) {
    out.username = e.username;
    out.password = e.password;
  }
  if (e.identitytoken) out.identityToken = e.identitytoken;
  if (e.registrytoken) out.registryToken = e.registrytoken;
  return Object.keys(out).length ? out : undefined;
}

/** Credentials for a registry domain (as in image references: "docker.io", "host:5000"). */
export async function getCredentials(domain: string, config: RegistryConfig = {}): Promise<RegistryAuth | undefined> {
  const cfg = await readConfig(dockerConfigPath(config));
  const key = serverKey(domain);
  const helper = helperFor(cfg, key);
  if (helper) {
    let out: string;
    try {
      out = await runHelper(helper, 'get', key);
    } catch (err) {
      // Helpers answer "credentials not found in native keychain" with a failure exit.
      if (/not found/i.test((err as Error).message)) return undefined;
      throw err;
    }
    const parsed = JSON.parse(out) as { Username?: string; Secret?: string };
    if (parsed.Username === '<token>') return { identityToken: parsed.Secret };
    return { username: parsed.Username, password: parsed.Secret };
  }
  const auths = cfg.auths ?? {};
  const entry = auths[key] ?? Object.entries(auths).find(([k]) => serverKey(k) === key)?.[1];
  return entry ? decodeEntry(entry) : undefined;
}

export async function storeCredentials(domain: string, auth: RegistryAuth, config: RegistryConfig = {}): Promise<void> {
  const path = dockerConfigPath(config);
  const cfg = await readConfig(path);
  const key = serverKey(domain);
  const helper = helperFor(cfg, key);
  if (helper) {
    const secret = auth.identityToken ?? auth.password ?? '';
    const username = auth.identityToken ? '<token>' : (auth.username ?? '');
    await runHelper(helper, 'store', JSON.stringify({ ServerURL: key, Username: username, Secret: secret }));
    cfg.auths = { ...cfg.auths, [key]: {} };
  } else {
    const entry: AuthEntry = {};
    if (auth.identityToken) entry.identitytoken = auth.identityToken;
    else entry.auth = Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64');
    cfg.auths = { ...cfg.auths, [key]: entry };
  }
  await writeConfig(path, cfg);
}

/** Removes stored credentials; false if there were none. */
export async function eraseCredentials(domain: string, config: RegistryConfig = {}): Promise<boolean> {
  const path = dockerConfigPath(config);
  const cfg = await readConfig(path);
  const key = serverKey(domain);
  const keys = Object.keys(cfg.auths ?? {}).filter((k) => serverKey(k) === key);
  const helper = helperFor(cfg, key);
  if (helper) await runHelper(helper, 'erase', key).catch(() => undefined);
  if (keys.length === 0) return helper !== undefined;
  for (const k of keys) delete cfg.auths![k];
  await writeConfig(path, cfg);
  return true;
}

export interface LoginRequest {
  /** SERVER as given to `login` (default Docker Hub). */
  server?: string;
  username: string;
  password: string;
  registryConfig?: RegistryConfig;
}

/** The registry domain a login SERVER names (Docker Hub's config key is not a domain). */
export function loginDomain(server: string | undefined): string {
  const key = serverKey(server);
  return key === DOCKER_HUB_SERVER ? DEFAULT_DOMAIN : key;
}

/** Checks the credentials against the registry without storing them (the daemon's half of docker login). */
export async function checkLogin(req: LoginRequest): Promise<void> {
  const client = new RegistryClient(loginDomain(req.server), { config: req.registryConfig, auth: { username: req.username, password: req.password }, attempts: 2 });
  try {
    await client.checkLogin();
  } finally {
    client.close();
  }
}

/** Verifies the credentials against the registry, then stores them (docker login). */
export async function loginRegistry(req: LoginRequest): Promise<{ server: string; status: 'Login Succeeded' }> {
  await checkLogin(req);
  await storeCredentials(loginDomain(req.server), { username: req.username, password: req.password }, req.registryConfig);
  return { server: serverKey(req.server), status: 'Login Succeeded' };
}

/** docker logout: forgets the credentials of SERVER (default Docker Hub). */
export async function logoutRegistry(req: { server?: string; registryConfig?: RegistryConfig }): Promise<{ server: string; removed: boolean }> {
  return { server: serverKey(req.server), removed: await eraseCredentials(loginDomain(req.server), req.registryConfig) };
}
