// The exec routes: create, start (hijacked unless Detach), resize, inspect.
import type { ExecCreateConfig } from '../../../engine/api.js';
import { invalidArgument } from '../../../errdefs/index.js';
import type { Route } from '../route.js';
import { relaySession } from '../io-session.js';

interface ExecStartBody {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
}

function requiredInt(value: number | undefined, name: string): number {
  if (value === undefined) throw invalidArgument(`invalid value for ${name}: strconv.Atoi: parsing "": invalid syntax`);
  return value;
}

export const execRoutes: Route[] = [
  {
    method: 'POST',
    path: '/containers/{id}/exec',
    async handler(ctx) {
      const config = await ctx.json<ExecCreateConfig>();
      if (!Array.isArray(config?.Cmd) || config.Cmd.length === 0) throw invalidArgument('No exec command specified');
      ctx.send(await ctx.engine.exec.create(ctx.params.id!, config), 201);
    },
  },
  {
    method: 'POST',
    path: '/exec/{id}/start',
    async handler(ctx) {
      const body = await ctx.json<ExecStartBody>();
      // Inspected first: between start and the relay nothing may wait, or early output would be missed.
      const { OpenStdin } = await ctx.engine.exec.inspect(ctx.params.id!);
      const session = await ctx.engine.exec.start(ctx.params.id!, { Detach: Boolean(body.Detach), Tty: Boolean(body.Tty), ConsoleSize: body.ConsoleSize ?? null });
      if (!session) return ctx.empty(200);
      relaySession(ctx, session, { tty: Boolean(body.Tty), stdin: OpenStdin });
    },
  },
  {
    method: 'POST',
    path: '/exec/{id}/resize',
    async handler(ctx) {
      await ctx.engine.exec.resize(ctx.params.id!, requiredInt(ctx.int('h'), 'h'), requiredInt(ctx.int('w'), 'w'));
      ctx.empty(200);
    },
  },
  { method: 'GET', path: '/exec/{id}/json', handler: async (ctx) => ctx.send(await ctx.engine.exec.inspect(ctx.params.id!)) },
];
