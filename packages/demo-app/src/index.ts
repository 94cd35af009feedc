export {
  DEMO_IMAGE_REPOSITORY,
  DEMO_IMAGE_TAG,
  LOAD_GENERATOR,
  SHOP_PORT,
  SHOP_SERVICES,
  shopService,
  type DownstreamCall,
  type ShopServiceSpec,
} from "./catalog.js";
export { BAD_RELEASE_TAG, RELEASES, releaseBehaviour, type ReleaseBehaviour } from "./releases.js";
export {
  faultFlagsSchema,
  parseFaultFlags,
  readFaultFlags,
  writeFaultFlags,
  type FaultFlags,
  type FaultFlagsInput,
} from "./fault-flags.js";
export {
  ServiceDirectory,
  serviceKey,
  writeServiceDirectory,
  type ServiceDirectoryData,
  type ServiceEndpoint,
} from "./service-directory.js";
export {
  demoServiceConfigSchema,
  loadDemoServiceConfig,
  loadGeneratorConfigSchema,
  loadLoadGeneratorConfig,
  type DemoServiceConfig,
  type LoadGeneratorConfig,
} from "./config.js";
export { startTelemetry, parseResourceAttributes, type Telemetry } from "./telemetry.js";
export { ShopService } from "./shop-service.js";
export { LoadGenerator, type LoadStats } from "./load-generator.js";
export { LeakyCache, burnCpu } from "./memory-leak.js";
export { callDownstream, type CallResult } from "./downstream-client.js";
export { DEMO_PART_OF_LABEL, demoManifests, type DemoManifestOptions } from "./manifests.js";

/** Path of the demo's command-line entry (`causeway-demo service|loadgen`) in the built package. */
// From src/ (tests) and dist/ alike: both sit one level below the package root.
export const DEMO_ENTRY_URL = new URL("../dist/cli/main.js", import.meta.url);
