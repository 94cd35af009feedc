/** Prometheus text-format helpers, shared with every series writer. */
export { escapeLabelValue, sampleLine, sanitizeName } from "@causeway/remote-write";
