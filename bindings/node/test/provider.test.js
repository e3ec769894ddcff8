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
  assert.equal(provider.cachedToken(), undefined, 'nothing cached yet, and asking does not load')
  assert.equal(loads, 0)
  const tokens = await Promise.all(Array.from({ length: 1000 }, () => provider.token()))
  assert.equal(new Set(tokens).size, 1)
  assert.equal(loads, 1)
  assert.equal(provider.cachedToken(), tokens[0], 'the hit is served synchronously')
  const info = await provider.tokenInfo()
  assert.equal(info.token, tokens[0])
  assert.ok(info.expiresAt instanceof Date && info.expiresAt > new Date())
  // Within 5 s of the last signing a forced refresh returns that token: refreshing on every 403
  // cannot hammer the credentials source.
  const refreshed = await provider.refresh()
  assert.equal(refreshed.token, tokens[0])
  assert.equal(loads, 1)
  provider.invalidate()
  assert.equal(provider.cachedToken(), undefined)
  const signedAnew = await provider.token()
  assert.notEqual(signedAnew, tokens[0])
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

test('no secret in error messages, codes or inspected objects', async () => {
  const util = require('node:util')
  const { getToken, signTokenSync, inspectToken } = require('../bedrock-token.js')
  const SECRET = 'SECRETzz/SECRETzz+SECRETzzSECRETzzSECRET'
  const SESSION = 'SESSIONTOKENyy/SESSIONTOKENyy+SESSIONTOKENyy=='
  const credentials = { accessKeyId: 'ASIAEXAMPLEKEYID0001', secretAccessKey: SECRET, sessionToken: SESSION }
  const token = signTokenSync({ credentials, region: 'us-east-1' })
  const texts = [util.inspect(new TokenProvider({ credentials, region: 'us-east-1' }), { showHidden: true, depth: 5 })]
  const failures = [
    () => getToken({ credentials, region: SECRET }),
    () => getToken({ credentials, region: 'us-east-1', expiresInSeconds: 0 }),
    () => getToken({ credentials: { ...credentials, accessKeyId: '' }, region: 'us-east-1' }),
    async () => inspectToken(token.slice(0, -9)),
    () => new TokenProvider({ region: 'us-east-1', credentials: async () => { throw new Error('down') } }).token(),
  ]
  for (const fail of failures) {
    await assert.rejects(fail(), (error) => { texts.push(String(error), error.code, util.inspect(error)); return true })
  }
  for (const text of texts) {
    for (const needle of ['SECRETzz', 'SESSIONTOKENyy', token.slice(16, 80)]) {
      assert.ok(!String(text).includes(needle), `${needle} in ${text}`)
    }
  }
})

test('signing times outside 1970..9999 or not a time are a RangeError, never a silent 1970', () => {
  const { signTokenSync } = require('..')
  const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
  for (const at of [new Date('not a date'), new Date(-1000), new Date(8.64e15)]) {
    assert.throws(() => signTokenSync({ credentials, region: 'us-east-1', at }), (err) => err instanceof RangeError && err.code === 'ERR_BEDROCK_INVALID_TIME', String(at))
  }
  const expired = { ...credentials, expiration: new Date('garbage') }
  assert.throws(() => signTokenSync({ credentials: expired, region: 'us-east-1' }), (err) => err instanceof RangeError && err.code === 'ERR_BEDROCK_INVALID_TIME')
  assert.ok(signTokenSync({ credentials, region: 'us-east-1', at: new Date(0) }).startsWith('bedrock-api-key-'))
})
