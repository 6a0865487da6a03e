// ExecAPI over the Docker Engine API: /containers/{id}/exec and /exec/{id}/...
import type { ExecAPI } from '../api.js';
import type { ExecInspect } from '../api-types.js';
import { notImplemented } from '../../errdefs/index.js';
import { pathPart, type Transport } from './transport.js';
import { hijackedSession } from './session.js';

export function remoteExec(t: Transport): ExecAPI {
  const e = (id: string, rest: string) => `/exec/${pathPart(id)}${rest}`;
  return {
    create: (containerRef, config) => t.json<{ Id: string }>('POST', `/containers/${pathPart(containerRef)}/exec`, { json: config }),
    async start(execId, opts) {
      const body = { Detach: opts.Detach ?? false, Tty: opts.Tty ?? false, ConsoleSize: opts.ConsoleSize ?? null };
      if (body.Detach) {
        await t.call('POST', e(execId, '/start'), { json: body });
        return undefined;
      }
      return hijackedSession(await t.hijack('POST', e(execId, '/start'), { json: body }), body.Tty);
    },
    resize: async (execId, h, w) => void (await t.call('POST', e(execId, '/resize'), { query: { h, w } })),
    inspect: (execId) => t.json<ExecInspect>('GET', e(execId, '/json')),
    kill: async () => {
      throw notImplemented('killing an exec: the Docker Engine API has no exec kill');
    },
  };
}
