/**
 * One pass over the rows not done yet. It first settles the rows whose chunk was in flight when an
 * earlier attempt stopped (the gateway still holding the chunk's key replays it; otherwise the
 * packages are read), then reads the packages of rows whose outcome is unknown, and sends the rest
 * in chunks, journaling each chunk before it is sent and each row's outcome after.
 */
import { chunkKey } from "./chunks.js";
import { type GatewayClient, READ_BATCH } from "./client.js";
import type { Journal, RowOutcome } from "./journal.js";
import { outcomeOf, showsInput, VERIFIED } from "./outcome.js";
import type { ProgressReporter } from "./progress.js";
import type { Header } from "./rows.js";
import type { Work } from "./work.js";

export interface ImportStats {
  /** Rows sent in this run, and the calls they took. */
  sent: number;
  calls: number;
  replayed: number;
  verified: number;
  fromJournal: number;
}

/** What a round works with; the stats are counted into. */
export interface RoundParts {
  journal: Journal;
  client: GatewayClient;
  chunkSize: number;
  chunksInFlight: number;
  header: Header;
  progress: ProgressReporter;
  interrupt: AbortSignal;
  stats: ImportStats;
  /** Rows without a journal record may have been sent by a run whose journal was set aside. */
  verifyUnknown: boolean;
}

export class Round {
  private reason: string | null = null;
  private readonly journal: Journal;
  private readonly client: GatewayClient;
  private readonly interrupt: AbortSignal;

  constructor(private readonly parts: RoundParts) {
    this.journal = parts.journal;
    this.client = parts.client;
    this.interrupt = parts.interrupt;
  }

  /** Rows not done. */
  left(work: readonly Work[]): number {
    return work.filter((w) => this.journal.rows.get(w.row.key)?.outcome?.state !== "done").length;
  }

  /** Why the last pass left rows not done, for the note before the next one. */
  lastReason(): string | null {
    return this.reason;
  }

  /** One pass over `work`; returns early, between chunks, once interrupted. */
  async run(work: readonly Work[]): Promise<void> {
    this.reason = null;
    const open = work.filter((w) => this.journal.rows.get(w.row.key)?.outcome?.state !== "done");
    const byKey = new Map(open.map((w) => [w.row.key, w]));
    const toVerify: Work[] = [];
    const toSend: Work[] = [];
    const settled = new Set<string>();
    // Rows of a chunk that was in flight: replayed under its key when the gateway still holds it.
    for (const w of open) {
      const record = this.journal.rows.get(w.row.key);
      const chunk = record?.inFlight;
      if (chunk === undefined || settled.has(chunk)) continue;
      settled.add(chunk);
      if (this.interrupt.aborted) return;
      const members = (this.journal.chunks.get(chunk) ?? []).map((key) => byKey.get(key));
      const whole = members.every(
        (m) => m !== undefined && this.journal.rows.get(m.row.key)?.inFlight === chunk,
      );
      const holds = whole ? await this.client.holds(chunk) : false;
      if (holds === "unreachable") {
        this.reason = "the gateway cannot be reached";
        continue;
      }
      if (holds) {
        await this.send(chunk, members as Work[], true);
      } else {
        for (const m of members)
          if (m !== undefined && this.journal.rows.get(m.row.key)?.inFlight === chunk) toVerify.push(m);
      }
    }
    for (const w of open) {
      const record = this.journal.rows.get(w.row.key);
      if (record?.inFlight !== undefined) continue;
      if (record?.outcome?.state === "done") continue;
      if (record?.outcome?.state === "verify" || (record === undefined && this.parts.verifyUnknown))
        toVerify.push(w);
      else toSend.push(w);
    }
    toSend.push(...(await this.verify(toVerify)));
    toSend.sort((a, b) => a.row.line - b.row.line);
    await this.sendAll(toSend);
  }

