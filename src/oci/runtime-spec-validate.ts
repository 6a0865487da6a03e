// Structural validation of an OCI runtime config (runtime-spec config-schema rules
// that matter to the runtime). Errors name the field: "config.json: process.user.uid: expected an integer".
import { invalidArgument } from '../errdefs/index.js';
import type { Process, Spec } from './runtime-spec.js';

type Obj = Record<string, unknown>;

const NAMESPACES = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'];
const PROPAGATIONS = ['private', 'shared', 'slave', 'unbindable', 'rprivate', 'rshared', 'rslave', 'runbindable'];
const DEVICE_TYPES = ['c', 'b', 'u', 'p'];
export const SECCOMP_ACTIONS = ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY'];
export const SECCOMP_OPS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];
const HOOK_NAMES = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

class Checker {
  constructor(private readonly file: string) {}

  fail(path: string, msg: string): never {
    throw invalidArgument(`${this.file}: ${path}: ${msg}`);
  }
  object(v: unknown, path: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'expected an object');
    return v as Obj;
  }
  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'expected an array');
    return v;
  }
  string(v: unknown, path: string): string {
    if (typeof v !== 'string') this.fail(path, 'expected a string');
    return v;
  }
  int(v: unknown, path: string, min = -Infinity, max = Infinity): number {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(path, 'expected an integer');
    if (v < min || v > max) this.fail(path, `${v} is out of range [${min}, ${max}]`);
    return v;
  }
  bool(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'expected a boolean');
    return v;
  }
  oneOf(v: unknown, path: string, allowed: string[]): string {
    const s = this.string(v, path);
    if (!allowed.includes(s)) this.fail(path, `"${s}" is not one of ${allowed.join(', ')}`);
    return s;
  }
  strings(v: unknown, path: string): void {
    this.array(v, path).forEach((s, i) => this.string(s, `${path}[${i}]`));
  }
  opt(o: Obj, key: string, path: string, check: (v: unknown, p: string) => unknown): void {
    if (o[key] !== undefined) check(o[key], path ? `${path}.${key}` : key);
  }
  req(o: Obj, key: string, path: string, check: (v: unknown, p: string) => unknown): void {
    const p = path ? `${path}.${key}` : key;
    if (o[key] === undefined) this.fail(p, 'required');
    check(o[key], p);
  }
}

const U32 = 0xffffffff;

function checkProcess(c: Checker, v: unknown, path: string): void {
  const p = c.object(v, path);
  c.opt(p, 'terminal', path, (x, q) => c.bool(x, q));
  c.opt(p, 'consoleSize', path, (x, q) => {
    const b = c.object(x, q);
    c.req(b, 'height', q, (y, r) => c.int(y, r, 0, U32));
    c.req(b, 'width', q, (y, r) => c.int(y, r, 0, U32));
  });
  c.req(p, 'user', path, (x, q) => {
    const u = c.object(x, q);
    c.req(u, 'uid', q, (y, r) => c.int(y, r, 0, U32));
    c.req(u, 'gid', q, (y, r) => c.int(y, r, 0, U32));
    c.opt(u, 'umask', q, (y, r) => c.int(y, r, 0, 0o7777));
    c.opt(u, 'additionalGids', q, (y, r) => c.array(y, r).forEach((g, i) => c.int(g, `${r}[${i}]`, 0, U32)));
    c.opt(u, 'username', q, (y, r) => c.string(y, r));
  });
  c.opt(p, 'args', path, (x, q) => c.strings(x, q));
  c.opt(p, 'commandLine', path, (x, q) => c.string(x, q));
  c.opt(p, 'env', path, (x, q) => c.strings(x, q));
  c.req(p, 'cwd', path, (x, q) => {
    if (!c.string(x, q).startsWith('/')) c.fail(q, `cwd "${x as string}" must be an absolute path`);
  });
  c.opt(p, 'capabilities', path, (x, q) => {
    const caps = c.object(x, q);
    for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient']) c.opt(caps, set, q, (y, r) => c.strings(y, r));
  });
  c.opt(p, 'rlimits', path, (x, q) =>
    c.array(x, q).forEach((r, i) => {
      const rp = `${q}[${i}]`;
      const rl = c.object(r, rp);
      c.req(rl, 'type', rp, (y, s) => {
        if (!/^RLIMIT_[A-Z]+$/.test(c.string(y, s))) c.fail(s, `"${y as string}" is not an rlimit name`);
      });
      c.req(rl, 'soft', rp, (y, s) => c.int(y, s, 0));
      c.req(rl, 'hard', rp, (y, s) => c.int(y, s, 0));
    }),
  );
  c.opt(p, 'noNewPrivileges', path, (x, q) => c.bool(x, q));
  c.opt(p, 'apparmorProfile', path, (x, q) => c.string(x, q));
  c.opt(p, 'selinuxLabel', path, (x, q) => c.string(x, q));
  c.opt(p, 'oomScoreAdj', path, (x, q) => c.int(x, q, -1000, 1000));
}

