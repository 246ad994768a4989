/**
 * Tag routing, with Fluent Bit's rules: an output takes a tag when its
 * Match_Regex matches (tried first), or else its Match pattern does; `*`
 * matches any run of characters, everything else literally, case-sensitive.
 * An output with neither takes nothing.
 */

export interface RouteRule {
  match?: string;
  matchRegex?: string;
}

/** Compiles a Match pattern (`app.*`, `*`, `a*b`) to an anchored RegExp. */
export function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

function compile(rule: RouteRule): ((tag: string) => boolean) | undefined {
  if (rule.matchRegex !== undefined) {
    const regex = new RegExp(rule.matchRegex);
    return (tag) => regex.test(tag);
  }
  if (rule.match !== undefined) {
    if (rule.match === '*') return () => true;
    const regex = wildcardToRegExp(rule.match);
    return (tag) => regex.test(tag);
  }
  return undefined;
}

/** Routes tags to output indices, remembering the answer per tag. */
export class Router {
  private readonly matchers: Array<((tag: string) => boolean) | undefined>;
  private readonly cache = new Map<string, number[]>();

  constructor(rules: RouteRule[]) {
    this.matchers = rules.map(compile);
  }

  route(tag: string): number[] {
    let routes = this.cache.get(tag);
    if (routes === undefined) {
      routes = [];
      this.matchers.forEach((matches, index) => {
        if (matches?.(tag)) routes!.push(index);
      });
      // Tags come from configuration and plugins, rarely from user data, but
      // never let a flood of distinct tags grow this without bound.
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(tag, routes);
    }
    return routes;
  }
}
