// A --format template that does not parse or execute, with the exit code docker
// uses for it. Its own module so the CLI's error handler need not load the
// template engine for every command.
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}
