// docker's prune prompt: the warning, then "Are you sure you want to continue? [y/N]".
import { createInterface } from 'node:readline/promises';
import type { CliContext } from './context.js';

export async function confirmPrune(ctx: CliContext, warning: string): Promise<boolean> {
  ctx.stdout.write(`${warning}\n`);
  const rl = createInterface({ input: ctx.stdin, output: ctx.stdout });
  const answer = await rl.question('Are you sure you want to continue? [y/N] ');
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
