/** A Step Functions API error: its code goes out as `x-amzn-errortype`, and names the error the SDK throws. */
export class SfnError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}
