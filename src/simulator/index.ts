export { DEMO_OMS_TOKEN } from "./demo-data.js";
export { startSimulator } from "./server.js";
export type {
  Fault,
  FaultRule,
  OmsSimulator,
  RecordedRequest,
  SimulatorOptions,
  SimulatorStats,
} from "./types.js";
