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
  /**
   * The name or ARN of an AWS Secrets Manager secret holding the key, as `bedrock-token provision
   * --store secretsmanager:…` writes it: an API key (`ABSK…`) is then the token, an access key
   * signs the tokens; `credentials` (or the default chain) read the secret. Reloaded when the
   * secret's `AWSCURRENT` version changes; a failed reload keeps the key in service (see `status()`).
   * Read failures reject with code `ERR_BEDROCK_SECRETS_MANAGER`.
   */
  secretsManagerSecret?: string
  /** How often to check the secret for a new version: 10 to 43200 seconds; default 300. */
  secretsManagerPollIntervalSeconds?: number
}

/** A provider's health. */
export interface ProviderStatus {
  refreshing: boolean
  consecutiveFailures: number
  /** When the cached token stops working, if there is one. */
  expiresAt?: Date
  /** The last failure since the last success, e.g. a failed reload of the secret. */
  lastError?: string
  /** The Secrets Manager version of the key in use, for a key read from a secret. */
  secretVersionId?: string
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
  /** Health: the running refresh, failures in a row, the last failure, the secret's version in use. */
  status(): ProviderStatus
}

/** What the audit flags about a key or its user: `code` such as `no-expiry`, with its details camelCased. */
export interface Finding {
  code: 'no-expiry' | 'older-than-max-age' | 'expires-soon' | 'inactive' | 'console-user' | 'not-created-by-bedrock-token' | 'user-has-access-keys' | string
  ageDays?: number
  maxAgeDays?: number
  expiresAt?: Date
  status?: string
  count?: number
}

/** One Bedrock API key of an account, with its user and what the audit flags. */
export interface AuditedKey {
  keyId: string
  userName: string
  userPath: string
  /** `Active`, `Inactive` or `Expired`. */
  status: string
  createdAt: Date | null
  /** `null`: never expires. */
  expiresAt: Date | null
  ageDays: number
  userTags: Record<string, string>
  attachedPolicies: string[]
  findings: Finding[]
}

/** An account of the organisation, audited. */
export interface AuditedAccount {
  accountId: string
  accountName: string
  keys: AuditedKey[]
  findings: number
}

/** An account that could not be audited, and why. */
export interface NotAuditedAccount {
  accountId: string
  accountName: string
  /** `role-refused` (no such role, or its trust policy refuses the caller), `access-denied`, `unreachable`, `failed`. */
  reason: 'role-refused' | 'access-denied' | 'unreachable' | 'failed' | string
  message: string
}

/** Every active account of an organisation: audited ones with their keys, the others with the reason. */
export interface OrganizationAuditReport {
  auditedAt: Date
  maxAgeDays: number
  role: string
  accounts: AuditedAccount[]
  notAudited: NotAuditedAccount[]
  /** Findings over all accounts audited (0: clean). */
  findings: number
}

export interface OrganizationAuditOptions {
  /** The role assumed in each member account (default `OrganizationAccountAccessRole`). */
  role?: string
  /** Only the accounts under these OUs or roots (`ou-…`, `r-…`), at any depth. */
  ous?: string[]
  /** Accounts audited at a time, 1 to 32 (default 4). */
  concurrency?: number
  /** Keys older than this many days are a finding (default 90). */
  maxAgeDays?: number
}

/** Audits every active account of the AWS organisation of the default credentials, through an assumed role in each. */
export declare function auditOrganization(options?: OrganizationAuditOptions): Promise<OrganizationAuditReport>

/** The base URL of Bedrock's OpenAI-compatible endpoint in `region` (default `bedrock-runtime`). */
export declare function openaiBaseUrl(region: string, endpoint?: 'bedrock-runtime' | 'bedrock-mantle'): string

/** As `@aws/bedrock-token-generator`'s class. */
export declare class BedrockTokenGenerator {
  static MAX_EXPIRES_IN_SECONDS: number
  getToken(credentials: CredentialsInput, region: string): Promise<string>
}
