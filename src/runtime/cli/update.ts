// `update [--resources -|FILE] [limit flags] <id>`: changes a running
// container's cgroup limits. With --resources the flags are ignored, as in runc.
import { readFile } from 'node:fs/promises';
import { wrap } from '../../errdefs/index.js';
import type { LinuxResources } from '../../oci/runtime-spec.js';
import { flagString } from './args.js';
import type { Verb } from './context.js';
import { RESOURCE_FLAGS, parseResourcesJson, resourcesFromFlags } from './update-resources.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const verb: Verb = {
  name: 'update',
  usage: '<container-id>',
  description:
    'The update command changes the resource constraints of a running container.\n' +
    '   --resources takes a LinuxResources JSON document (runtime-spec) from a file or "-" for stdin.',
  args: { exact: 1 },
  flags: RESOURCE_FLAGS,
  async run(ctx, p) {
    const source = flagString(p, 'resources');
    let resources: LinuxResources;
    if (source !== undefined) {
      let text: string;
      try {
        text = source === '-' ? await readStdin() : await readFile(source, 'utf8');
      } catch (err) {
        throw wrap(`read resources from ${source === '-' ? 'stdin' : source}`, err);
      }
      resources = parseResourcesJson(text, source === '-' ? 'stdin' : source);
    } else {
      resources = resourcesFromFlags(p);
    }
    await (await ctx.runtime()).update(p.args[0]!, resources);
    return 0;
  },
};
