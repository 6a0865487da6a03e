// `gantry login [-u USER] [-p PASS | --password-stdin] [SERVER]`: the engine
// checks the credentials against the registry, then this client stores them in
// docker's config.json (or its credential helper), as docker's CLI does.
import { createInterface } from 'node:readline';
import { invalidArgument } from '../../errdefs/index.js';
import { loginDomain, storeCredentials } from '../../images/auth/credentials.js';
import { openEngine } from '../engine-client.js';
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../flags.js';

async function readAll(ctx: CliContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of ctx.stdin) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function prompt(ctx: CliContext, question: string, endLine: boolean): Promise<string> {
  ctx.stdout.write(question);
  const rl = createInterface({ input: ctx.stdin, terminal: false });
  try {
    const line: string = await new Promise((resolve) => rl.once('line', resolve).once('close', () => resolve('')));
    return line.trim();
  } finally {
    rl.close();
    if (endLine) ctx.stdout.write('\n');
  }
}

export const command: Command = {
  spec: {
    name: 'login',
    usage: '[OPTIONS] [SERVER]',
    description:
      'Log in to a registry.\nIf no server is specified, the default is defined by the daemon.',
    maxArgs: 1,
    flags: [
      { name: 'password', short: 'p', type: 'string', description: 'Password' },
      { name: 'password-stdin', type: 'bool', description: 'Take the password from stdin' },
      { name: 'username', short: 'u', type: 'string', description: 'Username' },
    ],
  },
  async run(ctx, { flags, args }) {
    let username = (flags.username as string | undefined) ?? '';
    let password = (flags.password as string | undefined) ?? '';
    if (flags['password-stdin']) {
      if (password) throw new UsageError('--password and --password-stdin are mutually exclusive');
      if (!username) throw new UsageError('Must provide --username with --password-stdin');
      password = await readAll(ctx);
    } else if (password) {
      ctx.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    }
    if (!username) username = await prompt(ctx, 'Username: ', false);
    if (!username) throw invalidArgument('Error: Non-null Username Required');
    if (!password) password = await prompt(ctx, 'Password: ', true);
    if (!password) throw invalidArgument('Error: Password Required');
    const server = args[0];
    const engine = await openEngine(ctx);
    const res = await engine.system.auth({ username, password, ...(server ? { serveraddress: server } : {}) }).finally(() => engine.close());
    await storeCredentials(loginDomain(server), { username, password });
    ctx.stdout.write(`${res.Status}\n`);
  },
};
