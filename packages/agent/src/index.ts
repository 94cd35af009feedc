export {
  MediatorStream,
  type AgentMessageBody,
  type MediatorStreamEvents,
  type MediatorStreamOptions,
  type MediatorStreamStats,
  type MediatorTls,
} from "./stream/mediator-stream.js";
export { ReplayBuffer, type PendingMessage, type ReplayBufferLimits } from "./stream/replay-buffer.js";
