'use strict'
// Node: bedrock-token vs @aws/bedrock-token-generator 1.1.0, same inputs, measured in one run.
// The reference is shown as shipped (its signing-key cache warm) and with that cache cleared
// before every call via @smithy/signature-v4's clearCredentialCache().   Usage: node bench.js [ms]
const reference = require('@aws/bedrock-token-generator')
const { clearCredentialCache } = require('@smithy/signature-v4')
const ours = require('./bedrock-token.js')

const budgetMs = Number(process.argv[2] || 1000)
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
const session = { ...credentials, sessionToken: 'T'.repeat(1024) }
const config = (c) => ({ credentials: c, region: 'us-east-1', expiresInSeconds: 3600 })

/** `fn` returns a Promise (awaited) or a value (not awaited, so sync calls are timed as sync). */
async function perCall(fn) {
  let n = 0
  const warm = process.hrtime.bigint()
  while (Number(process.hrtime.bigint() - warm) < budgetMs * 1e5) { await settle(fn()); n++ }
  const samples = []
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < n; i++) { const r = fn(); if (r instanceof Promise) await r }
    samples.push(Number(process.hrtime.bigint() - start) / n)
  }
  return samples.sort((a, b) => a - b)[2]
}

function settle(value) {
  return value instanceof Promise ? value : undefined
}

async function main() {
  const provider = new ours.TokenProvider(config(credentials))
  await provider.token()
  const rows = []
  for (const [label, c] of [['no session token', credentials], ['1 KB session token', session]]) {
    const shipped = await perCall(() => reference.getToken(config(c)))
    const uncached = await perCall(() => { clearCredentialCache(); return reference.getToken(config(c)) })
    rows.push([`signTokenSync, ${label}`, await perCall(() => ours.signTokenSync(config(c))), shipped, uncached])
    rows.push([`getToken (Promise), ${label}`, await perCall(() => ours.getToken(config(c))), shipped, uncached])
  }
  rows.push(['TokenProvider.token() cache hit', await perCall(() => provider.token()), null, null])
  rows.push(['TokenProvider.cachedToken() (sync) hit', await perCall(() => provider.cachedToken()), null, null])
  if (process.env.BENCH_TSV) { // for scripts/bench-compare's one table
    for (const [label, mine, shipped, uncached] of rows) {
      console.log([`Node ${label}`, mine.toFixed(0), shipped ? shipped.toFixed(0) : '', uncached ? uncached.toFixed(0) : ''].join('\t'))
    }
    return
  }
  console.log(`${'node'.padEnd(40)} ${'ours ns'.padStart(9)} ${'ref ns'.padStart(9)} ${'ratio'.padStart(7)} ${'ref uncached'.padStart(13)} ${'ratio'.padStart(7)}`)
  for (const [label, mine, shipped, uncached] of rows) {
    const r = (x) => (x ? `${(x / mine).toFixed(1)}x` : '-').padStart(7)
    const n = (x) => (x ? x.toFixed(0) : '-').padStart(9)
    console.log(`${label.padEnd(40)} ${n(mine)} ${n(shipped)} ${r(shipped)} ${n(uncached).padStart(13)} ${r(uncached)}`)
  }
}

main()
