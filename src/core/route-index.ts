import { parse, pathToRegexp } from 'path-to-regexp';

/** A route as the HTTP router registers it: an upper-case method (or `ALL`) and an Express 5 path. */
export interface IndexedRoute<T> {
  readonly method: string;
  readonly path: string;
  readonly value: T;
}

/** The router's own matching settings (Express: `case sensitive routing`, `strict routing`). */
export interface RouteMatchingOptions {
  readonly caseSensitive: boolean;
  readonly strict: boolean;
}

interface PathGroup<R> {
  readonly order: number;
  readonly regexp: RegExp | undefined;
  readonly result: R;
}

interface MethodTable<R> {
  readonly literal: Map<string, PathGroup<R>>;
  /** Paths with parameters or wildcards, in registration order. */
  readonly patterns: PathGroup<R>[];
  /** Results of paths that needed the patterns; emptied when full, so random paths cannot grow it. */
  readonly recent: Map<string, R | undefined>;
}

const RECENT_PATHS = 1024;

/**
 * Finds the route a request reaches the way Express does: the first registered path that matches,
 * for the method, `ALL`, or `GET` when the request is a `HEAD`. Literal paths are found with one `Map`
 * lookup; patterns are tried only when registered before the literal hit.
 *
 * Routes registered with the same path for the same method (header- or media-type-versioned handlers,
 * `@All` beside `@Post`) cannot be told apart by method and path: `combine` turns them into one result,
 * once, when the method's table is built.
 */
export class RouteIndex<T, R> {
  private readonly tables = new Map<string, MethodTable<R>>();
  /** Methods no route names share one table of the `ALL` routes, so unknown methods cannot grow the cache. */
  private readonly namedMethods: ReadonlySet<string>;

  constructor(
    private readonly routes: readonly IndexedRoute<T>[],
    private readonly options: RouteMatchingOptions,
    private readonly combine: (values: T[]) => R,
  ) {
    this.namedMethods = new Set(routes.map((route) => route.method).concat('HEAD'));
  }

  lookup(method: string, pathname: string): R | undefined {
    const key = this.namedMethods.has(method) ? method : ANY_OTHER_METHOD;
    const table = this.tables.get(key) ?? this.buildTable(key);
    const literal = table.literal.get(this.literalKey(pathname));
    const before = literal === undefined ? Infinity : literal.order;
    if (table.patterns.length === 0 || table.patterns[0].order > before) return literal?.result;
    if (table.recent.has(pathname)) return table.recent.get(pathname);
    let result = literal?.result;
    for (const group of table.patterns) {
      if (group.order > before) break;
      if (group.regexp!.test(pathname)) {
        result = group.result;
        break;
      }
    }
    if (table.recent.size >= RECENT_PATHS) table.recent.clear();
    table.recent.set(pathname, result);
    return result;
  }

  private buildTable(method: string): MethodTable<R> {
    const groups = new Map<string, { order: number; routes: T[] }>();
    this.routes.forEach((route, order) => {
      const handles = route.method === method || route.method === 'ALL' || (method === 'HEAD' && route.method === 'GET');
      if (!handles) return;
      const group = groups.get(route.path);
      if (group) group.routes.push(route.value);
      else groups.set(route.path, { order, routes: [route.value] });
    });

    const table: MethodTable<R> = { literal: new Map(), patterns: [], recent: new Map() };
    for (const [path, { order, routes }] of groups) {
      const result = this.combine(routes);
      const literal = literalPath(path);
      if (literal !== undefined) {
        const key = this.literalKey(literal);
        if (!table.literal.has(key)) table.literal.set(key, { order, regexp: undefined, result });
      } else {
        const { regexp } = pathToRegexp(path, {
          end: true,
          sensitive: this.options.caseSensitive,
          trailing: !this.options.strict,
        });
        table.patterns.push({ order, regexp, result });
      }
    }
    this.tables.set(method, table);
    return table;
  }

  private literalKey(path: string): string {
    const trimmed = !this.options.strict && path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    return this.options.caseSensitive ? trimmed : trimmed.toLowerCase();
  }
}

const ANY_OTHER_METHOD = '';

/** The path's text when it has no parameter, wildcard or optional group; otherwise `undefined`. */
function literalPath(path: string): string | undefined {
  const { tokens } = parse(path);
  let text = '';
  for (const token of tokens) {
    if (token.type !== 'text') return undefined;
    text += token.value;
  }
  return text;
}
