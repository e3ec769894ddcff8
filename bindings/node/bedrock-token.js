'use strict'
/**
 * bedrock-token for Node.js: the API of `@aws/bedrock-token-generator` 1.1.0 (same tokens, in AWS's
 * Python generator's byte order), plus a cached, auto-refreshing `TokenProvider`.
 * The work happens in the Rust core (`index.js` loads it); this file only shapes inputs and errors.
 */
const native = require('./index.js')

const MAX_EXPIRES_IN_SECONDS = 43200

/** TypeError for wrong types; RangeError for values out of range; Error otherwise. Each has a `code`. */
const ERROR_CLASSES = {
  ERR_BEDROCK_INVALID_EXPIRY: RangeError,
  ERR_BEDROCK_INVALID_REGION: RangeError,
  ERR_BEDROCK_INVALID_TIME: RangeError,
  ERR_BEDROCK_INVALID_SETTING: RangeError,
  ERR_BEDROCK_INVALID_CREDENTIALS: TypeError,
  ERR_BEDROCK_MALFORMED_TOKEN: TypeError,
  ERR_BEDROCK_INVALID_INPUT: RangeError,
}

function withCode(ErrorClass, code, message) {
  const error = new ErrorClass(message)
  error.code = code
  return error
}

/** Turns the core's `ERR_BEDROCK_…: message` into an error of the right class with `code`. */
function translate(error) {
  const match = /^(ERR_BEDROCK[A-Z_]*): ([\s\S]*)$/.exec(error && error.message)
  if (!match) return error
  return withCode(ERROR_CLASSES[match[1]] || Error, match[1], match[2])
}

function call(fn) {
  try {
    return fn()
  } catch (error) {
    throw translate(error)
  }
}

/** AWS's own wording for a lifetime out of range; code that matches on it keeps working. */
const AWS_EXPIRY_RANGE = `ExpiresInSeconds must be in the range (0, ${MAX_EXPIRES_IN_SECONDS}] seconds.`

function expiresIn(value, name = 'expiresInSeconds') {
  if (value === undefined) return MAX_EXPIRES_IN_SECONDS
  if (typeof value !== 'number') {
    throw withCode(TypeError, 'ERR_BEDROCK_INVALID_EXPIRY', `${name} must be a number of seconds (1 to 43200), got ${typeof value}`)
  }
  if (!Number.isFinite(value)) {
    throw withCode(RangeError, 'ERR_BEDROCK_INVALID_EXPIRY', `${name} must be a finite number of seconds (1 to 43200), got ${value}`)
  }
  if (value <= 0 || value > MAX_EXPIRES_IN_SECONDS) {
    const aws = name === 'expiresInSeconds' ? ` ${AWS_EXPIRY_RANGE}` : ''
    throw withCode(RangeError, 'ERR_BEDROCK_INVALID_EXPIRY', `${name} is ${value}, allowed 1 to 43200 seconds (12 hours).${aws}`)
  }
  if (value < 1) {
    throw withCode(RangeError, 'ERR_BEDROCK_INVALID_EXPIRY', `${name} is ${value}, below the shortest lifetime of 1 second (a token signs whole seconds)`)
  }
  return value
}

function region(value, required) {
  if (value === undefined && !required) return undefined
  if (typeof value !== 'string') {
    throw withCode(TypeError, 'ERR_BEDROCK_INVALID_REGION', `region must be a string such as "us-east-1", got ${typeof value}`)
  }
  return value
}

/** An optional option of type `type`: a TypeError naming it otherwise. */
function optional(value, type, name) {
  if (value === undefined || typeof value === type) return value
  throw withCode(TypeError, 'ERR_BEDROCK_INVALID_SETTING', `${name} must be a ${type}, got ${typeof value}`)
}

