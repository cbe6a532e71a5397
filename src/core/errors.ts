/**
 * The one catalogue of Twilio error codes Patchbay emits (reference §9). REST errors serialize to
 * `{code, message, more_info, status}`; TwiML and webhook failures become Notifications with the same codes.
 */
export const ErrorCode = {
  AccountNotActive: 10001,
  InvalidUrl: 11100,
  HttpRetrievalFailure: 11200,
  HttpConnectionFailure: 11205,
  HttpProtocolViolation: 11206,
  HttpBadHostName: 11210,
  HttpTooManyRedirects: 11215,
  DocumentParseFailure: 12100,
  SchemaValidationWarning: 12200,
  InvalidContentType: 12300,
  AuthenticationFailed: 20003,
  PermissionDenied: 20005,
  NotFound: 20404,
  MethodNotAllowed: 20004,
  TooManyRequests: 20429,
  InvalidParameter: 20001,
  AccountNotActiveApi: 20005,
  PayloadTooLarge: 20413,
  CallCreateError: 21200,
  MissingToNumber: 21201,
  InvalidUrlParameter: 21205,
  InvalidTimeout: 21208,
  InvalidToNumber: 21211,
  InvalidFromNumber: 21212,
  MissingFromNumber: 21213,
  InvalidCallState: 21220,
  InvalidMachineDetection: 21234,
  PhoneNumberNotValid: 21421,
  PhoneNumberAlreadyProvisioned: 21422,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export class TwilioError extends Error {
  readonly code: number;
  readonly status: number;

  constructor(code: number, status: number, message: string) {
    super(message);
    this.name = 'TwilioError';
    this.code = code;
    this.status = status;
  }

  get moreInfo(): string {
    return `https://www.twilio.com/docs/errors/${this.code}`;
  }

  toJSON(): { code: number; message: string; more_info: string; status: number } {
    return { code: this.code, message: this.message, more_info: this.moreInfo, status: this.status };
  }
}

export const notFound = (what: string) =>
  new TwilioError(ErrorCode.NotFound, 404, `The requested resource ${what} was not found`);

export const authenticationFailed = (detail = 'invalid username') =>
  new TwilioError(ErrorCode.AuthenticationFailed, 401, `Authentication Error - ${detail}`);

export const invalidParameter = (code: number, message: string) => new TwilioError(code, 400, message);

/** A required parameter is absent; `code` is the resource's own code where Twilio has one. */
export const missingParameter = (name: string, code: number = ErrorCode.InvalidParameter) =>
  new TwilioError(code, 400, `Missing required parameter ${name} in the post body`);
