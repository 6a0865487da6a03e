// Where the network layer keeps a store's state. Under the engine root (survives
// reboots): conflists, CNI results, endpoint records. Under the runroot (tmpfs,
// gone at reboot like the namespaces themselves): netns files, per-container
// hosts and resolv.conf. Address leases and port claims are host-wide (hoststate.ts).
import { join } from 'node:path';

export class NetworkLayout {
  constructor(
    readonly root: string,
    readonly runroot: string,
  ) {}
  get networksDir() {
    return join(this.root, 'networks');
  }
  get lockFile() {
    return join(this.networksDir, '.lock');
  }
  conflist(name: string) {
    return join(this.networksDir, `${name}.conflist`);
  }
  get locksDir() {
    return join(this.networksDir, 'locks');
  }
  /** Held while a process sets up, changes or tears down the container's networking. */
  containerLock(containerId: string) {
    return join(this.locksDir, `${containerId}.lock`);
  }
  get cacheDir() {
    return join(this.networksDir, 'cache');
  }
  get endpointsDir() {
    return join(this.networksDir, 'endpoints');
  }
  endpoint(containerId: string) {
    return join(this.endpointsDir, `${containerId}.json`);
  }
  get netnsDir() {
    return join(this.runroot, 'netns');
  }
  netns(containerId: string) {
    return join(this.netnsDir, containerId);
  }
  get containerFilesRoot() {
    return join(this.runroot, 'networks');
  }
  containerFilesDir(containerId: string) {
    return join(this.containerFilesRoot, containerId);
  }
  /** Names the store that made the container's netns and files: stores may share a runroot. */
  containerOwnerFile(containerId: string) {
    return join(this.containerFilesDir(containerId), 'owner');
  }
}
