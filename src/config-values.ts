/**
 * Typed readers of environment values for config.ts. They record a problem instead of throwing, so
 * that start-up reports every bad value at once. They read only the object they are given.
 */

export type Env = Readonly<Record<string, string | undefined>>;

// Private: both maps share the `key:value,key:value` syntax; a malformed pair is yielded with an
// empty value so that the caller reports it with its own variable name.
export function* pairs(raw: string): Generator<[string, string]> {
  for (const item of raw.split(",")) {
    if (item.trim() === "") continue;
    const [key = "", value = "", ...rest] = item.split(":").map((s) => s.trim());
    yield [key, rest.length > 0 ? `${value}:${rest.join(":")}` : value];
  }
}

// Private: small typed readers that record a problem instead of throwing, so all are reported.
export class Parser {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === "" ? undefined : value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got "${value}".`);
      return fallback;
    }
    return n;
  }

  oneOf(name: string, allowed: readonly string[], fallback: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!allowed.includes(value)) {
      this.problems.push(`${name} must be one of ${allowed.join(", ")}, got "${value}".`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
    this.problems.push(`${name} must be true or false, got "${value}".`);
    return fallback;
  }

  word(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(value)) {
      this.problems.push(`${name} must be a single word such as Token or Bearer, got "${value}".`);
      return fallback;
    }
    return value;
  }

  path(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    if (!/^\/[A-Za-z0-9/_.-]*$/.test(value)) {
      this.problems.push(`${name} must be an absolute URL path such as ${fallback}, got "${value}".`);
      return fallback;
    }
    return value;
  }

  list(name: string): string[] {
    return (this.raw(name) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  }

  baseUrl(name: string): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    const url = URL.canParse(value) ? new URL(value) : null;
    if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
      this.problems.push(
        `${name} must be an http(s) URL such as https://acme-oms.akinon.net, got "${withoutCredentials(value)}".`,
      );
      return null;
    }
    if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
      this.problems.push(`${name} must not contain credentials, a query or a fragment.`);
      return null;
    }
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  }

  redisUrl(name: string): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    if (!URL.canParse(value) || !["redis:", "rediss:"].includes(new URL(value).protocol)) {
      this.problems.push(`${name} must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0.`);
      return null;
    }
    return value;
  }

  origins(name: string): string[] {
    return this.list(name).filter((origin) => {
      const ok = URL.canParse(origin) && new URL(origin).origin === origin;
      if (!ok) this.problems.push(`${name}: "${origin}" is not an origin such as https://app.example.com.`);
      return ok;
    });
  }
}

/** A URL as it may be shown: credentials (user:password@host) must not end up in a log. */
export function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//***@");
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !(value instanceof Map)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
