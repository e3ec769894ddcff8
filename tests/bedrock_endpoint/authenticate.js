// Who a bearer token is, in --iam mode: the endpoint asks the IAM emulator
// (tests/iam_emulator, `POST /__bedrock_token/caller`) about the credential, as Bedrock asks IAM.
//
// - A short-term key (`bedrock-api-key-…`, a SigV4-presigned URL, see verify.js) is checked for
//   form, region and validity window, then with the secret the emulator holds for the access key
//   in it: an IAM user's key must be Active, an STS session unexpired, and the token's
//   X-Amz-Security-Token must be the session's token (and absent for a user's own key).
// - A long-term key (`ABSK…`, an IAM service-specific credential for bedrock.amazonaws.com) must be
//   known to the emulator and Active (not Inactive, not Expired).
// Returns {ok: false, reason} or {ok: true, tokenType: 'SHORT_TERM'|'LONG_TERM', caller,
// accessKeyId?, signedAt?}, `caller` being the emulator's answer (principal, policies, SCPs).
'use strict'

const { bearerOf, parseShortTerm, credentialProblem } = require('./verify')

async function askEmulator(iam, credential) {
  const response = await fetch(`${iam}/__bedrock_token/caller`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credential),
  })
  if (response.status !== 200 && response.status !== 404) {
    throw new Error(`the IAM emulator answered ${response.status} to the caller lookup`)
  }
  return response.json()
}

async function authenticate(authorization, { iam, region, now }) {
  const bearer = bearerOf(authorization)
  if (!bearer.ok) return bearer
  if (bearer.token.startsWith('ABSK')) {
    const caller = await askEmulator(iam, { apiKey: bearer.token })
    if (!caller.found) return { ok: false, reason: 'the long-term API key is not known (never issued, reset or deleted)' }
    if (!caller.usable) return { ok: false, reason: `the long-term API key ${caller.credentialId} of ${caller.principal.arn} is ${caller.status}` }
    return { ok: true, tokenType: 'LONG_TERM', caller }
  }
  const parsed = parseShortTerm(bearer.token, { region, now })
  if (!parsed.ok) {
    return bearer.token.startsWith('bedrock-api-key-') ? parsed
      : { ok: false, reason: 'bearer token is neither a short-term (bedrock-api-key-…) nor a long-term (ABSK…) Bedrock API key' }
  }
  const caller = await askEmulator(iam, { accessKeyId: parsed.accessKeyId })
  const known = caller.found ? { secretAccessKey: caller.secretAccessKey, sessionToken: caller.sessionToken } : undefined
  const problem = credentialProblem(parsed, known)
  if (problem) return { ok: false, reason: problem }
  if (!caller.usable) return { ok: false, reason: `the access key ${parsed.accessKeyId} in the bearer token is ${caller.status}` }
  return { ok: true, tokenType: 'SHORT_TERM', caller, accessKeyId: parsed.accessKeyId, signedAt: parsed.signedAt }
}

module.exports = { authenticate }
