// AppArmor and SELinux settings against what the host has (the plan's apparmor/selinux options).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildExecPlan, buildLaunchPlan } from '../../../src/runtime/plan/index.js';
import { isInvalidArgument } from '../../../src/errdefs/index.js';
import { defaultSpec } from '../../fixtures/bundle.js';
import type { Spec } from '../../../src/oci/runtime-spec.js';

const spec = (tweak: (s: Spec) => void): Spec => {
  const s = defaultSpec(['sh']);
  tweak(s);
  return s;
};

describe('security labels', () => {
  it('refuses an AppArmor profile or SELinux label the host cannot apply, as runc does', () => {
    const apparmor = spec((s) => (s.process!.apparmorProfile = 'acme_secure_profile'));
    assert.throws(() => buildLaunchPlan(apparmor, '/b', { apparmor: false }), (e: Error) => isInvalidArgument(e) && e.message === 'unable to apply apparmor profile "acme_secure_profile": AppArmor is not enabled on this host');
    const selinux = spec((s) => (s.process!.selinuxLabel = 'system_u:system_r:svirt_lxc_net_t:s0:c124,c675'));
    assert.throws(() => buildLaunchPlan(selinux, '/b', { selinux: false }), (e: Error) => isInvalidArgument(e) && e.message === 'selinux label is specified in config, but selinux is disabled or not supported');
    assert.throws(() => buildExecPlan(defaultSpec(), { ...defaultSpec().process!, apparmorProfile: 'p' }, 42, {}), /AppArmor is not enabled on this host/);
  });

  it('warns where the LSM is enabled but the runtime does not apply it, and about a mount label', () => {
    const warnings: string[] = [];
    const s = spec((s) => {
      s.process!.apparmorProfile = 'p';
      s.process!.selinuxLabel = 'l';
      s.linux!.mountLabel = 'm';
    });
    buildLaunchPlan(s, '/b', { apparmor: true, selinux: true, warn: (m) => warnings.push(m) });
    assert.deepEqual(warnings, [
      'linux.mountLabel ignored: this runtime does not apply SELinux labels',
      'process.apparmorProfile "p" ignored: this runtime does not apply AppArmor profiles',
      'process.selinuxLabel "l" ignored: this runtime does not apply SELinux labels',
    ]);
  });

  it('accepts a mount label without SELinux, like runc and crun: there is nothing to label', () => {
    const warnings: string[] = [];
    buildLaunchPlan(spec((s) => (s.linux!.mountLabel = 'system_u:object_r:svirt_sandbox_file_t:s0:c715,c811')), '/b', { selinux: false, warn: (m) => warnings.push(m) });
    assert.deepEqual(warnings, ['linux.mountLabel ignored: SELinux is not enabled on this host']);
  });
});
