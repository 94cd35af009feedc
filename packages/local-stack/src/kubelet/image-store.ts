/** What running an image means on this machine: a command and the image's own variables. */
export interface LocalImage {
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Stands in for a container runtime's image store: maps image repositories to programs on this
 * machine. The tag is passed to the program as the image's `<REPO>_VERSION`-style variable the
 * entry names, so a new tag is a new release (the rollout fault depends on it).
 */
export class ImageStore {
  readonly #images = new Map<string, { command: readonly string[]; versionVariable: string }>();

  /** Registers a repository (`causeway.dev/demo-app`) run by `command`, its tag in `versionVariable`. */
  add(repository: string, command: readonly string[], versionVariable: string): void {
    this.#images.set(repository, { command, versionVariable });
  }

  /** Resolves `repository:tag`; undefined when the image is unknown (ErrImagePull). */
  resolve(image: string): LocalImage | undefined {
    const at = image.lastIndexOf(":");
    const slash = image.lastIndexOf("/");
    const [repository, tag] = at > slash ? [image.slice(0, at), image.slice(at + 1)] : [image, "latest"];
    const entry = this.#images.get(repository);
    if (!entry) return undefined;
    return { command: entry.command, env: { [entry.versionVariable]: tag } };
  }
}
