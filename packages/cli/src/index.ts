export { kubeconfigPath, readKubeCredentials, type KubeCredentials } from "./kubeconfig.js";
export { MediatorClient, MediatorError } from "./mediator-client.js";
export { portForwardToMediator } from "./port-forward.js";
export { USAGE, runCommand, type CommandContext, type Output } from "./commands.js";
