// Docker's seccomp profile format (what `--security-opt seccomp=<file>` reads and
// the Docker API carries as JSON in HostConfig.SecurityOpt) turned into the OCI
// linux.seccomp of one container: the native architecture's archMap entry, and
// only the rules whose includes/excludes (capabilities, architectures, minimum
// kernel) hold for this container on this host.
import { release } from 'node:os';
import type { LinuxSeccomp, LinuxSeccompArg, LinuxSyscall, SeccompAction, SeccompOperator } from '../../oci/runtime-spec.js';
import { SECCOMP_ACTIONS, SECCOMP_OPS } from '../../oci/runtime-spec-validate.js';
import { invalidArgument } from '../../errdefs/index.js';
import { seccompArch } from '../../runtime/seccomp/index.js';

interface Filter {
  caps: string[];
  arches: string[];
  minKernel: string;
}

type Json = Record<string, unknown>;

const fail = (what: string) => invalidArgument(`invalid seccomp profile: ${what}`);

function object(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail(`${what} must be an object`);
  return v as Json;
}

function strings(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw fail(`${what} must be a list of strings`);
  return v as string[];
}

function optString(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw fail(`${what} must be a string`);
  return v;
}

function optNumber(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw fail(`${what} must be a non-negative integer`);
  return v;
}

function action(v: unknown, what: string): SeccompAction {
  const a = optString(v, what);
  if (!SECCOMP_ACTIONS.includes(a)) throw fail(`${what} "${a}" is not one of ${SECCOMP_ACTIONS.join(', ')}`);
  return a as SeccompAction;
}

function filter(v: unknown, what: string): Filter {
  const f = v === undefined || v === null ? {} : object(v, what);
  return { caps: strings(f['caps'], `${what}.caps`), arches: strings(f['arches'], `${what}.arches`), minKernel: optString(f['minKernel'], `${what}.minKernel`) };
}

/** Go's GOARCH names, which docker's includes/excludes.arches use. */
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };

/** "5.10" <= "6.1.0-18-amd64": numeric major.minor comparison. */
function kernelAtLeast(kernel: string, min: string): boolean {
  const parse = (s: string) => s.split(/[.-]/).slice(0, 2).map((x) => Number.parseInt(x, 10) || 0);
  const [ka = 0, kb = 0] = parse(kernel);
  const [ma = 0, mb = 0] = parse(min);
  return ka > ma || (ka === ma && kb >= mb);
}

function args(v: unknown, what: string): LinuxSeccompArg[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw fail(`${what} must be a list`);
  return v.map((a, i) => {
    const o = object(a, `${what}[${i}]`);
    const index = optNumber(o['index'], `${what}[${i}].index`) ?? 0;
    const value = optNumber(o['value'], `${what}[${i}].value`) ?? 0;
    const valueTwo = optNumber(o['valueTwo'], `${what}[${i}].valueTwo`);
    const op = optString(o['op'], `${what}[${i}].op`);
    if (!SECCOMP_OPS.includes(op)) throw fail(`${what}[${i}].op "${op}" is not one of ${SECCOMP_OPS.join(', ')}`);
    return { index, value, ...(valueTwo ? { valueTwo } : {}), op: op as SeccompOperator };
  });
}

export interface SeccompHost {
  /** The container's bounding capabilities (CAP_*), for the rules' includes/excludes.caps. */
  capabilities: readonly string[];
  /** Defaults: this host's (os.release(), process.arch). */
  kernel?: string;
  arch?: string;
}

/** Parses and converts a docker seccomp profile (JSON text); errors name the field that is wrong. */
export function dockerSeccompProfile(text: string, host: SeccompHost): LinuxSeccomp {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw fail(`not JSON: ${(err as Error).message}`);
  }
  const p = object(raw, 'the profile');
  const defaultAction = action(p['defaultAction'], 'defaultAction');
  const nodeArch = host.arch ?? process.arch;
  const native = seccompArch(nodeArch).name;
  const goArch = GO_ARCH[nodeArch] ?? nodeArch;
  const kernel = host.kernel ?? release();
  const architectures = strings(p['architectures'], 'architectures');
  const archMap = p['archMap'] === undefined || p['archMap'] === null ? [] : p['archMap'];
  if (!Array.isArray(archMap)) throw fail('archMap must be a list');
  if (architectures.length && archMap.length) throw fail("both 'architectures' and 'archMap' are specified, use either 'architectures' or 'archMap'");
  for (const [i, entry] of archMap.entries()) {
    const a = object(entry, `archMap[${i}]`);
    if (optString(a['architecture'], `archMap[${i}].architecture`) !== native) continue;
    architectures.push(native, ...strings(a['subArchitectures'], `archMap[${i}].subArchitectures`));
  }
  const calls = p['syscalls'] === undefined || p['syscalls'] === null ? [] : p['syscalls'];
  if (!Array.isArray(calls)) throw fail('syscalls must be a list');
  const syscalls: LinuxSyscall[] = [];
  for (const [i, entry] of calls.entries()) {
    const what = `syscalls[${i}]`;
    const c = object(entry, what);
    const name = optString(c['name'], `${what}.name`);
    const names = strings(c['names'], `${what}.names`);
    if (name && names.length) throw fail(`${what}: use either 'name' or 'names'`);
    const callAction = action(c['action'], `${what}.action`);
    const inc = filter(c['includes'], `${what}.includes`);
    const exc = filter(c['excludes'], `${what}.excludes`);
    if (exc.arches.includes(goArch) || exc.caps.some((cap) => host.capabilities.includes(cap)) || (exc.minKernel && kernelAtLeast(kernel, exc.minKernel))) continue;
    if ((inc.arches.length && !inc.arches.includes(goArch)) || !inc.caps.every((cap) => host.capabilities.includes(cap)) || (inc.minKernel && !kernelAtLeast(kernel, inc.minKernel))) continue;
    const errnoRet = optNumber(c['errnoRet'], `${what}.errnoRet`);
    const callArgs = args(c['args'], `${what}.args`);
    syscalls.push({ names: name ? [name] : names, action: callAction, ...(errnoRet !== undefined ? { errnoRet } : {}), ...(callArgs?.length ? { args: callArgs } : {}) });
  }
  const defaultErrnoRet = optNumber(p['defaultErrnoRet'], 'defaultErrnoRet');
  const flags = strings(p['flags'], 'flags');
  const listenerPath = optString(p['listenerPath'], 'listenerPath');
  return {
    defaultAction,
    ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}),
    ...(architectures.length ? { architectures } : {}),
    ...(flags.length ? { flags } : {}),
    ...(listenerPath ? { listenerPath } : {}),
    syscalls,
  };
}