function checkMount(c: Checker, v: unknown, path: string): void {
  const m = c.object(v, path);
  c.req(m, 'destination', path, (x, q) => {
    if (!c.string(x, q).startsWith('/')) c.fail(q, `mount destination "${x as string}" must be an absolute path`);
  });
  c.opt(m, 'type', path, (x, q) => c.string(x, q));
  c.opt(m, 'source', path, (x, q) => c.string(x, q));
  c.opt(m, 'options', path, (x, q) => c.strings(x, q));
}

function checkIdMappings(c: Checker, v: unknown, path: string): void {
  c.array(v, path).forEach((m, i) => {
    const p = `${path}[${i}]`;
    const o = c.object(m, p);
    for (const k of ['containerID', 'hostID', 'size']) c.req(o, k, p, (x, q) => c.int(x, q, 0, U32));
  });
}

function checkLinux(c: Checker, v: unknown, path: string): void {
  const l = c.object(v, path);
  c.opt(l, 'uidMappings', path, (x, q) => checkIdMappings(c, x, q));
  c.opt(l, 'gidMappings', path, (x, q) => checkIdMappings(c, x, q));
  c.opt(l, 'sysctl', path, (x, q) => Object.entries(c.object(x, q)).forEach(([k, s]) => c.string(s, `${q}.${k}`)));
  c.opt(l, 'resources', path, (x, q) => checkResources(c, x, q));
  c.opt(l, 'cgroupsPath', path, (x, q) => c.string(x, q));
  c.opt(l, 'namespaces', path, (x, q) =>
    c.array(x, q).forEach((n, i) => {
      const p = `${q}[${i}]`;
      const ns = c.object(n, p);
      c.req(ns, 'type', p, (y, r) => c.oneOf(y, r, NAMESPACES));
      c.opt(ns, 'path', p, (y, r) => {
        if (!c.string(y, r).startsWith('/')) c.fail(r, 'namespace path must be absolute');
      });
    }),
  );
  c.opt(l, 'devices', path, (x, q) =>
    c.array(x, q).forEach((d, i) => {
      const p = `${q}[${i}]`;
      const dev = c.object(d, p);
      c.req(dev, 'path', p, (y, r) => {
        if (!c.string(y, r).startsWith('/')) c.fail(r, 'device path must be absolute');
      });
      c.req(dev, 'type', p, (y, r) => c.oneOf(y, r, DEVICE_TYPES));
      for (const k of ['major', 'minor', 'uid', 'gid']) c.opt(dev, k, p, (y, r) => c.int(y, r, 0, U32));
      c.opt(dev, 'fileMode', p, (y, r) => c.int(y, r, 0, 0o7777));
    }),
  );
  c.opt(l, 'seccomp', path, (x, q) => {
    const s = c.object(x, q);
    c.req(s, 'defaultAction', q, (y, r) => c.oneOf(y, r, SECCOMP_ACTIONS));
    c.opt(s, 'defaultErrnoRet', q, (y, r) => c.int(y, r, 0, U32));
    c.opt(s, 'architectures', q, (y, r) => c.strings(y, r));
    c.opt(s, 'flags', q, (y, r) => c.strings(y, r));
    c.opt(s, 'syscalls', q, (y, r) =>
      c.array(y, r).forEach((sc, i) => {
        const p = `${r}[${i}]`;
        const o = c.object(sc, p);
        c.req(o, 'names', p, (z, t) => c.strings(z, t));
        c.req(o, 'action', p, (z, t) => c.oneOf(z, t, SECCOMP_ACTIONS));
        c.opt(o, 'errnoRet', p, (z, t) => c.int(z, t, 0, U32));
        c.opt(o, 'args', p, (z, t) =>
          c.array(z, t).forEach((a, j) => {
            const ap = `${t}[${j}]`;
            const arg = c.object(a, ap);
            c.req(arg, 'index', ap, (w, u) => c.int(w, u, 0, 5));
            c.req(arg, 'value', ap, (w, u) => c.int(w, u, 0));
            c.opt(arg, 'valueTwo', ap, (w, u) => c.int(w, u, 0));
            c.req(arg, 'op', ap, (w, u) => c.oneOf(w, u, SECCOMP_OPS));
          }),
        );
      }),
    );
  });
  c.opt(l, 'rootfsPropagation', path, (x, q) => c.oneOf(x, q, PROPAGATIONS));
  c.opt(l, 'maskedPaths', path, (x, q) => c.strings(x, q));
  c.opt(l, 'readonlyPaths', path, (x, q) => c.strings(x, q));
  c.opt(l, 'mountLabel', path, (x, q) => c.string(x, q));
}

