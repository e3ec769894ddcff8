/** Credentials as the AWS SDK v3 shapes them (`AwsCredentialIdentity`). */
export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

/** Static credentials, or an AWS SDK v3 credential provider such as `fromIni()`. */
export type CredentialsInput = AwsCredentials | (() => Promise<AwsCredentials>)

export interface GetTokenConfig {
  credentials: CredentialsInput
  region: string
  /** 1 to 43200 seconds; default 43200 (12 hours). */
  expiresInSeconds?: number
}

export interface GetTokenProviderConfig extends Partial<GetTokenConfig> {
  /** A profile of the shared config files, instead of `AWS_PROFILE`. */
  profile?: string
}

export interface TokenProviderConfig extends GetTokenProviderConfig {
  /** How long before expiry to refresh; default the larger of 5 minutes and 10 % of the lifetime. */
  refreshMarginSeconds?: number
}

export interface TokenInfo {
  token: string
  expiresAt: Date
  issuedAt: Date
  region: string
  accessKeyId: string
  /** Until when a client may keep the token without asking again: its refresh point, or now once past it. */
  keepUntil: Date
}

/** What AWS SDK v3 clients take as their `token` option (`@smithy/types`' `TokenIdentity`). */
export interface TokenIdentity {
  token: string
  expiration?: Date
}

export interface InspectedToken {
  kind: 'short-term'
  region: string
  accessKeyId: string
  issuedAt: Date
  lifetimeSeconds: number
  expiresAt: Date
  hasSessionToken: boolean
  expired: boolean
}

/** A long-term (`ABSK…`) key's public parts: whose it is, never its secret. */
export interface InspectedLongTermKey {
  kind: 'long-term'
  /** The IAM user the key belongs to. */
  userName: string
  /** The 12-digit account id. */
  accountId: string
  /** `{userName}-at-{accountId}`, IAM's `ServiceUserName`. */
  serviceUserName: string
  /** The public part as IAM lists it (`ServiceCredentialAlias`). */
  alias: string
  /** What the alias carries after the account id, if anything. */
  suffix?: string
}

/** Errors carry a `code` such as `ERR_BEDROCK_INVALID_REGION`. */
export interface BedrockTokenError extends Error {
  code: string
}

/** A Bedrock API key, as `@aws/bedrock-token-generator`'s `getToken`. */
export declare function getToken(config: GetTokenConfig): Promise<string>

/** A cached token source as a function, as `@aws/bedrock-token-generator`'s `getTokenProvider`. */
export declare function getTokenProvider(config?: GetTokenProviderConfig): () => Promise<string>

/** Signs synchronously at an optional time. */
export declare function signTokenSync(config: { credentials: AwsCredentials; region: string; expiresInSeconds?: number; at?: Date }): string

/** The parts of a short-term Bedrock API key; never its signature or session token. */
export declare function inspectToken(token: string): InspectedToken

/** Either kind of Bedrock API key, told apart by `kind`; never a secret. */
export declare function inspectKey(key: string): InspectedToken | InspectedLongTermKey

/** A cached, auto-refreshing token source. */
export declare class TokenProvider {
  constructor(config?: TokenProviderConfig)
  /** The token, fresh enough to use; a cache hit resolves at once. */
  token(): Promise<string>
  /** The cached token when usable now, else `undefined` (then `await token()`); never waits. */
  cachedToken(): string | undefined
  tokenInfo(): Promise<TokenInfo>
  /** Signs a new token now; within 5 s of the last signing it returns that one, and it waits out a backoff. */
  refresh(): Promise<TokenInfo>
  invalidate(): void
  /**
   * This provider as the `token` option of AWS SDK v3 clients; `expiration` is the refresh point.
   * Pair it with `authSchemePreference: ['httpBearerAuth']`.
   */
  tokenIdentityProvider(): () => Promise<TokenIdentity>
}

/** The base URL of Bedrock's OpenAI-compatible endpoint in `region` (default `bedrock-runtime`). */
export declare function openaiBaseUrl(region: string, endpoint?: 'bedrock-runtime' | 'bedrock-mantle'): string

/** As `@aws/bedrock-token-generator`'s class. */
export declare class BedrockTokenGenerator {
  static MAX_EXPIRES_IN_SECONDS: number
  getToken(credentials: CredentialsInput, region: string): Promise<string>
}
