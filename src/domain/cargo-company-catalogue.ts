/**
 * The cargo company list, shared by every request: cached for a TTL, refreshed by one call however
 * many requests miss at once, and kept serving the last good list while the OMS is down, up to a
 * maximum staleness.
 */
import type { CallOptions, CargoCompanyRecord } from "./ports.js";

export interface CatalogueOptions {
  ttlMs: number;
  /** How old the last good list may grow while refreshes fail. */
  maxStaleMs: number;
  now?: () => number;
  /** Told when a refresh fails but a stale list is still served. */
  onStaleServed?: (error: unknown, ageMs: number) => void;
  /** Told how each lookup was answered: from memory, by a refresh, or stale after a failed refresh. */
  onLookup?: (result: "hit" | "miss" | "stale") => void;
}

export interface CatalogueEntry {
  list: readonly CargoCompanyRecord[];
  byId: ReadonlyMap<number, CargoCompanyRecord>;
}

export class CargoCompanyCatalogue {
  private entry: CatalogueEntry | null = null;
  private loadedAt = 0;
  private refreshing: Promise<CatalogueEntry> | null = null;
  private readonly now: () => number;

  /** @param load reads the whole list from its source (the OMS, or a file). */
  constructor(
    private readonly load: (options?: CallOptions) => Promise<CargoCompanyRecord[]>,
    private readonly options: CatalogueOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** True when the next `get` will be answered from memory. */
  get fresh(): boolean {
    return this.entry !== null && this.now() - this.loadedAt < this.options.ttlMs;
  }

  /**
   * The entry when `get` would answer from memory, counted as a hit; null when `get` would have to
   * read. Lets a caller holding many lookups answer them without a promise each.
   */
  peek(): CatalogueEntry | null {
    if (this.entry === null || !this.fresh) return null;
    this.options.onLookup?.("hit");
    return this.entry;
  }

  /** @param options passed to the load that a miss triggers, so the request that waits sees the call. */
  async get(options?: CallOptions): Promise<CatalogueEntry> {
    const cached = this.peek();
    if (cached !== null) return cached;
    this.refreshing ??= this.refresh(options).finally(() => {
      this.refreshing = null;
    });
    try {
      const entry = await this.refreshing;
      this.options.onLookup?.("miss");
      return entry;
    } catch (error) {
      const age = this.now() - this.loadedAt;
      if (this.entry === null || age >= this.options.maxStaleMs) throw error;
      this.options.onStaleServed?.(error, age);
      this.options.onLookup?.("stale");
      return this.entry;
    }
  }

  private async refresh(options?: CallOptions): Promise<CatalogueEntry> {
    const list = [...(await this.load(options))].sort(byName);
    const entry = { list, byId: new Map(list.map((company) => [company.id, company])) };
    this.entry = entry;
    this.loadedAt = this.now();
    return entry;
  }
}

const collator = new Intl.Collator("tr", { sensitivity: "base" });

function byName(a: CargoCompanyRecord, b: CargoCompanyRecord): number {
  return collator.compare(a.name, b.name) || a.id - b.id;
}

/**
 * Folds case and accents so that "surat" finds "Sürat Kargo" and "YURTICI" finds "Yurtiçi Kargo".
 * Turkish dotted and dotless i are folded to a plain i first, since Unicode does not decompose them.
 */
export function foldForSearch(text: string): string {
  return text.replace(/[ıİ]/g, "i").normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** Companies whose name, ERP code or shipping company code contains `search`, folded. */
export function searchCargoCompanies(
  list: readonly CargoCompanyRecord[],
  search: string | null | undefined,
): readonly CargoCompanyRecord[] {
  const needle = foldForSearch(search?.trim() ?? "");
  if (needle === "") return list;
  return list.filter((company) =>
    [company.name, company.erpCode, company.shippingCompany].some(
      (value) => value !== null && foldForSearch(value).includes(needle),
    ),
  );
}
