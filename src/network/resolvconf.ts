// The container's /etc/resolv.conf by docker's rules: the host's file with
// loopback resolvers removed (they are unreachable from another netns; docker
// falls back to Google's public resolvers when none remain), --dns, --dns-search
// and --dns-option replacing the corresponding parts. Host networking keeps the
// host's resolvers as they are.

export interface ResolvConfOptions {
  hostResolvConf: string;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  hostNetwork: boolean;
}

export const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

const isLoopback = (ip: string) => /^127\./.test(ip) || ip === '::1' || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(ip);

interface ParsedResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ParsedResolvConf {
  const out: ParsedResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.search = rest;
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

/** The host's file minus loopback nameserver lines; defaults appended when no resolver remains. */
function filterHostFile(text: string): string {
  const kept = text.split('\n').filter((l) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(l);
    return !(m && isLoopback(m[1]!));
  });
  let out = kept.join('\n');
  if (parseResolvConf(out).nameservers.length === 0) {
    out = out.replace(/\n*$/, '\n') + DEFAULT_NAMESERVERS.map((ns) => `nameserver ${ns}\n`).join('');
    if (out.startsWith('\n')) out = out.replace(/^\n+/, '');
  }
  return out.endsWith('\n') || out === '' ? out : out + '\n';
}

export function buildResolvConf(o: ResolvConfOptions): string {
  const overridden = (o.dns?.length ?? 0) > 0 || (o.dnsSearch?.length ?? 0) > 0 || (o.dnsOptions?.length ?? 0) > 0;
  if (!overridden) return o.hostNetwork ? o.hostResolvConf : filterHostFile(o.hostResolvConf);

  const host = parseResolvConf(o.hostNetwork ? o.hostResolvConf : filterHostFile(o.hostResolvConf));
  const nameservers = o.dns?.length ? o.dns : host.nameservers;
  const search = o.dnsSearch?.length ? o.dnsSearch : host.search;
  const options = o.dnsOptions?.length ? o.dnsOptions : host.options;
  let out = '';
  // As docker: "--dns-search=." means no search domains at all.
  const searchLine = search.join(' ');
  if (search.length > 0 && searchLine.trim() !== '.') out += `search ${searchLine}\n`;
  for (const ns of nameservers) out += `nameserver ${ns}\n`;
  if (options.length > 0) out += `options ${options.join(' ')}\n`;
  return out;
}
