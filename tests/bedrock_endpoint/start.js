// Starts the test endpoint (server.js) for a Node test and stops it with the test:
//   const endpoint = await startEndpoint({ credentials: [{ accessKeyId, secretAccessKey }] })
//   const evaluating = await startEndpoint({ iam: emulator.url })   (see emulator.js)
//   endpoint.https, endpoint.http, endpoint.ca (PEM text), await endpoint.requests(), endpoint.stop()
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const readline = require('node:readline')

async function startEndpoint({ credentials, iam, region = 'us-east-1' }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-endpoint-'))
  let mode = ['--iam', iam]
  if (!iam) {
    const credentialsFile = path.join(dir, 'credentials.json')
    fs.writeFileSync(credentialsFile, JSON.stringify(credentials))
    mode = ['--credentials', credentialsFile]
  }
  const child = spawn(process.execPath, [path.join(__dirname, 'server.js'),
    '--region', region, ...mode, '--dir', dir], { stdio: ['pipe', 'pipe', 'inherit'] })
  const first = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`the test endpoint exited with ${code}`)))
  })
  const { http, https, ca } = JSON.parse(first)
  return {
    http,
    https,
    ca: fs.readFileSync(ca, 'utf8'),
    caFile: ca,
    async requests() {
      return (await fetch(`${http}/__endpoint/requests`)).json()
    },
    stop() {
      child.stdin.end()
      child.kill()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

module.exports = { startEndpoint }
