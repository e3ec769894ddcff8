'use strict'
// A TokenProvider whose key comes from an AWS Secrets Manager secret, against the emulator's
// Secrets Manager (moto, as BEDROCK_TOKEN_MOTO_SERVER runs it): the key handed out, the new
// AWSCURRENT version after a rotation, typed errors, and options checked in JS terms.
const test = require('node:test')
const assert = require('node:assert/strict')
const { TokenProvider } = require('../bedrock-token.js')
const { emulator } = require('./helpers.js')

const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }

/** One Secrets Manager call (JSON protocol); the emulator routes by the credential scope and checks no signature. */
async function secretsManager(endpoint, action, body) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `secretsmanager.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00`,
    },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  assert.equal(response.status, 200, text)
  return JSON.parse(text)
}

const apiKey = (secretPart) => 'ABSK' + Buffer.from(`alice-at-123456789012:${secretPart}`).toString('base64')
const stored = (id, key) => JSON.stringify({ kind: 'api-key', id, secret: key, service_user_name: 'alice-at-123456789012', created_at: '2026-12-05T10:00:00Z', expires_at: null })

test('a key from Secrets Manager is handed out, and the new version after a rotation', async (t) => {
  const endpoint = await emulator(t)
  if (!endpoint) return
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoint
  const [first, second] = [apiKey('first-secret-part'), apiKey('second-secret-part')]
  await secretsManager(endpoint, 'CreateSecret', { Name: 'team/bedrock', SecretString: stored('ACCAFIRST', first) })
  const provider = new TokenProvider({ region: 'us-east-1', credentials, secretsManagerSecret: 'team/bedrock', secretsManagerPollIntervalSeconds: 60 })

  assert.equal(await provider.token(), first, 'the long-term key is the token')
  assert.equal((await provider.tokenInfo()).accessKeyId, 'ACCAFIRST')
  const { VersionId } = await secretsManager(endpoint, 'PutSecretValue', { SecretId: 'team/bedrock', SecretString: stored('ACCASECOND', second) })
  provider.invalidate()
  assert.equal(await provider.token(), second)
  const status = provider.status()
  assert.equal(status.secretVersionId, VersionId)
  assert.equal(status.consecutiveFailures, 0)
  assert.ok(status.expiresAt instanceof Date)

  const missing = new TokenProvider({ region: 'us-east-1', credentials, secretsManagerSecret: 'team/other' })
  await assert.rejects(missing.token(), (error) => {
    assert.equal(error.code, 'ERR_BEDROCK_SECRETS_MANAGER')
    assert.match(error.message, /^Secrets Manager secret "team\/other": not found in region us-east-1/)
    return true
  })
  assert.equal(missing.status().consecutiveFailures, 1)
  assert.match(missing.status().lastError, /not found/)
  for (const shown of [String(provider), JSON.stringify(provider.status()), JSON.stringify(missing.status())]) {
    assert.ok(!shown.includes(first) && !shown.includes(second), shown)
  }
})

test('Secrets Manager options are checked, in the names of the JS options', () => {
  assert.throws(() => new TokenProvider({ region: 'us-east-1', secretsManagerSecret: 'team/bedrock', secretsManagerPollIntervalSeconds: 5 }), (error) => {
    assert.ok(error instanceof RangeError)
    assert.equal(error.code, 'ERR_BEDROCK_INVALID_SETTING')
    assert.equal(error.message, 'secretsManagerPollIntervalSeconds: 5 s is out of range; allowed 10 s to 43200 s (12 h)')
    return true
  })
  assert.throws(() => new TokenProvider({ region: 'us-east-1', secretsManagerPollIntervalSeconds: 60 }),
    { name: 'RangeError', message: 'secretsManagerPollIntervalSeconds: applies only to a key from Secrets Manager; set secretsManagerSecret too' })
  assert.throws(() => new TokenProvider({ region: 'us-east-1', secretsManagerSecret: 42 }),
    { name: 'TypeError', code: 'ERR_BEDROCK_INVALID_SETTING', message: 'secretsManagerSecret must be a string, got number' })
})
