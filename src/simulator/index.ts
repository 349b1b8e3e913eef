export { DEMO_OMS_TOKEN } from "./demo-data.js";
export { startSimulator } from "./server.js";
export type {
  AccessLogEntry,
  Fault,
  FaultRule,
  OmsSimulator,
  RecordedRequest,
  SimulatorOptions,
  SimulatorStats,
} from "./types.js";
export type {
  OmsCargoCompany,
  OmsCommandErrorBody,
  OmsDetailBody,
  OmsPackage,
  OmsPage,
  OmsShipment,
  OmsShipmentCommandBody,
  OmsShippingLabel,
  OmsState,
  OmsValidationErrorBody,
} from "./wire.js";
