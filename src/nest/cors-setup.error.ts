/**
 * A mistake in how the module is set up, rather than in a policy: `app.enableCors()` beside it, or
 * `CorsModule.forRoot()` imported twice. Thrown while the app starts, with what to write instead.
 */
export class CorsSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorsSetupError';
  }
}
