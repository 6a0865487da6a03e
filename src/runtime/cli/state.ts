// `state <id>`: the container's state JSON, indented by two spaces and without
// a trailing newline, exactly as runc prints it.
import type { Verb } from './context.js';
import { stateJson } from './state-json.js';

export const verb: Verb = {
  name: 'state',
  usage: '<container-id>',
  description: 'The state command outputs current state information for the instance of a container.',
  args: { exact: 1 },
  flags: [],
  async run(ctx, p) {
    const rt = await ctx.runtime();
    const state = await rt.state(p.args[0]!);
    ctx.stdout.write(JSON.stringify(stateJson(state), null, 2));
    return 0;
  },
};
