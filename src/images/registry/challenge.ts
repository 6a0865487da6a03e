// WWW-Authenticate parsing (RFC 7235): one or more challenges, each a scheme
// followed by comma-separated auth-params whose values are tokens or quoted strings.

export interface AuthChallenge {
  /** Lower-cased scheme: "bearer", "basic". */
  scheme: string;
  params: Record<string, string>;
}

export function parseWWWAuthenticate(header: string | string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  return values.flatMap(parseOne);
}

function parseOne(s: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const skip = (re: RegExp) => {
    while (i < s.length && re.test(s[i]!)) i++;
  };
  const token = () => {
    const start = i;
    while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z/]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  let current: AuthChallenge | undefined;
  while (i < s.length) {
    skip(/[\s,]/);
    if (i >= s.length) break;
    const word = token();
    if (word === '') {
      i++; // stray character: skip it rather than loop forever
      continue;
    }
    skip(/\s/);
    if (s[i] === '=' && current) {
      i++;
      skip(/\s/);
      let value: string;
      if (s[i] === '"') {
        i++;
        value = '';
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++; // closing quote
      } else {
        value = token();
      }
      current.params[word.toLowerCase()] = value;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}