/** Static credentials as the AWS SDK v3 shapes them, for the core. */
function credentialsOf(c) {
  if (!c || typeof c.accessKeyId !== 'string' || typeof c.secretAccessKey !== 'string') {
    throw withCode(TypeError, 'ERR_BEDROCK_INVALID_CREDENTIALS', 'credentials need string accessKeyId and secretAccessKey')
  }
  if (c.sessionToken != null && typeof c.sessionToken !== 'string') {
    throw withCode(TypeError, 'ERR_BEDROCK_INVALID_CREDENTIALS', `credentials.sessionToken must be a string, got ${typeof c.sessionToken}`)
  }
  const expiration = c.expiration instanceof Date ? c.expiration.getTime() : undefined
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken || undefined, expiration }
}

/** Static credentials or an AWS SDK v3 provider (`async () => credentials`), resolved. */
async function resolve(credentials) {
  return credentialsOf(typeof credentials === 'function' ? await credentials() : credentials)
}

/**
 * A Bedrock API key, as `@aws/bedrock-token-generator`'s `getToken`.
 * @example const token = await getToken({ credentials: { accessKeyId, secretAccessKey }, region: 'us-west-2' })
 */
async function getToken(config) {
  const seconds = expiresIn(config.expiresInSeconds)
  const where = region(config.region, true)
  return sign(await resolve(config.credentials), where, seconds, undefined)
}

/** Signs with checked credentials; their fields go to the core as arguments, not as an object. */
function sign(c, where, seconds, atMs) {
  return call(() => native.signTokenSync(c.accessKeyId, c.secretAccessKey, c.sessionToken, c.expiration, where, seconds, atMs))
}

/** Signs synchronously at an optional `at` (Date); for hot paths and reproducible output. */
function signTokenSync({ credentials, region: where, expiresInSeconds, at }) {
  const seconds = expiresIn(expiresInSeconds)
  return sign(credentialsOf(credentials), region(where, true), seconds, at ? at.getTime() : undefined)
}

/** The core's epoch-millisecond times as `Date`s. */
function withDates(info) {
  return { ...info, issuedAt: new Date(info.issuedAt), expiresAt: new Date(info.expiresAt), keepUntil: new Date(info.keepUntil) }
}

/** A short-term key's parts with `Date`s, and its kind. */
function shortTerm(info) {
  return { kind: 'short-term', ...info, issuedAt: new Date(info.issuedAt), expiresAt: new Date(info.expiresAt) }
}

/** The parts of a short-term Bedrock API key; never its signature or session token. */
function inspectToken(token) {
  if (typeof token !== 'string') throw withCode(TypeError, 'ERR_BEDROCK_MALFORMED_TOKEN', 'token must be a string')
  return shortTerm(call(() => native.inspectToken(token)))
}

/**
 * Either kind of Bedrock API key: a short-term key's parts (as `inspectToken`), or a long-term
 * (`ABSK…`) key's IAM user and account, told apart by `kind`. Never a secret.
 */
function inspectKey(key) {
  if (typeof key !== 'string') throw withCode(TypeError, 'ERR_BEDROCK_MALFORMED_TOKEN', 'key must be a string')
  const parsed = call(() => native.inspectKey(key))
  if (parsed.kind === 'long-term') return { kind: 'long-term', ...parsed.longTerm }
  return shortTerm(parsed.shortTerm)
}

/**
 * A cached token source: re-signs before expiry (or before the credentials expire), one refresh
 * for any number of concurrent callers, keeps serving a valid token while a refresh fails.
 * Without `credentials`/`region`: the default chains (env, shared config, `AWS_PROFILE`/`profile`).
 * With `secretsManagerSecret`: the key comes from that AWS Secrets Manager secret (an API key is
 * the token; an access key signs), reloaded when its `AWSCURRENT` version changes, checked every
 * `secretsManagerPollIntervalSeconds` (10 to 43200, default 300); `credentials` read the secret.
 */
