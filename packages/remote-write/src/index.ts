export { type BatchQueue, type BatchQueueStats, type QueuedBatch } from "./batch-queue.js";
export { MemoryBatchQueue } from "./memory-batch-queue.js";
export { DiskBatchQueue, type DiskBatchQueueOptions } from "./disk-batch-queue.js";
export { RemoteWriter, type RemoteWriterOptions, type RetryDelay, type SeriesSink } from "./remote-writer.js";
export { escapeLabelValue, sampleLine, sanitizeName } from "./prom-text.js";
