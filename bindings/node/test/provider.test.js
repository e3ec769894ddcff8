'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { TokenProvider } = require('../bedrock-token.js')

test('1000 concurrent token() calls resolve to one token with one credentials load', async () => {
  let loads = 0
  const credentials = async () => {
    loads += 1
    await new Promise((r) => setTimeout(r, 20))
    return { accessKeyId: `AKIALOAD${loads}`, secretAccessKey: 'secret' }
  }
  const provider = new TokenProvider({ credentials, region: 'us-east-1' })
  const tokens = await Promise.all(Array.from({ length: 1000 }, () => provider.token()))
  assert.equal(new Set(tokens).size, 1)
  assert.equal(loads, 1)
  const info = await provider.tokenInfo()
  assert.equal(info.token, tokens[0])
  assert.ok(info.expiresAt instanceof Date && info.expiresAt > new Date())
  const refreshed = await provider.refresh()
  assert.notEqual(refreshed.token, tokens[0])
  assert.equal(loads, 2)
  assert.equal(String(provider), '[TokenProvider bedrock-api-key-****]')
})

test('a failing credentials provider gives a typed error, never the secret', async () => {
  const provider = new TokenProvider({ region: 'us-east-1', credentials: async () => { throw new Error('provider down') } })
  await assert.rejects(provider.token(), (error) => error.code === 'ERR_BEDROCK_NO_CREDENTIALS' && /provider down/.test(error.message))
  const leaky = new TokenProvider({ region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRETzzSECRET', sessionToken: 'SESSIONyy' } })
  const token = await leaky.token()
  assert.ok(!token.includes('SECRETzz'))
})
