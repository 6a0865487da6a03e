// Where the network layer keeps its state. Under the engine root (survives
// reboots): conflists, IPAM leases, CNI results, endpoint records. Under the
// runroot (tmpfs, gone at reboot like the namespaces themselves): netns files,
// per-container hosts and resolv.conf.
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
  get ipamDir() {
    return join(this.networksDir, 'ipam');
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
  containerFilesDir(containerId: string) {
    return join(this.runroot, 'networks', containerId);
  }
}
