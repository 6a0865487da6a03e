// docker's -p/--publish syntax: [ip:][hostPort[-end]:]containerPort[-end][/proto].
import { invalidArgument } from '../errdefs/index.js';
import { parseIPv4 } from './ipv4.js';
import type { PublishedPort } from './types.js';

function parseRange(s: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  const start = m ? Number(m[1]) : NaN;
  const end = m?.[2] !== undefined ? Number(m[2]) : start;
  if (!m || start < 1 || end > 65535 || end < start) throw invalidArgument(`invalid ${what}: ${s}`);
  return [start, end];
}

export function parsePublish(spec: string): PublishedPort[] {
  let rest = spec;
  let protocol: 'tcp' | 'udp' = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const proto = rest.slice(slash + 1).toLowerCase();
    if (proto !== 'tcp' && proto !== 'udp') throw invalidArgument(`invalid proto: ${proto}`);
    protocol = proto;
    rest = rest.slice(0, slash);
  }
  let hostIp = '';
  // A bracketed IPv6 host address: [::1]:8080:80
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  let parts: string[];
  if (v6) {
    hostIp = v6[1]!;
    parts = ['', ...v6[2]!.split(':')];
  } else {
    parts = rest.split(':');
  }
  let hostPart = '';
  let containerPart: string;
  if (parts.length === 1) containerPart = parts[0]!;
  else if (parts.length === 2) [hostPart, containerPart] = parts as [string, string];
  else if (parts.length === 3) {
    if (!v6) hostIp = parts[0]!;
    hostPart = parts[1]!;
    containerPart = parts[2]!;
  } else throw invalidArgument(`invalid publish spec: ${spec}`);
  if (hostIp && !v6 && parseIPv4(hostIp) === undefined) throw invalidArgument(`invalid IP address: ${hostIp}`);
  if (containerPart === '') throw invalidArgument(`no port specified: ${spec}<empty>`);

  const [cStart, cEnd] = parseRange(containerPart, 'containerPort');
  const count = cEnd - cStart + 1;
  let hStart = 0;
  if (hostPart !== '') {
    const [hs, he] = parseRange(hostPart, 'hostPort');
    if (he - hs + 1 !== count && !(count === 1 && he === hs)) {
      throw invalidArgument(`invalid ranges specified for container and host Ports: ${containerPart} and ${hostPart}`);
    }
    hStart = hs;
  }
  const out: PublishedPort[] = [];
  for (let i = 0; i < count; i++) {
    const p: PublishedPort = { containerPort: cStart + i, protocol, hostPort: hStart ? hStart + i : 0 };
    if (hostIp) p.hostIp = hostIp;
    out.push(p);
  }
  return out;
}
