import { buildDemoPackages } from "./demo-data.js";
import type { OmsPackage, OmsShipment } from "./wire.js";

/**
 * The simulated OMS's package table plus the per-package command locks. Packages are only handed out as JSON
 * or deep copies, so they can be updated in place.
 */
export class PackageStore {
  private packages = new Map<number, OmsPackage>();
  private sortedIds: number[] | undefined;
  private locks = new Set<number>();
  // Label versions keep counting across reset() so a regenerated label URL is never handed out twice.
  private labelVersion = 1;
  private resets = 0;

  constructor(private readonly baseUrl: string) {
    this.reset();
  }

  /** Changes on every reset(), so work begun before it can tell that its package table is gone. */
  get generation(): number {
    return this.resets;
  }

  reset(): void {
    this.resets += 1;
    this.packages = buildDemoPackages(this.baseUrl);
    this.sortedIds = undefined;
    // A command still running from before the reset releases its lock into the discarded set.
    this.locks = new Set();
  }

  get(id: number): OmsPackage | undefined {
    return this.packages.get(id);
  }

  set(pkg: OmsPackage): void {
    if (!this.packages.has(pkg.id)) this.sortedIds = undefined;
    this.packages.set(pkg.id, structuredClone(pkg));
  }

  /** Packages ordered by id. */
  list(): OmsPackage[] {
    this.sortedIds ??= [...this.packages.keys()].sort((a, b) => a - b);
    const result: OmsPackage[] = [];
    for (const id of this.sortedIds) {
      const pkg = this.packages.get(id);
      if (pkg) result.push(pkg);
    }
    return result;
  }

  /** Takes the package's command lock; returns its release, or undefined while another command holds it. */
  tryLock(id: number): (() => void) | undefined {
    const locks = this.locks;
    if (locks.has(id)) return undefined;
    locks.add(id);
    return () => {
      locks.delete(id);
    };
  }

  /** Records a new shipment and regenerates the label, as the OMS does after the command. */
  updateShipment(id: number, shipment: OmsShipment): void {
    const pkg = this.packages.get(id);
    if (!pkg) return;
    const now = new Date().toISOString();
    this.labelVersion += 1;
    pkg.shipment = shipment;
    pkg.shipping_label = { url: `${this.baseUrl}/labels/${id}/${this.labelVersion}.pdf`, modified_date: now };
    pkg.modified_date = now;
  }
}
