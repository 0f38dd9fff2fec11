/** A usage or input error the CLI reports on stderr with its code, exiting non-zero. */
export class CliError extends Error {
  constructor(
    readonly code: 'E_USAGE' | 'E_INPUT' | 'E_MODEL' | 'E_OUTPUT',
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
