export { checkBtf, checkRoot, skipUnless, type PrivilegeCheck } from "./privilege.js";
