#!/usr/bin/env node
// A local Amazon Bedrock endpoint for tests, which checks bearer tokens as AWS does.
//
//   node tests/bedrock_endpoint/server.js --region us-east-1 --credentials creds.json --dir DIR
//   node tests/bedrock_endpoint/server.js --region us-east-1 --iam http://127.0.0.1:PORT --dir DIR
//
// With --credentials, creds.json: [{"accessKeyId": "...", "secretAccessKey": "...",
// "sessionToken": "..."?}, ...], the only credentials whose short-term tokens it accepts, and no
// policy is evaluated. With --iam, the URL of the IAM emulator (tests/iam_emulator): it accepts
// short-term and long-term (ABSK…) keys the emulator knows and that are usable (authenticate.js),
// and evaluates the caller's policies and SCPs for each request as AWS does (authorize.js,
// actions.js, evaluate.js, conditions.js). In DIR it writes a test CA (ca.pem) and a certificate
// for 127.0.0.1 and localhost signed by it. It listens on loopback, on two ports: HTTPS (HTTP/2 and
// HTTP/1.1, chosen by ALPN, as bedrock-runtime serves them) and plain HTTP, then prints one JSON line,
// {"http": URL, "https": URL, "ca": PATH}, and serves until stdin closes or it gets SIGTERM.
//
// A request is answered only if its bearer token verifies (see verify.js) and, with --iam, its
// policies allow it; otherwise 403 AccessDeniedException with the reason (AWS's message for a
// policy refusal). It answers, with minimal schema-valid bodies:
//   bedrock-runtime  POST /model/{id}/converse, POST /model/{id}/invoke
//   bedrock          GET /foundation-models (byProvider, byOutputModality, byInferenceType)
//   OpenAI-compatible POST /openai/v1/chat/completions, GET /openai/v1/models
//   bedrock-mantle   POST /mantle/v1/chat/completions, GET /mantle/v1/models (the OpenAI-compatible
//                    Mantle service, whose own host is bedrock-mantle.REGION.api.aws, under /mantle)
// GET /__endpoint/requests (no token needed) lists what it was asked, with each request's verdict
// and the access key and signing time of its token; with --iam also the principal ARN, the token
// type, the decision (allow, explicit-deny, implicit-deny) and the deny's policy name and Sid.
'use strict'

const fs = require('node:fs')
const http = require('node:http')
const http2 = require('node:http2')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { verifyBearer } = require('./verify')
const { authenticate } = require('./authenticate')
const { authorize } = require('./authorize')
const { MODELS } = require('./models')

function parseArgs(argv) {
  const args = { region: 'us-east-1', credentials: null, iam: null, dir: null }
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '')
    if (!(key in args) || argv[i + 1] === undefined) throw new Error(`unknown or incomplete argument ${argv[i]}`)
    args[key] = argv[i + 1]
  }
  if (!args.dir || !args.credentials === !args.iam) throw new Error('--dir DIR and one of --credentials FILE or --iam URL are required')
  return args
}

// A CA and a leaf certificate for loopback, made with the openssl command (EC P-256, one day).
function makeCertificates(dir) {
  fs.mkdirSync(dir, { recursive: true })
  const file = (name) => path.join(dir, name)
  const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=bedrock-token test CA', '-keyout', file('ca-key.pem'), '-out', file('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-subj', '/CN=127.0.0.1', '-keyout', file('key.pem'), '-out', file('leaf.csr'))
  fs.writeFileSync(file('leaf.ext'), [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'authorityKeyIdentifier=keyid',
    'subjectKeyIdentifier=hash',
  ].join('\n'))
  openssl('x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'),
    '-CAcreateserial', '-days', '1', '-extfile', file('leaf.ext'), '-out', file('cert.pem'))
  return { ca: file('ca.pem'), key: fs.readFileSync(file('key.pem')), cert: fs.readFileSync(file('cert.pem')) }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': 'test-request', ...headers,
  })
  res.end(text)
}

function denied(res, url, reason) {
  if (url.pathname.startsWith('/openai/') || url.pathname.startsWith('/mantle/')) {
    return send(res, 403, { error: { message: reason, type: 'permission_denied', code: 'AccessDeniedException' } })
  }
  return send(res, 403, { __type: 'AccessDeniedException', message: reason }, { 'x-amzn-errortype': 'AccessDeniedException' })
}

function lastUserText(messages) {
  const user = [...(messages || [])].reverse().find((m) => m.role === 'user')
  if (!user) return ''
  if (typeof user.content === 'string') return user.content
  return (user.content || []).map((part) => part.text || '').join('')
}

