'use strict'
// napi-rs's per-platform layout: the main package carries JS and types only, and the native module
// comes from the platform package (npm/linux-x64-gnu here). `npm pack` both, install the tarballs in
// a fresh directory as a user would, then `require` and ESM `import` both work.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')

function pack(dir, destination) {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], { cwd: dir, encoding: 'utf8' })
  const [{ filename, files }] = JSON.parse(out)
  return { tarball: path.join(destination, filename), files: files.map((f) => f.path) }
}

test('the main and linux-x64-gnu packages install from their tarballs; require and import both work', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-token-pack-'))
  try {
    const main = pack(root, dir)
    assert.ok(!main.files.some((f) => f.endsWith('.node')), `the main package carries no native module: ${main.files}`)
    assert.ok(main.files.includes('index.js') && main.files.includes('bedrock-token.d.ts'), `${main.files}`)

    const platformDir = path.join(dir, 'linux-x64-gnu')
    fs.cpSync(path.join(root, 'npm', 'linux-x64-gnu'), platformDir, { recursive: true })
    fs.copyFileSync(path.join(root, 'bedrock-token.linux-x64-gnu.node'), path.join(platformDir, 'bedrock-token.linux-x64-gnu.node'))
    const platform = pack(platformDir, dir)
    assert.deepEqual(platform.files.filter((f) => f.endsWith('.node')), ['bedrock-token.linux-x64-gnu.node'])

    const app = path.join(dir, 'app')
    fs.mkdirSync(app)
    fs.writeFileSync(path.join(app, 'package.json'), '{"name":"fresh","version":"1.0.0","private":true}')
    execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--omit=optional', platform.tarball, main.tarball], { cwd: app })
    const sign = `signTokenSync({ credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "s" }, region: "us-east-1" }).slice(0, 16)`
    const cjs = execFileSync('node', ['-e', `const { signTokenSync } = require("bedrock-token"); console.log(${sign})`], { cwd: app, encoding: 'utf8' })
    const esm = execFileSync('node', ['--input-type=module', '-e', `import { signTokenSync } from "bedrock-token"; console.log(${sign})`], { cwd: app, encoding: 'utf8' })
    assert.equal(cjs.trim(), 'bedrock-api-key-')
    assert.equal(esm.trim(), 'bedrock-api-key-')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
