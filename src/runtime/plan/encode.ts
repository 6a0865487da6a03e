// LaunchPlan → the binary message gantry-init reads (docs/helper-protocol.md).
import { OP_CODES, PLAN_MAGIC, PLAN_VERSION } from './types.js';
import type { LaunchPlan } from './types.js';

const T = {
  MODE: 1, CLONE_FLAGS: 2, NS_JOIN: 3, UID_MAP: 4, GID_MAP: 5, SETGROUPS_DENY: 6, ROOTFS: 7, OP: 8, RLIMIT: 9,
  CAPS: 10, SECCOMP: 11, NO_NEW_PRIVS: 12, UID: 13, GID: 14, ADDITIONAL_GID: 15, UMASK: 16, CWD: 17, ENV: 18,
  ARG: 19, OOM_SCORE_ADJ: 20, CONSOLE_SOCKET: 21, CONSOLE_SIZE: 22, CGROUP_PROCS: 23, FIFO: 24, HOOK: 25,
  STATE_JSON: 26, WAIT: 27, PRESERVE_FDS: 28, TERMINAL: 29, SESSION_KEYRING: 30, PID_FILE: 31, LOOPBACK_UP: 32, IO_PRIORITY: 33, PERSONALITY: 34, SCHEDULER: 35, CPU_AFFINITY: 36, FIFO_VIA_DIR: 37,
  DIE_WITH_PARENT: 38,
} as const;

type Field = number | bigint | string | Buffer;

function encodeField(f: Field): Buffer {
  if (typeof f === 'number' || typeof f === 'bigint') {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt.asIntN(64, BigInt(f)));
    return b;
  }
  const bytes = typeof f === 'string' ? Buffer.from(f) : f;
  if (typeof f === 'string' && f.includes('\0')) throw new Error(`plan string contains NUL: ${JSON.stringify(f)}`);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(bytes.length);
  return Buffer.concat([len, bytes]);
}

export function encodePlan(plan: LaunchPlan): Buffer {
  const records: Buffer[] = [];
  const rec = (tag: number, ...fields: Field[]) => {
    const payload = Buffer.concat(fields.map(encodeField));
    const head = Buffer.alloc(8);
    head.writeUInt32LE(tag, 0);
    head.writeUInt32LE(payload.length, 4);
    records.push(head, payload);
  };
  rec(T.MODE, plan.mode);
  rec(T.CLONE_FLAGS, plan.cloneFlags);
  for (const j of plan.joins) rec(T.NS_JOIN, j.type, j.path);
  if (plan.uidMap) rec(T.UID_MAP, plan.uidMap);
  if (plan.gidMap) rec(T.GID_MAP, plan.gidMap);
  if (plan.setgroupsDeny) rec(T.SETGROUPS_DENY, 1);
  if (plan.rootfs) rec(T.ROOTFS, plan.rootfs);
  for (const o of plan.ops) {
    rec(T.OP, OP_CODES[o.kind], o.flags ?? 0, o.mountFlags ?? 0, o.mode ?? 0, o.uid ?? 0, o.gid ?? 0, o.major ?? 0, o.minor ?? 0,
      o.src ?? '', o.dst ?? '', o.fstype ?? '', o.data ?? '');
  }
  for (const r of plan.rlimits) rec(T.RLIMIT, r.resource, r.soft, r.hard);
  const c = plan.capabilities;
  if (c) rec(T.CAPS, c.bounding, c.effective, c.inheritable, c.permitted, c.ambient);
  if (plan.seccomp) rec(T.SECCOMP, plan.seccomp.flags, plan.seccomp.program);
  rec(T.NO_NEW_PRIVS, plan.noNewPrivileges ? 1 : 0);
  rec(T.UID, plan.uid);
  rec(T.GID, plan.gid);
  for (const g of plan.additionalGids) rec(T.ADDITIONAL_GID, g);
  if (plan.umask !== undefined) rec(T.UMASK, plan.umask);
  rec(T.CWD, plan.cwd);
  for (const e of plan.env) rec(T.ENV, e);
  for (const a of plan.args) rec(T.ARG, a);
  if (plan.oomScoreAdj !== undefined) rec(T.OOM_SCORE_ADJ, plan.oomScoreAdj);
  if (plan.consoleSocket) rec(T.CONSOLE_SOCKET, plan.consoleSocket);
  if (plan.consoleSize) rec(T.CONSOLE_SIZE, plan.consoleSize.rows, plan.consoleSize.cols);
  for (const p of plan.cgroupProcs) rec(T.CGROUP_PROCS, p);
  if (plan.fifo) rec(T.FIFO, plan.fifo);
  if (plan.fifoViaDir) rec(T.FIFO_VIA_DIR, 1);
  for (const h of plan.startContainerHooks) rec(T.HOOK, h.timeout, h.path, h.args.length, ...h.args, h.env.length, ...h.env);
  if (plan.stateJson) rec(T.STATE_JSON, plan.stateJson.beforePid, plan.stateJson.afterPid);
  rec(T.WAIT, plan.wait ? 1 : 0);
  rec(T.PRESERVE_FDS, plan.preserveFds);
  rec(T.TERMINAL, plan.terminal ? 1 : 0);
  if (plan.sessionKeyring) rec(T.SESSION_KEYRING, plan.sessionKeyring);
  if (plan.pidFile) rec(T.PID_FILE, plan.pidFile);
  if (plan.loopbackUp) rec(T.LOOPBACK_UP, 1);
  if (plan.ioPriority !== undefined) rec(T.IO_PRIORITY, plan.ioPriority);
  if (plan.personality !== undefined) rec(T.PERSONALITY, plan.personality);
  const sc = plan.scheduler;
  if (sc) rec(T.SCHEDULER, sc.policy, sc.flags, sc.nice, sc.priority, sc.runtime, sc.deadline, sc.period);
  if (plan.cpuAffinity?.initial) rec(T.CPU_AFFINITY, 1, plan.cpuAffinity.initial);
  if (plan.cpuAffinity?.final) rec(T.CPU_AFFINITY, 2, plan.cpuAffinity.final);
  if (plan.dieWithParent) rec(T.DIE_WITH_PARENT, 1);
  const body = Buffer.concat(records);
  const header = Buffer.alloc(12);
  header.writeUInt32LE(PLAN_MAGIC, 0);
  header.writeUInt32LE(PLAN_VERSION, 4);
  header.writeUInt32LE(body.length, 8);
  return Buffer.concat([header, body]);
}
