'use strict'
// inspectKey: either kind of Bedrock API key, told apart by `kind`. Long-term keys come from the
// IAM emulator (tests/iam_emulator, as BEDROCK_TOKEN_MOTO_SERVER runs it) where there is one, and
// from keys of the same shape built here; no secret in any result or error.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const { inspectKey, inspectToken, signTokenSync } = require('../bedrock-token.js')
const { emulator, query } = require('./helpers.js')

const absk = (decoded) => 'ABSK' + Buffer.from(decoded, 'utf8').toString('base64')
const secretOf = (key) => Buffer.from(key.slice(4), 'base64').toString('utf8').split(/:(.*)/s)[1]

/** Every text a caller could show of `fn`'s result or error. */
function shown(fn) {
  try {
    const value = fn()
    return [util.inspect(value, { showHidden: true, depth: 5 }), JSON.stringify(value)]
  } catch (error) {
    return [String(error), error.code, util.inspect(error)]
  }
}

test('a long-term key shows its IAM user and account, a short-term key its parts', () => {
  const info = inspectKey(absk('data-at-rest-at-123456789012-acca1b2c:SECRETzzSECRETzz'))
  assert.deepEqual(info, {
    kind: 'long-term',
    userName: 'data-at-rest',
    accountId: '123456789012',
    serviceUserName: 'data-at-rest-at-123456789012',
    alias: 'data-at-rest-at-123456789012-acca1b2c',
    suffix: 'acca1b2c',
  })
  assert.equal(inspectKey(absk('BedrockAPIKey-x7k2-at-000000000001:s')).suffix, undefined)
  const token = signTokenSync({ credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 's' }, region: 'us-gov-west-1', expiresInSeconds: 60 })
  const short = inspectKey(token)
  assert.equal(short.kind, 'short-term')
  assert.equal(short.region, 'us-gov-west-1')
  assert.ok(short.issuedAt instanceof Date && short.expiresAt instanceof Date)
  assert.deepEqual(short, inspectToken(token))
})

test('malformed keys are TypeErrors naming what is wrong, without the secret', () => {
  const cases = [
    [absk('alice-at-123456789012:SECRETzzSECRETzz').slice(0, -3), 'not valid base64'],
    [absk('alice-at-12345678901:SECRETzzSECRETzz'), 'not 12 digits'],
    [absk('alice-at-123456789012SECRETzzSECRETzz'), 'no secret part'],
    [absk('alice:SECRETzzSECRETzz'), 'no "-at-"'],
    [absk('al ice-at-123456789012:SECRETzzSECRETzz'), 'IAM user name'],
    ['sk-SECRETzzSECRETzz', 'neither "bedrock-api-key-"'],
  ]
  for (const [key, reason] of cases) {
    assert.throws(() => inspectKey(key), (error) => error instanceof TypeError && error.code === 'ERR_BEDROCK_MALFORMED_TOKEN' && error.message.includes(reason), reason)
    for (const text of shown(() => inspectKey(key))) assert.ok(!text.includes('SECRETzz'), text)
  }
  assert.throws(() => inspectKey(42), (error) => error instanceof TypeError && error.code === 'ERR_BEDROCK_MALFORMED_TOKEN')
})


/** One IAM Query API call as the example keys' user. */
const iam = (endpoint, params) => query(endpoint, 'iam', 'AKIAIOSFODNN7EXAMPLE', params)

test('a key the IAM emulator created inspects as its user and account, and never shows its secret', async (t) => {
  const endpoint = await emulator(t)
  if (!endpoint) return
  await iam(endpoint, { Action: 'CreateUser', UserName: 'ml.team-at-work' })
  const created = await iam(endpoint, { Action: 'CreateServiceSpecificCredential', UserName: 'ml.team-at-work', ServiceName: 'bedrock.amazonaws.com', CredentialAgeDays: '3' })
  const key = created('ServiceCredentialSecret')
  const info = inspectKey(key)
  assert.equal(info.kind, 'long-term')
  assert.equal(info.userName, 'ml.team-at-work')
  assert.equal(info.serviceUserName, created('ServiceUserName'))
  assert.equal(info.accountId, created('ServiceUserName').split('-at-').pop())
  assert.equal(info.alias, created('ServiceCredentialAlias'))
  assert.ok(info.alias.endsWith(`-${info.suffix}`))
  const secret = secretOf(key)
  assert.ok(secret.length >= 20)
  for (const text of [...shown(() => inspectKey(key)), ...shown(() => inspectKey(key.slice(0, -3))), ...shown(() => inspectToken(key))]) {
    assert.ok(!text.includes(secret) && !text.includes(secret.slice(0, 12)) && !text.includes(key.slice(4, 40)), text)
  }
})
