/** A payload that is not valid OTLP: answered with INVALID_ARGUMENT / 400. */
export class OtlpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OtlpDecodeError";
  }
}
