export {
  abstractEntity,
  abstractRelation,
  abstractRootCause,
  abstractSymptom,
  type AbstractEntity,
  type AbstractRelation,
  type AbstractRootCause,
  type AbstractSymptom,
  type AbstractionPolicy,
  type EntityInput,
  type RelationInput,
  type RelationKeyInput,
  type RootCauseOffer,
  type SymptomOffer,
  type SymptomRef,
  type TopologyOffer,
} from "./abstraction.js";
export { Backoff } from "./backoff.js";
export {
  EncryptedDiskQueue,
  type EncryptedDiskQueueOptions,
  type QueuePosition,
  type QueuedMessage,
  type ReadMessage,
} from "./disk-queue.js";
export { DecryptionError, EnvelopeCipher, parseKek, type SegmentBinding } from "./envelope-crypto.js";
export {
  EgressLedger,
  MAX_EGRESS_QUERY_LIMIT,
  type EgressEntry,
  type EgressLedgerOptions,
  type EgressQuery,
} from "./egress-ledger.js";
export {
  VictoriaMetricsEvidenceProvider,
  boundEvidence,
  defaultEvidenceSelectors,
  type Evidence,
  type EvidenceEvent,
  type EvidenceProvider,
  type EvidenceRequest,
  type EvidenceSeries,
  type VictoriaMetricsEvidenceProviderOptions,
} from "./evidence.js";
export { UpstreamForwarder, type UpstreamForwarderOptions } from "./forwarder.js";
export {
  DEFAULT_LABEL_ALLOWLIST,
  UPSTREAM_ID_PATTERN,
  upstreamConfigSchema,
  type UpstreamConfig,
} from "./forwarder-config.js";
export { createUpstreamForwarder, type UpstreamDependencies } from "./from-config.js";
export { Counter, Gauge, UpstreamMetrics } from "./metrics.js";
export {
  UpstreamReceiver,
  listMessages,
  sha256Hex,
  type ReceiverStats,
  type StoredMessage,
  type TenantCredential,
  type UpstreamReceiverOptions,
} from "./reference-receiver.js";
export { FileTenantStore, type TenantView } from "./tenant-store.js";
export { loadReceiverConfig, receiverConfigSchema, type ReceiverConfig } from "./config.js";
export {
  CATEGORIES,
  CLUSTER_HEADER,
  PROTOCOL_VERSION,
  TENANT_HEADER,
  parseDataFrame,
  parseServerFrame,
  type AckFrame,
  type Category,
  type DataFrame,
  type EvidenceRequestFrame,
  type ServerFrame,
} from "./wire.js";
export { generateSelfSignedCertificate, type CertificateAndKey } from "./self-signed-cert.js";
export {
  handleEgressApi,
  parseEgressQuery,
  type EgressApiRequest,
  type EgressApiResponse,
} from "./egress-api.js";
