/** A feature module was imported without the packages it runs on; the message says what to install. */
export class MissingPeerError extends Error {
  override readonly name = 'MissingPeerError';

  constructor(
    readonly feature: string,
    readonly missing: readonly string[],
    install: readonly string[],
  ) {
    super(
      `${feature} needs ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed: ` +
        `npm install ${install.join(' ')}`,
    );
  }
}
