// `gantry network create`: a bridge network with its CNI conflist; prints the id.
import type { Command } from '../command.js';
import { UsageError } from '../flags.js';
import { invalidArgument } from '../../errdefs/index.js';
import { openEngine } from '../engine-client.js';

function keyValues(list: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (flag === 'label' && eq < 0) out[kv] = '';
    else if (eq <= 0) throw new UsageError(`invalid argument "${kv}" for "--${flag}" flag: bad format ${kv}, expected key=value`);
    else out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

const single = (list: string[], what: string): string | undefined => {
  if (list.length > 1) throw invalidArgument(`only one ${what} per network is supported (IPv4 only)`);
  return list[0];
};

export const command: Command = {
  spec: {
    name: 'network create',
    usage: '[OPTIONS] NETWORK',
    description: 'Create a network',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'attachable', type: 'bool', description: 'Enable manual container attachment' },
      { name: 'aux-address', type: 'list', description: 'Auxiliary IPv4 or IPv6 addresses used by Network driver' },
      { name: 'config-from', type: 'string', description: 'The network from which to copy the configuration' },
      { name: 'config-only', type: 'bool', description: 'Create a configuration only network' },
      { name: 'driver', short: 'd', type: 'string', default: 'bridge', description: 'Driver to manage the Network' },
      { name: 'gateway', type: 'list', description: 'IPv4 or IPv6 Gateway for the master subnet' },
      { name: 'ingress', type: 'bool', description: 'Create swarm routing-mesh network' },
      { name: 'internal', type: 'bool', description: 'Restrict external access to the network' },
      { name: 'ip-range', type: 'list', description: 'Allocate container ip from a sub-range' },
      { name: 'ipam-driver', type: 'string', default: 'default', description: 'IP Address Management Driver' },
      { name: 'ipam-opt', type: 'list', description: 'Set IPAM driver specific options' },
      { name: 'ipv6', type: 'bool', description: 'Enable or disable IPv6 networking' },
      { name: 'label', type: 'list', description: 'Set metadata on a network' },
      { name: 'opt', short: 'o', type: 'list', description: 'Set driver specific options' },
      { name: 'scope', type: 'string', description: "Control the network's scope" },
      { name: 'subnet', type: 'list', description: 'Subnet in CIDR format that represents a network segment' },
    ],
  },
  async run(ctx, { flags, args }) {
    // docker's CLI checks these before it asks the daemon
    if (flags.scope && flags.scope !== 'local') throw invalidArgument(`scope "${flags.scope}" is not supported`);
    const subnet = single(flags.subnet as string[], 'subnet');
    const gateway = single(flags.gateway as string[], 'gateway');
    const ipRange = single(flags['ip-range'] as string[], 'ip-range');
    const options = keyValues(flags.opt as string[], 'opt');
    const labels = keyValues(flags.label as string[], 'label');
    const engine = await openEngine(ctx);
    const net = await engine.networks
      .create({
        Name: args[0]!,
        Driver: flags.driver as string,
        EnableIPv6: flags.ipv6 === true,
        Internal: flags.internal === true,
        Attachable: flags.attachable === true,
        IPAM: { Driver: flags['ipam-driver'] as string, Config: subnet || gateway || ipRange ? [{ ...(subnet ? { Subnet: subnet } : {}), ...(gateway ? { Gateway: gateway } : {}), ...(ipRange ? { IPRange: ipRange } : {}) }] : [] },
        Options: options,
        Labels: labels,
      })
      .finally(() => engine.close());
    ctx.stdout.write(`${net.Id}\n`);
  },
};
