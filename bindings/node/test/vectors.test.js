'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { signTokenSync, inspectToken } = require('../bedrock-token.js')
const { lines, params } = require('./helpers.js')

test('40 golden vectors are byte-identical (Python reference order)', () => {
  const cases = lines('cases.jsonl')
  const python = lines('python-reference.jsonl')
  const js = lines('js-reference.jsonl')
  assert.equal(cases.length, 40)
  cases.forEach((c, i) => {
    const token = signTokenSync({
      credentials: { accessKeyId: c.access_key_id, secretAccessKey: c.secret_access_key, sessionToken: c.session_token ?? undefined },
      region: c.region,
      expiresInSeconds: c.expires_in,
      at: new Date(c.time),
    })
    assert.equal(token, python[i].token, c.id)
    assert.deepEqual(params(token), params(js[i].token), c.id)
    assert.equal(inspectToken(token).region, c.region)
  })
})