// The answers, by route. Each gets the parsed URL, the request body and the verified token.
const ROUTES = [
  ['POST', /^\/model\/([^/]+)\/converse$/, (url, body, match) => {
    const request = JSON.parse(body || '{}')
    const text = `reply from ${decodeURIComponent(match[1])} to: ${lastUserText(request.messages)}`
    return [200, {
      output: { message: { role: 'assistant', content: [{ text }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 3, outputTokens: 5, totalTokens: 8 },
      metrics: { latencyMs: 1 },
    }]
  }],
  ['POST', /^\/model\/([^/]+)\/invoke$/, (url, body, match) => {
    const request = JSON.parse(body || '{}')
    return [200, {
      id: 'msg_test', type: 'message', role: 'assistant', model: decodeURIComponent(match[1]),
      content: [{ type: 'text', text: `reply to: ${lastUserText(request.messages)}` }],
      stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 5 },
    }]
  }],
  ['GET', /^\/foundation-models$/, (url) => {
    const filters = {
      byProvider: (m, v) => m.providerName.toLowerCase() === v.toLowerCase(),
      byOutputModality: (m, v) => m.outputModalities.includes(v),
      byInferenceType: (m, v) => m.inferenceTypesSupported.includes(v),
    }
    let models = MODELS
    for (const [name, keep] of Object.entries(filters)) {
      const value = url.searchParams.get(name)
      if (value !== null) models = models.filter((m) => keep(m, value))
    }
    return [200, { modelSummaries: models }]
  }],
  ['POST', /^\/(openai|mantle)\/v1\/chat\/completions$/, (url, body) => {
    const request = JSON.parse(body || '{}')
    return [200, {
      id: 'chatcmpl-test', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: request.model,
      choices: [{ index: 0, finish_reason: 'stop', logprobs: null,
        message: { role: 'assistant', content: `reply to: ${lastUserText(request.messages)}` } }],
      usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
    }]
  }],
  ['GET', /^\/(openai|mantle)\/v1\/models$/, () => [200, {
    object: 'list',
    data: MODELS.map((m) => ({ id: m.modelId, object: 'model', created: 0, owned_by: m.providerName.toLowerCase() })),
  }]],
]

// With a fixed credentials list: the token's signature only.
function checkSignature(credentials) {
  return async (req) => verifyBearer(req.headers.authorization, { region: credentials.region, credentials: credentials.list, now: Date.now() })
}

// With the IAM emulator: who the token is, then whether its policies allow the request.
function checkPolicies(region, iam, secure) {
  return async (req, url, body) => {
    const now = Date.now()
    const auth = await authenticate(req.headers.authorization, { iam, region, now })
    if (!auth.ok) return auth
    const verdict = authorize(auth, { method: req.method, pathname: url.pathname, body, region, secure, now })
    const refused = verdict.decisions.find((d) => d.decision !== 'allow')
    const logged = {
      principalArn: auth.caller.principal.arn,
      tokenType: auth.tokenType,
      decision: refused ? refused.decision : 'allow',
      ...(refused ? { denied: { action: refused.action, kind: refused.kind, ...refused.statement } } : {}),
      ...(auth.accessKeyId ? { accessKeyId: auth.accessKeyId, signedAt: auth.signedAt } : {}),
    }
    return verdict.ok ? { ok: true, logged } : { ok: false, reason: verdict.reason, logged }
  }
}

function handler(check, log) {
  return async (req, res) => {
    const url = new URL(req.url, 'http://endpoint')
    try {
      const body = await readBody(req)
      if (req.method === 'GET' && url.pathname === '/__endpoint/requests') return send(res, 200, log)
      const route = ROUTES.find(([method, pattern]) => method === req.method && pattern.test(url.pathname))
      const entry = { method: req.method, path: url.pathname, httpVersion: req.httpVersion }
      log.push(entry)
      const verdict = await check(req, url, body)
      Object.assign(entry, verdict.logged || {})
      if (!verdict.ok) {
        Object.assign(entry, { status: 403, reason: verdict.reason })
        return denied(res, url, verdict.reason)
      }
      if (verdict.accessKeyId) Object.assign(entry, { accessKeyId: verdict.accessKeyId, signedAt: verdict.signedAt })
      if (!route) {
        entry.status = 404
        return send(res, 404, { __type: 'ResourceNotFoundException', message: `no route for ${req.method} ${url.pathname}` },
          { 'x-amzn-errortype': 'ResourceNotFoundException' })
      }
      const [status, answer] = route[2](url, body, url.pathname.match(route[1]))
      entry.status = status
      return send(res, status, answer)
    } catch (error) {
      return send(res, 400, { __type: 'ValidationException', message: String(error.message) },
        { 'x-amzn-errortype': 'ValidationException' })
    }
  }
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
}

async function main() {
  const args = parseArgs(process.argv.slice(2))
  const { ca, key, cert } = makeCertificates(args.dir)
  const log = []
  const check = (secure) => (args.iam
    ? checkPolicies(args.region, args.iam.replace(/\/$/, ''), secure)
    : checkSignature({ region: args.region, list: JSON.parse(fs.readFileSync(args.credentials, 'utf8')) }))
  const secure = http2.createSecureServer({ key, cert, allowHTTP1: true }, handler(check(true), log))
  const plain = http.createServer(handler(check(false), log))
  const [httpsPort, httpPort] = [await listen(secure), await listen(plain)]
  const stop = () => {
    secure.close()
    plain.close()
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.stdin.on('end', stop)
  process.stdin.resume()
  process.stdout.write(`${JSON.stringify({ http: `http://127.0.0.1:${httpPort}`, https: `https://127.0.0.1:${httpsPort}`, ca })}\n`)
}

main().catch((error) => {
  process.stderr.write(`bedrock endpoint: ${error.message}\n`)
  process.exit(1)
})
