'use strict'
// `npm pack`, then install the tarball in a fresh directory: `require` and ESM `import` both work.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

test('the packed tarball installs and loads with require and import', () => {
  const root = path.join(__dirname, '..')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-token-pack-'))
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"fresh","version":"1.0.0","private":true}')
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', path.join(dir, tarball)], { cwd: dir })
  const sign = `signTokenSync({ credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "s" }, region: "us-east-1" }).slice(0, 16)`
  const cjs = execFileSync('node', ['-e', `const { signTokenSync } = require("bedrock-token"); console.log(${sign})`], { cwd: dir, encoding: 'utf8' })
  const esm = execFileSync('node', ['--input-type=module', '-e', `import { signTokenSync } from "bedrock-token"; console.log(${sign})`], { cwd: dir, encoding: 'utf8' })
  assert.equal(cjs.trim(), 'bedrock-api-key-')
  assert.equal(esm.trim(), 'bedrock-api-key-')
  fs.rmSync(dir, { recursive: true, force: true })
})
