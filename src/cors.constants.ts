/** Metadata key of `@Cors()`, on a handler function or a controller class. */
export const CORS_POLICY_METADATA = 'CORS:POLICY';