function checkResources(c: Checker, v: unknown, path: string): void {
  const r = c.object(v, path);
  c.opt(r, 'memory', path, (x, q) => {
    const m = c.object(x, q);
    for (const k of ['limit', 'reservation', 'swap', 'kernel', 'kernelTCP']) c.opt(m, k, q, (y, s) => c.int(y, s));
    c.opt(m, 'swappiness', q, (y, s) => c.int(y, s, 0));
    c.opt(m, 'disableOOMKiller', q, (y, s) => c.bool(y, s));
  });
  c.opt(r, 'cpu', path, (x, q) => {
    const m = c.object(x, q);
    for (const k of ['shares', 'quota', 'burst', 'period', 'realtimeRuntime', 'realtimePeriod', 'idle']) c.opt(m, k, q, (y, s) => c.int(y, s));
    c.opt(m, 'cpus', q, (y, s) => c.string(y, s));
    c.opt(m, 'mems', q, (y, s) => c.string(y, s));
  });
  c.opt(r, 'pids', path, (x, q) => c.req(c.object(x, q), 'limit', q, (y, s) => c.int(y, s)));
  c.opt(r, 'devices', path, (x, q) =>
    c.array(x, q).forEach((d, i) => {
      const p = `${q}[${i}]`;
      const o = c.object(d, p);
      c.req(o, 'allow', p, (y, s) => c.bool(y, s));
      c.opt(o, 'type', p, (y, s) => c.oneOf(y, s, ['a', 'c', 'b']));
      c.opt(o, 'access', p, (y, s) => c.string(y, s));
    }),
  );
  c.opt(r, 'unified', path, (x, q) => Object.entries(c.object(x, q)).forEach(([k, s]) => c.string(s, `${q}.${k}`)));
}

function checkHooks(c: Checker, v: unknown, path: string): void {
  const h = c.object(v, path);
  for (const name of HOOK_NAMES)
    c.opt(h, name, path, (x, q) =>
      c.array(x, q).forEach((hook, i) => {
        const p = `${q}[${i}]`;
        const o = c.object(hook, p);
        c.req(o, 'path', p, (y, r) => {
          if (!c.string(y, r).startsWith('/')) c.fail(r, 'hook path must be absolute');
        });
        c.opt(o, 'args', p, (y, r) => c.strings(y, r));
        c.opt(o, 'env', p, (y, r) => c.strings(y, r));
        c.opt(o, 'timeout', p, (y, r) => c.int(y, r, 1));
      }),
    );
}

export function validateSpec(json: unknown, file = 'config.json'): Spec {
  const c = new Checker(file);
  const s = c.object(json, '(root)');
  c.req(s, 'ociVersion', '', (x, q) => c.string(x, q));
  c.opt(s, 'process', '', (x, q) => checkProcess(c, x, q));
  c.opt(s, 'root', '', (x, q) => {
    const r = c.object(x, q);
    c.req(r, 'path', q, (y, p) => c.string(y, p));
    c.opt(r, 'readonly', q, (y, p) => c.bool(y, p));
  });
  c.opt(s, 'hostname', '', (x, q) => c.string(x, q));
  c.opt(s, 'domainname', '', (x, q) => c.string(x, q));
  c.opt(s, 'mounts', '', (x, q) => c.array(x, q).forEach((m, i) => checkMount(c, m, `${q}[${i}]`)));
  c.opt(s, 'hooks', '', (x, q) => checkHooks(c, x, q));
  c.opt(s, 'annotations', '', (x, q) => Object.entries(c.object(x, q)).forEach(([k, v]) => c.string(v, `${q}.${k}`)));
  c.opt(s, 'linux', '', (x, q) => checkLinux(c, x, q));
  return json as Spec;
}

/** A process.json as given to `exec --process`. */
export function validateProcess(json: unknown, file = 'process.json'): Process {
  checkProcess(new Checker(file), json, 'process');
  return json as Process;
}
