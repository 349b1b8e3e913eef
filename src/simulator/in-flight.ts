import type { ServerResponse } from "node:http";
import type { SimulatorStats } from "./types.js";

/** Counts requests from arrival until their answer is sent or their socket is gone. */
export class InFlight {
  readonly stats: SimulatorStats = {
    commandsInFlight: 0,
    maxCommandsInFlight: 0,
    requestsInFlight: 0,
    maxRequestsInFlight: 0,
  };

  track(res: ServerResponse, isCommand: boolean): void {
    const stats = this.stats;
    stats.requestsInFlight += 1;
    if (stats.requestsInFlight > stats.maxRequestsInFlight)
      stats.maxRequestsInFlight = stats.requestsInFlight;
    if (isCommand) {
      stats.commandsInFlight += 1;
      if (stats.commandsInFlight > stats.maxCommandsInFlight)
        stats.maxCommandsInFlight = stats.commandsInFlight;
    }
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      stats.requestsInFlight -= 1;
      if (isCommand) stats.commandsInFlight -= 1;
    };
    res.once("finish", finish);
    res.once("close", finish);
  }

  /** Maxima start again from what is in flight right now; requests still running keep being counted. */
  resetMaxima(): void {
    this.stats.maxCommandsInFlight = this.stats.commandsInFlight;
    this.stats.maxRequestsInFlight = this.stats.requestsInFlight;
  }
}
