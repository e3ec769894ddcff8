'use strict'
// Shared by the tests: the golden vectors (made by AWS's official generators; see the fixtures README).
const fs = require('node:fs')
const path = require('node:path')

const FIXTURES = path.join(__dirname, '..', '..', '..', 'crates', 'bedrock-token', 'tests', 'fixtures')

function lines(name) {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
}

/** The decoded query of a token as an object, to compare tokens whose parameter order differs. */
function params(token) {
  const url = Buffer.from(token.replace('bedrock-api-key-', ''), 'base64').toString('utf8')
  return Object.fromEntries(url.replace('bedrock.amazonaws.com/?', '').split('&').map((kv) => kv.split('=')))
}

/** Runs `fn` with the global Date frozen at `at` (how the reference's clock is pinned). */
async function withFrozenDate(at, fn) {
  const RealDate = global.Date
  const frozen = class extends RealDate {
    constructor(...args) { if (args.length === 0) super(at.getTime()); else super(...args) }
    static now() { return at.getTime() }
  }
  global.Date = frozen
  try {
    return await fn()
  } finally {
    global.Date = RealDate
  }
}

module.exports = { lines, params, withFrozenDate }