class TokenProvider {
  constructor(config = {}) {
    const seconds = expiresIn(config.expiresInSeconds)
    const load = config.credentials === undefined ? undefined : () => resolve(config.credentials)
    const margin = config.refreshMarginSeconds === undefined ? undefined : expiresIn(config.refreshMarginSeconds, 'refreshMarginSeconds')
    const secret = optional(config.secretsManagerSecret, 'string', 'secretsManagerSecret')
    const poll = optional(config.secretsManagerPollIntervalSeconds, 'number', 'secretsManagerPollIntervalSeconds')
    this._native = call(() => new native.NativeTokenProvider(region(config.region, false), seconds, load, config.profile, margin, secret, poll))
  }

  /**
   * Health: `refreshing`, `consecutiveFailures`, `expiresAt`, `lastError` (the last failure since
   * the last success, e.g. a reload of a Secrets Manager secret), `secretVersionId`.
   * @returns {{refreshing: boolean, consecutiveFailures: number, expiresAt?: Date, lastError?: string, secretVersionId?: string}}
   */
  status() {
    const status = this._native.status()
    return { ...status, expiresAt: status.expiresAt === undefined || status.expiresAt === null ? undefined : new Date(status.expiresAt) }
  }

  /** @returns {Promise<string>} A cache hit resolves at once, with no native async task. */
  token() {
    const cached = this._native.cachedToken()
    if (cached !== null) return Promise.resolve(cached)
    return this._native.token().catch((error) => { throw translate(error) })
  }

  /**
   * The cached token if it can be used now, else `undefined` (then `await token()`): for code that
   * must not wait. Past the refresh point the still-valid token is returned and a refresh starts.
   * @returns {string | undefined}
   */
  cachedToken() {
    return this._native.cachedToken() ?? undefined
  }

  /** @returns {Promise<{token: string, expiresAt: Date, issuedAt: Date, region: string, accessKeyId: string}>} */
  async tokenInfo() {
    return withDates(await this._native.tokenInfo().catch((error) => { throw translate(error) }))
  }

  /**
   * Signs a new token now, e.g. after Bedrock rejected one. Within 5 s of the last signing it
   * returns that token, and during a backoff after a failed refresh it rejects with that failure.
   */
  async refresh() {
    return withDates(await this._native.refresh().catch((error) => { throw translate(error) }))
  }

  /** Forgets the cached token. */
  invalidate() {
    this._native.invalidate()
  }

  /**
   * This provider as the `token` option of AWS SDK v3 clients (`@aws-sdk/client-bedrock-runtime`,
   * `@aws-sdk/client-bedrock`): resolves to `{ token, expiration }`, where `expiration` is the
   * refresh point, so the SDK's identity cache comes back for a new token when this provider
   * replaces it. Pair it with `authSchemePreference: ['httpBearerAuth']`.
   * @example new BedrockRuntimeClient({ region: 'us-east-1', token: provider.tokenIdentityProvider(), authSchemePreference: ['httpBearerAuth'] })
   * @returns {() => Promise<{token: string, expiration: Date}>}
   */
  tokenIdentityProvider() {
    return async () => {
      const info = this._native.cachedTokenInfo() ?? await this._native.tokenInfo().catch((error) => { throw translate(error) })
      return { token: info.token, expiration: new Date(info.keepUntil) }
    }
  }

  toString() {
    return '[TokenProvider bedrock-api-key-****]'
  }
}

/**
 * As `@aws/bedrock-token-generator`'s `getTokenProvider`, but cached: `() => Promise<string>`.
 * @example const provideToken = getTokenProvider(); const token = await provideToken()
 */
function getTokenProvider(config = {}) {
  const provider = new TokenProvider(config)
  return () => provider.token()
}

const OPENAI_ENDPOINTS = ['bedrock-runtime', 'bedrock-mantle']

/**
 * The base URL of Bedrock's OpenAI-compatible endpoint in `region`: `bedrock-runtime` (AWS's
 * recommendation, the default) or `bedrock-mantle`. OpenAI clients take a Bedrock API key as their
 * key, and the openai package takes a function, so a provider keeps it fresh.
 * @example new OpenAI({ baseURL: openaiBaseUrl('us-east-1'), apiKey: () => provider.token() })
 */
