export { parseAuthHeader, formatAuthHeader, type AuthHeader, type AuthHeaderParse, type AuthParam } from './auth-header.js';
export {
  DIGEST_ALGORITHMS, parseAlgorithm, digestHash, computeHa1, sessionHa1, computeDigestResponse,
  type DigestAlgorithm, type DigestResponseInput,
} from './digest-hash.js';
export { NonceFactory, type NonceCheck } from './nonce-factory.js';
export {
  DigestServer, parseDigestCredentials,
  type DigestServerOptions, type DigestCredentials, type CredentialsParse, type DigestSecret, type DigestVerification,
  type VerifyInput,
} from './digest-server.js';
export { DigestClient, type DigestClientOptions, type AnswerInput, type DigestAnswer } from './digest-client.js';
