export {
  REMEDIATION_ACTIONS,
  canonicalChange,
  changeNamespace,
  changeSha256,
  parseRemediationChange,
  remediationChangeSchema,
  type RemediationAction,
  type RemediationChange,
} from "./change.js";
export {
  ACTION_RBAC,
  actionServiceAccountName,
  requiredAccess,
  type AccessCheck,
  type PolicyRule,
} from "./scope.js";
export { NonceStore } from "./nonce-store.js";
export {
  MAX_APPROVAL_TTL_MS,
  buildTask,
  createApproval,
  signTask,
  verifySignedTask,
  type Approval,
  type TaskRefusalReason,
  type TaskVerification,
} from "./task.js";
export {
  kubeAccessReviewer,
  type AccessReviewer,
  type KubePost,
  type ReviewedUser,
} from "./access-review.js";
export {
  APPROVE_RESOURCE,
  LifecycleError,
  RemediationLifecycle,
  type LifecycleErrorCode,
  type Remediation,
  type RemediationLifecycleOptions,
  type RemediationState,
} from "./lifecycle.js";
export { executorServiceHandlers } from "./executor-service.js";
export { handleRemediationApi, type ApiRequest, type ApiResponse } from "./http-api.js";
