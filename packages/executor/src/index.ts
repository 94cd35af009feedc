export { EXECUTOR_ENV, executorConfigSchema, loadExecutorConfig, type ExecutorConfig } from "./config.js";
export {
  KubeApiError,
  KubeClient,
  type KubeEndpoint,
  type KubeRequest,
  type PatchType,
} from "./kube/kube-client.js";
export { requestForChange, rollbackOf, targetPath } from "./kube/change-requests.js";
export {
  TASK_TOKEN_SECONDS,
  TaskCredentials,
  type IssueTaskCredentialsOptions,
} from "./credentials/task-credentials.js";
export {
  DEFAULT_SAFETY_LIMITS,
  SafetyPolicy,
  type SafetyLimits,
  type SafetyRefusal,
} from "./safety/safety-policy.js";
export { checkApprovalInTrail } from "./approval-check.js";
export { TaskRunner, type ProgressListener, type TaskRunnerOptions, type TaskStep } from "./task-runner.js";
export { ExecutorSession, type ExecutorSessionOptions, type ExecutorSessionStats } from "./session.js";
export { executorMetricsText, startHealthServer, type HealthServerOptions } from "./http/health-server.js";
export { mediatorHttpGet, type MediatorHttpAnswer, type MediatorHttpOptions } from "./mediator-http.js";
export { RootCauseClearedCheck } from "./symptom-cleared.js";
