// What a pre-warmed worker evaluates before it takes a command: the modules most
// commands load lazily (the bundle initialises a module at its first import), so
// a served command starts with them compiled and initialised. Module top levels
// only define things: nothing here reads the environment, cwd or stdio, which
// belong to the command the worker is given later.
export async function warmUp(): Promise<void> {
  await Promise.all([
    import('../commands/run.js'),
    import('../commands/create.js'),
    import('../commands/start.js'),
    import('../commands/rm.js'),
    import('../commands/ps.js'),
    import('../commands/exec.js'),
    import('../commands/logs.js'),
    import('../commands/stop.js'),
    import('../commands/inspect.js'),
    import('../commands/images.js'),
    import('../../engine/index.js'),
    // the Engine interface in-process: what openEngine(ctx) loads for every command
    import('../../engine/local/index.js'),
    import('../../images/service.js'),
    import('../../runtime/index.js'),
    import('../../runtime/container/helper.js'),
    import('../../runtime/seccomp/index.js'),
  ]);
}
