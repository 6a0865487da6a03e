import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { validateProcess, validateSpec } from '../../../src/oci/runtime-spec-validate.js';
import { errorCode } from '../../../src/errdefs/index.js';
import { defaultSpec } from '../../fixtures/bundle.js';

const invalid = (mutate: (s: any) => void, message: string) => {
  const s: any = structuredClone(defaultSpec());
  mutate(s);
  assert.throws(() => validateSpec(s), (e: Error) => {
    assert.equal(e.message, message);
    assert.equal(errorCode(e), 'invalid-argument');
    return true;
  });
};

describe('validateSpec', () => {
  it('accepts the default spec', () => {
    const s = defaultSpec();
    assert.equal(validateSpec(s), s);
  });
  it('names the offending field', () => {
    invalid((s) => (s.process.user.uid = 'root'), 'config.json: process.user.uid: expected an integer');
    invalid((s) => delete s.ociVersion, 'config.json: ociVersion: required');
    invalid((s) => (s.process.cwd = 'relative'), 'config.json: process.cwd: cwd "relative" must be an absolute path');
    invalid((s) => (s.mounts[1].destination = 'dev'), 'config.json: mounts[1].destination: mount destination "dev" must be an absolute path');
    invalid((s) => s.linux.namespaces.push({ type: 'bogus' }), 'config.json: linux.namespaces[5].type: "bogus" is not one of pid, network, mount, ipc, uts, user, cgroup, time');
    invalid((s) => (s.process.args = 'sh'), 'config.json: process.args: expected an array');
    invalid((s) => (s.process.env = [1]), 'config.json: process.env[0]: expected a string');
    invalid((s) => (s.linux.rootfsPropagation = 'weird'), 'config.json: linux.rootfsPropagation: "weird" is not one of private, shared, slave, unbindable, rprivate, rshared, rslave, runbindable');
    invalid((s) => (s.linux.resources = { memory: { limit: '1g' } }), 'config.json: linux.resources.memory.limit: expected an integer');
    invalid((s) => (s.hooks = { prestart: [{ path: 'x' }] }), 'config.json: hooks.prestart[0].path: hook path must be absolute');
    invalid((s) => (s.process.oomScoreAdj = 5000), 'config.json: process.oomScoreAdj: 5000 is out of range [-1000, 1000]');
    invalid((s) => (s.root.readonly = 'yes'), 'config.json: root.readonly: expected a boolean');
    invalid((s) => (s.linux.seccomp = { defaultAction: 'ALLOW' }), 'config.json: linux.seccomp.defaultAction: "ALLOW" is not one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY');
  });
  it('validates exec process files', () => {
    assert.throws(() => validateProcess({ args: ['sh'], cwd: '/' }), /process.json: process.user: required/);
  });
});
