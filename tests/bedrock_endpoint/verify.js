// Bearer-token verification as Amazon Bedrock does it, from AWS's SigV4 reference ("Create a
// signed AWS API request", query-string authentication) and the Bedrock API-key format: a token is
// `bedrock-api-key-` + base64(`bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-…&Version=1`),
// a SigV4 presigned POST to https://bedrock.amazonaws.com/ with `Version=1` appended after signing.
'use strict'

const crypto = require('node:crypto')

const PREFIX = 'bedrock-api-key-'
const HOST = 'bedrock.amazonaws.com'
const MAX_EXPIRES = 43200
// SigV4's allowance for clock skew between signer and service.
const SKEW_MS = 5 * 60 * 1000
const EMPTY_SHA256 = crypto.createHash('sha256').update('').digest('hex')

// RFC 3986 encoding, as SigV4's canonical query string needs it.
function uriEncode(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest()
}

function parseAmzDate(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text || '')
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN
}

// The bearer token of an Authorization header: {ok: true, token} or {ok: false, reason}.
function bearerOf(authorization) {
  if (!authorization) return { ok: false, reason: 'missing Authorization header: a bearer token is required' }
  const bearer = /^Bearer (.+)$/.exec(authorization)
  if (!bearer) return { ok: false, reason: 'Authorization is not a bearer token' }
  return { ok: true, token: bearer[1] }
}

// Checks a short-term token's form, region and validity window, without its credentials.
// Returns {ok: false, reason} or {ok: true, accessKeyId, signedAt, sessionToken, signedWith(secret)}.
function parseShortTerm(token, { region, now }) {
  const fail = (reason) => ({ ok: false, reason })
  if (!token.startsWith(PREFIX)) return fail(`bearer token does not start with ${PREFIX}`)
  const decoded = Buffer.from(token.slice(PREFIX.length), 'base64').toString('utf8')
  if (Buffer.from(decoded, 'utf8').toString('base64') !== token.slice(PREFIX.length)) return fail('bearer token is not base64')
  const slash = decoded.indexOf('/?')
  if (slash < 0) return fail('bearer token is not a presigned URL')
  if (decoded.slice(0, slash) !== HOST) return fail(`bearer token is signed for host ${decoded.slice(0, slash)}, not ${HOST}`)
  const pairs = decoded.slice(slash + 2).split('&').map((pair) => {
    const eq = pair.indexOf('=')
    return eq < 0 ? [decodeURIComponent(pair), ''] : [decodeURIComponent(pair.slice(0, eq)), decodeURIComponent(pair.slice(eq + 1))]
  })
  const last = pairs.pop()
  if (!last || last[0] !== 'Version' || last[1] !== '1') return fail('bearer token does not end with Version=1')
  const params = new Map()
  for (const [key, value] of pairs) {
    if (params.has(key)) return fail(`bearer token repeats ${key}`)
    params.set(key, value)
  }
  if (params.get('Action') !== 'CallWithBearerToken') return fail('bearer token is not for Action=CallWithBearerToken')
  if (params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return fail('bearer token is not signed with AWS4-HMAC-SHA256')
  if (params.get('X-Amz-SignedHeaders') !== 'host') return fail('bearer token must sign exactly the host header')
  const scope = (params.get('X-Amz-Credential') || '').split('/')
  if (scope.length !== 5 || scope[3] !== 'bedrock' || scope[4] !== 'aws4_request') return fail('bearer token has a malformed credential scope')
  const [accessKeyId, scopeDate, scopeRegion] = scope
  if (scopeRegion !== region) return fail(`bearer token is signed for region ${scopeRegion}, this endpoint is ${region}`)
  const amzDate = params.get('X-Amz-Date')
  const signedAt = parseAmzDate(amzDate)
  if (Number.isNaN(signedAt) || amzDate.slice(0, 8) !== scopeDate) return fail('bearer token has a malformed X-Amz-Date')
  const expires = Number(params.get('X-Amz-Expires'))
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES) return fail(`bearer token X-Amz-Expires must be 1..${MAX_EXPIRES}`)
  if (signedAt > now + SKEW_MS) return fail('bearer token is signed in the future')
  if (now > signedAt + expires * 1000) return fail('bearer token has expired')
  const signedWith = (secretAccessKey) => signatureMatches(params, amzDate, scope, secretAccessKey)
  return {
    ok: true, accessKeyId, signedAt: new Date(signedAt).toISOString(), sessionToken: params.get('X-Amz-Security-Token') || null, signedWith,
  }
}

// Whether the token's X-Amz-Signature is the SigV4 signature of its presigned URL with this secret.
function signatureMatches(tokenParams, amzDate, scope, secretAccessKey) {
  const params = new Map(tokenParams)
  const signature = params.get('X-Amz-Signature')
  params.delete('X-Amz-Signature')
  const query = [...params].map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&')
  const canonical = ['POST', '/', query, `host:${HOST}`, '', 'host', EMPTY_SHA256].join('\n')
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope.slice(1).join('/'),
    crypto.createHash('sha256').update(canonical).digest('hex')].join('\n')
  let key = hmac(`AWS4${secretAccessKey}`, scope[1])
  for (const part of [scope[2], 'bedrock', 'aws4_request']) key = hmac(key, part)
  const expected = hmac(key, stringToSign).toString('hex')
  return Boolean(signature) && signature.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
}

// Checks an Authorization header against a fixed list of credentials [{accessKeyId,
// secretAccessKey, sessionToken?}]. Returns {ok: true, accessKeyId, signedAt} or {ok: false, reason}.
function verifyBearer(authorization, { region, credentials, now }) {
  const bearer = bearerOf(authorization)
  if (!bearer.ok) return bearer
  const parsed = parseShortTerm(bearer.token, { region, now })
  if (!parsed.ok) return parsed
  const known = credentials.find((c) => c.accessKeyId === parsed.accessKeyId)
  const problem = credentialProblem(parsed, known)
  if (problem) return { ok: false, reason: problem }
  return { ok: true, accessKeyId: parsed.accessKeyId, signedAt: parsed.signedAt }
}

// Why a parsed token does not verify with the credentials of its access key (undefined when it does).
function credentialProblem(parsed, known) {
  if (!known) return `the access key ${parsed.accessKeyId} in the bearer token is not known`
  if (parsed.sessionToken !== (known.sessionToken || null)) {
    return 'the security token in the bearer token is not the one issued with its access key'
  }
  if (!parsed.signedWith(known.secretAccessKey)) return 'the bearer token signature does not match'
  return undefined
}

module.exports = { verifyBearer, bearerOf, parseShortTerm, credentialProblem }
