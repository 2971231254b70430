/** Metadata key of `@Cors()`, on a handler function or a controller class. */
export const CORS_POLICY_METADATA = 'CORS:POLICY';

/** Metadata key the module puts on route handler functions; Nest copies it onto the handlers it registers. */
export const CORS_ROUTE_METADATA = 'CORS:ROUTE';
