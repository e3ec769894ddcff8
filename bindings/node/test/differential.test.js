'use strict'
// Against the installed official @aws/bedrock-token-generator 1.1.0, Date frozen for its call.
const test = require('node:test')
const assert = require('node:assert/strict')
const reference = require('@aws/bedrock-token-generator')
const ours = require('../bedrock-token.js')
const { params, withFrozenDate } = require('./helpers.js')

const REGIONS = ['us-east-1', 'us-west-2', 'eu-central-1', 'ap-northeast-1', 'us-gov-west-1', 'cn-north-1', 'eusc-de-east-1']
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+='

function rng(seed) {
  return () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
}

test('200 random inputs: same parameters and signature as the official JS generator', async () => {
  const random = rng(20260124)
  const pick = (s) => s[Math.floor(random() * s.length)]
  const text = (n, s) => Array.from({ length: n }, () => pick(s)).join('')
  for (let i = 0; i < 200; i++) {
    const credentials = {
      accessKeyId: 'AKIA' + text(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'),
      secretAccessKey: text(40, B64),
      sessionToken: random() < 0.75 ? text(1 + Math.floor(random() * 1200), B64) : undefined,
    }
    const region = pick(REGIONS)
    const expiresInSeconds = 1 + Math.floor(random() * 43200)
    const at = new Date(Date.UTC(2000, 0, 1) + Math.floor(random() * 100 * 365.25 * 86400) * 1000)
    const mine = ours.signTokenSync({ credentials, region, expiresInSeconds, at })
    const theirs = await withFrozenDate(at, () => reference.getToken({ credentials, region, expiresInSeconds }))
    assert.deepEqual(params(mine), params(theirs), `case ${i}`)
  }
})

test('strings at the edge of the one-call read (251/252 bytes, a multi-byte character across it) sign as the official generator does (same parameters and signature)', async () => {
  const at = new Date(Date.UTC(2026, 0, 24, 10))
  const cases = []
  for (let bytes = 246; bytes <= 258; bytes++) {
    cases.push('T'.repeat(bytes)) // ASCII: bytes = characters
    cases.push('T'.repeat(bytes - 3) + 'é') // 2-byte character ending at bytes - 1
    cases.push('T'.repeat(bytes - 4) + '€') // 3-byte character ending at bytes - 1
    cases.push('T'.repeat(bytes - 4) + '😀') // 4-byte character (a surrogate pair) ending at bytes
  }
  for (const value of cases) {
    for (const credentials of [
      { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: value },
      { accessKeyId: 'ASIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: value },
    ]) {
      const mine = ours.signTokenSync({ credentials, region: 'us-east-1', expiresInSeconds: 900, at })
      const theirs = await withFrozenDate(at, () => reference.getToken({ credentials, region: 'us-east-1', expiresInSeconds: 900 }))
      assert.deepEqual(params(mine), params(theirs), `${Buffer.byteLength(value)} bytes, ends ${JSON.stringify(value.slice(-2))}`)
    }
  }
})
