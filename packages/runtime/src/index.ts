export { booleanSetting, listSetting } from "./config-values.js";
export { ConfigError, mergeConfigLayers, parseConfig, parseFlags, readEnv, setDotted } from "./config.js";
export { createLogger, silentLogger, REDACTED_LOG_PATHS, type Logger, type LoggerOptions } from "./logger.js";
export { CausewayError, ERROR_CODES, type ErrorCode } from "./errors.js";
