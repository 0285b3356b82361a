/** Thrown when the port asked for is taken: the message names -p and PORT. */
export class PortInUseError extends Error {
  readonly code = 'PORT_IN_USE';
  constructor(
    readonly port: number,
    readonly host: string,
  ) {
    super(
      `port ${port} on ${host} is already in use: stop what holds it, or choose another port with -p <port> or the PORT environment variable (-p 0 picks a free one)`,
    );
    this.name = 'PortInUseError';
  }
}