  // Private: chunks in file order, `chunksInFlight` at a time; once interrupted, no chunk is started.
  // The first chunk goes alone: a refusal that would meet every chunk (credentials, a chunk too large)
  // then stops the import before anything else is sent.
  private async sendAll(rows: readonly Work[]): Promise<void> {
    let next = 0;
    let failed = false;
    const sendNext = () => {
      const chunk = rows.slice(next, next + this.parts.chunkSize);
      next += chunk.length;
      const attempts = chunk.map((w) => this.journal.rows.get(w.row.key)?.attempts ?? 0);
      return this.send(
        chunkKey(
          chunk.map((w) => w.input),
          attempts,
        ),
        chunk,
      );
    };
    const more = () => next < rows.length && !this.interrupt.aborted && !failed;
    if (more()) await sendNext();
    const worker = async () => {
      while (more()) {
        await sendNext().catch((error: unknown) => {
          failed = true;
          throw error;
        });
      }
    };
    // Every worker ends before the round does: none may write to the journal once it is closed.
    const ended = await Promise.allSettled(Array.from({ length: this.parts.chunksInFlight }, worker));
    for (const end of ended) if (end.status === "rejected") throw end.reason;
  }

  /** Reads the packages; rows they show applied are done, the others are returned to be sent. */
  private async verify(rows: Work[]): Promise<Work[]> {
    const unapplied: Work[] = [];
    for (let i = 0; i < rows.length; i += READ_BATCH) {
      if (this.interrupt.aborted) return unapplied;
      const batch = rows.slice(i, i + READ_BATCH);
      let views: Awaited<ReturnType<GatewayClient["readPackages"]>>;
      try {
        views = await this.client.readPackages(batch.map((w) => w.input.packageId));
      } catch (error) {
        // Not sent blind: they wait for a read that works.
        this.reason = `reading packages failed: ${(error as Error).message}`;
        continue;
      }
      const applied = batch.filter((w) => showsInput(views.get(w.input.packageId) ?? null, w.input));
      await this.journal.record(
        applied.map((w) => ({ key: w.row.key, packageId: w.row.packageId, outcome: VERIFIED })),
      );
      this.parts.stats.verified += applied.length;
      this.parts.progress.advance(applied.length);
      unapplied.push(...batch.filter((w) => !applied.includes(w)));
    }
    return unapplied;
  }

  /**
   * Sends one chunk under `key`, journaled before and after.
   * @param replay the gateway holds `key` from an earlier send whose outcome is open
   */
  private async send(key: string, chunk: Work[], replay = false): Promise<void> {
    await this.journal.sending(
      key,
      chunk.map((w) => w.row.key),
    );
    const attempt = await this.client.send(
      key,
      chunk.map((w) => w.input),
    );
    this.parts.stats.calls++;
    // A replay that was not sent settles nothing: the first send under the key may have run. Left in
    // flight too, so the key is asked about again rather than given up for a new one.
    if (attempt.kind === "lost" || (replay && attempt.kind === "notSent")) {
      // Left in flight: the next round asks whether the gateway holds the key, or reads.
      this.reason = attempt.reason;
      return;
    }
    let outcomes: RowOutcome[];
    if (attempt.kind === "notSent") {
      this.reason = attempt.reason;
      const outcome: RowOutcome = {
        state: "retry",
        result: "PENDING",
        code: "GATEWAY_UNAVAILABLE",
        message: `Not sent: ${attempt.reason}.`,
        outcomeKnown: true,
      };
      outcomes = chunk.map(() => outcome);
    } else {
      this.parts.stats.sent += chunk.length;
      if (attempt.replayed || attempt.recovered) this.parts.stats.replayed++;
      outcomes = attempt.items.map((item) => outcomeOf(item, this.parts.header.columns));
      const retried = outcomes.find((o) => o.state !== "done");
      if (retried) this.reason = retried.code;
    }
    await this.journal.record(
      chunk.map((w, i) => ({
        key: w.row.key,
        packageId: w.row.packageId,
        outcome: outcomes[i] as RowOutcome,
      })),
    );
    this.parts.progress.advance(outcomes.filter((o) => o.state === "done").length);
  }
}
