import { fileURLToPath } from "node:url";

/** Where `make -C native` puts the helper executable (packages/ebpf-helper/build). */
export function defaultHelperPath(): string {
  return fileURLToPath(new URL("../build/causeway-helper", import.meta.url));
}

/** The directory holding the native Makefile. */
export function nativeSourceDir(): string {
  return fileURLToPath(new URL("../native", import.meta.url));
}
