/**
 * The cargo company catalogue's own rules with a controlled clock: freshness and TTL, single flight,
 * stale serving and maximum staleness, Turkish name order; and search folding.
 */
import { describe, expect, it, vi } from "vitest";
import {
  CargoCompanyCatalogue,
  foldForSearch,
  searchCargoCompanies,
} from "../../src/domain/cargo-company-catalogue.js";
import type { CargoCompanyRecord } from "../../src/domain/ports.js";

describe("CargoCompanyCatalogue", () => {
  const company = (id: number, name: string): CargoCompanyRecord => ({
    id,
    name,
    erpCode: null,
    shippingCompany: null,
  });
  const A = [company(1, "Yurtiçi Kargo"), company(2, "Aras Kargo")];
  const B = [company(3, "MNG Kargo")];

  function deferred<T>() {
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  function setup(options: { ttlMs?: number; maxStaleMs?: number } = {}) {
    const clock = { now: 10_000 };
    const load = vi.fn<() => Promise<CargoCompanyRecord[]>>(async () => A);
    const onStaleServed = vi.fn();
    const catalogue = new CargoCompanyCatalogue(load, {
      ttlMs: options.ttlMs ?? 1_000,
      maxStaleMs: options.maxStaleMs ?? 5_000,
      now: () => clock.now,
      onStaleServed,
    });
    return { clock, load, onStaleServed, catalogue };
  }

  it("is not fresh before the first load", () => {
    const { catalogue, load } = setup();

    expect(catalogue.fresh).toBe(false);
    expect(load).not.toHaveBeenCalled();
  });

  it("serves from memory until the TTL has fully passed, then loads again", async () => {
    const { catalogue, load, clock } = setup({ ttlMs: 1_000 });

    await catalogue.get();
    expect(catalogue.fresh).toBe(true);
    clock.now += 999;
    expect(catalogue.fresh).toBe(true);
    await catalogue.get();
    expect(load).toHaveBeenCalledTimes(1);

    clock.now += 1;
    expect(catalogue.fresh).toBe(false);
    load.mockResolvedValueOnce(B);
    const entry = await catalogue.get();

    expect(load).toHaveBeenCalledTimes(2);
    expect(entry.list.map((c) => c.name)).toEqual(["MNG Kargo"]);
    // The TTL counts from the new load.
    clock.now += 999;
    await catalogue.get();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("with a TTL of 0 every get loads", async () => {
    const { catalogue, load } = setup({ ttlMs: 0 });

    await catalogue.get();
    await catalogue.get();

    expect(load).toHaveBeenCalledTimes(2);
  });

  it("passes the call options of the request that triggered the load", async () => {
    const { catalogue, load } = setup();
    const options = { onCall: () => {} };

    await catalogue.get(options);

    expect(load).toHaveBeenCalledWith(options);
  });

  it("single flight: concurrent misses share one load", async () => {
    const { catalogue, load } = setup();
    const pending = deferred<CargoCompanyRecord[]>();
    load.mockReturnValueOnce(pending.promise);

    const gets = Array.from({ length: 5 }, () => catalogue.get());
    expect(load).toHaveBeenCalledTimes(1);
    pending.resolve(A);
    const entries = await Promise.all(gets);

    expect(load).toHaveBeenCalledTimes(1);
    for (const entry of entries) expect(entry).toBe(entries[0]);
    expect(entries[0]?.list.map((c) => c.id)).toEqual([2, 1]);
  });

  it("single flight: a failing load fails every waiter once, and the next get tries again", async () => {
    const { catalogue, load, onStaleServed } = setup();
    const pending = deferred<CargoCompanyRecord[]>();
    load.mockReturnValueOnce(pending.promise);
    const error = new Error("OMS down");

    const gets = Array.from({ length: 3 }, () => catalogue.get());
    pending.reject(error);
    const settled = await Promise.allSettled(gets);

    expect(settled).toEqual(Array.from({ length: 3 }, () => ({ status: "rejected", reason: error })));
    expect(load).toHaveBeenCalledTimes(1);
    // Nothing stale to serve on a cold cache.
    expect(onStaleServed).not.toHaveBeenCalled();

    await expect(catalogue.get()).resolves.toMatchObject({ list: [{ id: 2 }, { id: 1 }] });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("serves the last good list while refreshes fail, telling the callback the error and the age", async () => {
    const { catalogue, load, clock, onStaleServed } = setup({ ttlMs: 1_000, maxStaleMs: 5_000 });
    const first = await catalogue.get();
    const error = new Error("OMS down");
    load.mockRejectedValue(error);

    clock.now += 1_500;
    const stale = await catalogue.get();

    expect(stale).toBe(first);
    expect(onStaleServed).toHaveBeenCalledTimes(1);
    expect(onStaleServed).toHaveBeenCalledWith(error, 1_500);

    // The last moment before the bound still serves the old list.
    clock.now += 3_499;
    await expect(catalogue.get()).resolves.toBe(first);
    expect(onStaleServed).toHaveBeenLastCalledWith(error, 4_999);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("refuses a list as old as maxStaleMs: the refresh error is thrown", async () => {
    const { catalogue, load, clock, onStaleServed } = setup({ ttlMs: 1_000, maxStaleMs: 5_000 });
    await catalogue.get();
    const error = new Error("OMS down");
    load.mockRejectedValue(error);

    clock.now += 5_000;

    await expect(catalogue.get()).rejects.toBe(error);
    expect(onStaleServed).not.toHaveBeenCalled();
  });

  it("a successful refresh after failures replaces the list and restarts the age", async () => {
    const { catalogue, load, clock, onStaleServed } = setup({ ttlMs: 1_000, maxStaleMs: 5_000 });
    await catalogue.get();
    load.mockRejectedValueOnce(new Error("OMS down"));
    clock.now += 4_000;
    await catalogue.get();
    expect(onStaleServed).toHaveBeenCalledTimes(1);

    load.mockResolvedValueOnce(B);
    clock.now += 500;
    const entry = await catalogue.get();
    expect(entry.list.map((c) => c.name)).toEqual(["MNG Kargo"]);

    // 4.5 s after the first load but only just after the new one: a failure now serves B as stale.
    load.mockRejectedValueOnce(new Error("OMS down again"));
    clock.now += 1_000;
    await expect(catalogue.get()).resolves.toBe(entry);
    expect(onStaleServed).toHaveBeenLastCalledWith(expect.any(Error), 1_000);
  });

  it("sorts by name in Turkish alphabetical order, ties by id, and indexes by id", async () => {
    const names = [
      "Ümit Kargo",
      "Uçar Kargo",
      "Öz Kargo",
      "Ozan Kargo",
      "Şahin Kargo",
      "Sürat Kargo",
      "İnci Kargo",
      "Ilgaz Kargo",
      "Çiçek Kargo",
      "Cem Lojistik",
      "ups",
      "UPS",
    ];
    const load = async () => names.map((name, index) => company(20 - index, name));
    const catalogue = new CargoCompanyCatalogue(load, { ttlMs: 1_000, maxStaleMs: 1_000 });

    const { list, byId } = await catalogue.get();

    expect(list.map((c) => c.name)).toEqual([
      "Cem Lojistik",
      "Çiçek Kargo",
      "Ilgaz Kargo",
      "İnci Kargo",
      "Ozan Kargo",
      "Öz Kargo",
      "Sürat Kargo",
      "Şahin Kargo",
      "Uçar Kargo",
      // Equal ignoring case: the lower id first.
      "UPS",
      "ups",
      // Ü is a letter of its own after U, not an accented U.
      "Ümit Kargo",
    ]);
    expect(list.slice(9, 11).map((c) => c.id)).toEqual([9, 10]);
    expect(byId.size).toBe(names.length);
    expect(byId.get(20)?.name).toBe("Ümit Kargo");
    expect(byId.get(99)).toBeUndefined();
  });
});

describe("foldForSearch and searchCargoCompanies", () => {
  it.each([
    ["İSTANBUL", "istanbul"],
    ["ISTANBUL", "istanbul"],
    ["ıstanbul", "istanbul"],
    ["ığüşöç", "igusoc"],
    ["IĞÜŞÖÇ", "igusoc"],
    ["Yurtiçi Kargo", "yurtici kargo"],
    ["Sürat", "surat"],
    ["aras-kargo", "aras-kargo"],
    ["", ""],
  ])("foldForSearch(%j) = %j", (text, folded) => {
    expect(foldForSearch(text)).toBe(folded);
  });

  const list: CargoCompanyRecord[] = [
    { id: 1, name: "İstanbul Kurye", erpCode: "IST-01", shippingCompany: null },
    { id: 2, name: "Iğdır Lojistik", erpCode: null, shippingCompany: "igdir" },
    { id: 3, name: "Sürat Kargo", erpCode: "surat-kargo", shippingCompany: "surat" },
  ];

  it.each([
    ["istanbul", [1]],
    ["ISTANBUL", [1]],
    ["ıstanbul", [1]],
    ["IĞDIR", [2]],
    ["ist-01", [1]],
    ["SURAT", [3]],
    ["  ", [1, 2, 3]],
    ["kurye kargo", []],
  ])("searchCargoCompanies(%j)", (search, ids) => {
    expect(searchCargoCompanies(list, search).map((c) => c.id)).toEqual(ids);
  });

  it("returns the list itself for no search", () => {
    expect(searchCargoCompanies(list, null)).toBe(list);
    expect(searchCargoCompanies(list, undefined)).toBe(list);
  });
});
