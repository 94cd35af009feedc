export { BUILTIN_ENTITIES, findBuiltins, scanBuiltins, type BuiltinEntity } from "./builtin-scanner.js";
export { cardScheme } from "./card-issuers.js";
export { cpfValid } from "./cpf.js";
export { luhnValid } from "./luhn.js";
export { checkRegexSafety } from "./regex-safety.js";
export {
  MaskingConfigError,
  compileCustomPatterns,
  customPatternProblems,
  type CustomPattern,
} from "./custom-pattern.js";
export { KEYED_HASH_HEX_CHARS, keyedReplacement, normalizeForHash } from "./keyed-hash.js";
export { DEFAULT_MAX_CUSTOM_INPUT_CHARS, Masker, type MaskerOptions, type MaskerStats } from "./masker.js";
export { customPatternConfigSchema, maskingConfigSchema, type MaskingConfig } from "./masking-config.js";
export { createMaskerFromConfig } from "./from-config.js";
export {
  CORPUS_FILES,
  corpusToJsonl,
  generateCorpus,
  type CorpusEntity,
  type CorpusFile,
  type CorpusLine,
} from "./corpus/generate-corpus.js";
