export { loadLocalStackConfig, localStackConfigSchema, type LocalStackConfig } from "./config.js";
export { startLocalStack, type RunningStack } from "./stack.js";