function openaiBaseUrl(where, endpoint = 'bedrock-runtime') {
  if (!OPENAI_ENDPOINTS.includes(endpoint)) {
    throw withCode(RangeError, 'ERR_BEDROCK_INVALID_SETTING', `endpoint must be 'bedrock-runtime' or 'bedrock-mantle', got ${JSON.stringify(endpoint)}`)
  }
  return call(() => native.openaiBaseUrl(region(where, true), endpoint === 'bedrock-mantle'))
}

/** As `@aws/bedrock-token-generator`'s class: 12-hour tokens from credentials and a region. */
class BedrockTokenGenerator {
  async getToken(credentials, where) {
    return getToken({ credentials, region: where, expiresInSeconds: BedrockTokenGenerator.MAX_EXPIRES_IN_SECONDS })
  }
}
BedrockTokenGenerator.MAX_EXPIRES_IN_SECONDS = MAX_EXPIRES_IN_SECONDS

const optionalDate = (text) => (text === null || text === undefined ? null : new Date(text))
const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase())

/** One audited key of the core's JSON report, camelCased, with `Date`s (tag keys kept as they are). */
function auditedKey(k) {
  const findings = k.findings.map((f) => {
    const finding = {}
    for (const [name, value] of Object.entries(f)) finding[camel(name)] = name === 'expires_at' ? new Date(value) : value
    return finding
  })
  return {
    keyId: k.key_id, userName: k.user_name, userPath: k.user_path, status: k.status, createdAt: optionalDate(k.created_at),
    expiresAt: optionalDate(k.expires_at), ageDays: k.age_days, userTags: { ...k.user_tags }, attachedPolicies: k.attached_policies, findings,
  }
}

/**
 * Audits every active account of the AWS organisation of the default credentials (its management
 * account or a delegated administrator), or those under `ous` (`ou-…`, `r-…`) at any depth: `role`
 * (default `OrganizationAccountAccessRole`) is assumed in each member account, `concurrency`
 * accounts at a time (1 to 32, default 4). Accounts that cannot be audited are in `notAudited` with
 * the reason; the others are audited all the same.
 */
async function auditOrganization(options = {}) {
  const { role = 'OrganizationAccountAccessRole', ous = [], concurrency = 4, maxAgeDays = 90 } = options
  if (typeof role !== 'string') throw withCode(TypeError, 'ERR_BEDROCK_INVALID_INPUT', 'role must be a string')
  if (!Array.isArray(ous) || !ous.every((id) => typeof id === 'string')) throw withCode(TypeError, 'ERR_BEDROCK_INVALID_INPUT', 'ous must be an array of strings')
  for (const [name, value, most] of [['concurrency', concurrency, 32], ['maxAgeDays', maxAgeDays, 4294967295]]) {
    if (!Number.isInteger(value) || value < 0 || value > most) throw withCode(RangeError, 'ERR_BEDROCK_INVALID_INPUT', `${name}: ${value} is out of range; allowed 1 to ${most}`)
  }
  let json
  try {
    json = await native.auditOrganization(role, ous, concurrency, maxAgeDays)
  } catch (error) {
    throw translate(error)
  }
  const report = JSON.parse(json)
  return {
    auditedAt: new Date(report.audited_at),
    maxAgeDays: report.max_age_days,
    role: report.role,
    accounts: report.accounts.map((a) => ({ accountId: a.account_id, accountName: a.account_name, keys: a.keys.map(auditedKey), findings: a.findings })),
    notAudited: report.not_audited.map((a) => ({ accountId: a.account_id, accountName: a.account_name, reason: a.reason, message: a.message })),
    findings: report.findings,
  }
}

module.exports = { getToken, getTokenProvider, BedrockTokenGenerator, TokenProvider, signTokenSync, inspectToken, inspectKey, openaiBaseUrl, auditOrganization }
// As TypeScript's CommonJS output marks it: `import { getToken } from 'bedrock-token'` and
// `import * as btg` then see the named exports, without an extra `default`.
Object.defineProperty(module.exports, '__esModule', { value: true })
