/** A provider of every `CorsModule` instance, by which one instance tells the others in the container. */
export class CorsModuleMarker {}

/** Whether a module's `imports` entry is a `CorsModule` (its `forRoot()`/`forRootAsync()` result). */
export function importsCorsModule(entry: unknown): boolean {
  const module = (entry as { module?: object } | undefined)?.module;
  if (typeof module !== 'function') return false;
  const providers: unknown[] = Reflect.getMetadata('providers', module) ?? [];
  return providers.includes(CorsModuleMarker);
}
