export { checkBtf, checkRoot, skipUnless, type PrivilegeCheck } from "./privilege.js";
export { findFreePort } from "./free-port.js";
export { waitFor, type WaitForOptions } from "./wait-for.js";
export { TestGrpcServer } from "./grpc-test-server.js";
export {
  DEFAULT_VICTORIA_METRICS_BIN,
  VictoriaMetricsProcess,
  startVictoriaMetrics,
  type PromQLSample,
  type VictoriaMetricsOptions,
} from "./victoria-metrics.js";
