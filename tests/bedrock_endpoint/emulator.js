// Starts the IAM emulator (tests/iam_emulator/server.py, moto with this project's extensions) for a
// Node test, on a free loopback port, with AWS managed policies loaded:
//   const emulator = await startEmulator()   // null (the test skips) when it cannot run here
//   emulator.url, emulator.iam(action, params), emulator.sts(...), emulator.setScps(account, docs),
//   emulator.reset(), emulator.stop()
// It runs as $BEDROCK_TOKEN_MOTO_SERVER (a launcher; .ci/run sets it), else with the Python that
// .ci/run installs moto into (target/ci-tools/python-venv of this checkout). With
// neither, it answers null, unless CI=true, where it throws.
'use strict'

const fs = require('node:fs')
const net = require('node:net')
const path = require('node:path')
const { spawn } = require('node:child_process')

const root = path.resolve(__dirname, '../..')
const SERVER = path.join(root, 'tests/iam_emulator/server.py')
const PYTHON = path.join(root, 'target/ci-tools/python-venv/bin/python')
// The throwaway credentials every request to the emulator is made with (moto checks no signature).
const ADMIN = 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0'

function command() {
  if (process.env.BEDROCK_TOKEN_MOTO_SERVER) return [process.env.BEDROCK_TOKEN_MOTO_SERVER, []]
  return fs.existsSync(PYTHON) ? [PYTHON, [SERVER]] : null
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    }).on('error', reject)
  })
}

// One AWS Query API call (IAM, STS): form-encoded, answered in XML.
async function query(url, service, action, params) {
  const version = { iam: '2010-05-08', sts: '2011-06-15' }[service]
  const form = new URLSearchParams({ Action: action, Version: version, ...params })
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: ADMIN.replace('/iam/', `/${service}/`) },
    body: form.toString(),
  })
  const text = await response.text()
  if (response.status !== 200) throw new Error(`${service} ${action}: ${response.status} ${text}`)
  return text
}

// The text of the first <name> element of an XML answer.
function field(xml, name) {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)
  return m ? m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'") : undefined
}

async function startEmulator() {
  const found = command()
  if (!found) {
    if (process.env.CI === 'true') throw new Error('CI=true but the IAM emulator cannot start: no BEDROCK_TOKEN_MOTO_SERVER and no python with moto')
    return null
  }
  const port = await freePort()
  const [program, args] = found
  const child = spawn(program, [...args, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore', env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
  })
  let exited = null
  child.once('exit', (code) => { exited = code })
  const url = `http://127.0.0.1:${port}`
  const reset = async () => {
    const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' })
    if (!(await response.json()).status) throw new Error('not moto')
  }
  for (let attempt = 0; ; attempt += 1) {
    if (exited !== null) throw new Error(`the IAM emulator exited with ${exited}`)
    try {
      await reset()
      break
    } catch (error) {
      if (attempt > 600) throw new Error(`the IAM emulator did not answer on ${port}: ${error.message}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return {
    url,
    reset,
    iam: (action, params = {}) => query(url, 'iam', action, params),
    sts: (action, params = {}) => query(url, 'sts', action, params),
    field,
    async setScps(account, documents) {
      const response = await fetch(`${url}/__bedrock_token/scps/${account}`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(documents),
      })
      if (response.status !== 200) throw new Error(`setting SCPs: ${response.status} ${await response.text()}`)
    },
    stop() {
      child.kill()
    },
  }
}

module.exports = { startEmulator }
