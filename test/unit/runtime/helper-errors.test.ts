import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { describeFailure } from '../../../src/runtime/container/helper.js';
import { errorCode } from '../../../src/errdefs/index.js';
import { buildLaunchPlan } from '../../../src/runtime/plan/index.js';
import { defaultSpec } from '../../fixtures/bundle.js';

describe('describeFailure', () => {
  const plan = buildLaunchPlan(defaultSpec(), '/b');
  const procStep = plan.ops.findIndex((o) => o.kind === 'mount' && o.dst === '/proc');

  it('names the op that failed', () => {
    const e = describeFailure(plan, procStep, 'mount', 1, '/proc');
    assert.equal(e.message, 'mount proc to /proc: EPERM');
    assert.equal(errorCode(e), 'permission-denied');
    const pivot = plan.ops.findIndex((o) => o.kind === 'pivot_root');
    assert.equal(describeFailure(plan, pivot, 'pivot_root', 22, '').message, 'pivot_root: EINVAL');
  });

  it('names steps outside the op list with their detail', () => {
    assert.equal(describeFailure(plan, -1, 'rlimit', 1, 'RLIMIT_NOFILE').message, 'process.rlimits RLIMIT_NOFILE: setrlimit: EPERM (above the hard limit the runtime may set: it lacks CAP_SYS_RESOURCE)');
    assert.match(describeFailure(plan, -1, 'oom_score_adj', 13, 'process.oomScoreAdj').message, /^process.oomScoreAdj: write \/proc\/self\/oom_score_adj: EACCES/);
    assert.equal(describeFailure(plan, -1, 'setns', 2, '/proc/1/ns/net').message, 'setns /proc/1/ns/net: ENOENT');
  });

  it('keeps the exec texts docker maps to 127 and 126', () => {
    const missing = describeFailure(plan, -1, 'exec', 2, 'foo');
    assert.equal(missing.message, 'unable to start container process: exec: "foo": executable file not found in $PATH');
    assert.equal(describeFailure(plan, -1, 'exec', 13, '/etc/passwd').message, 'unable to start container process: exec: "/etc/passwd": permission denied');
  });
});
