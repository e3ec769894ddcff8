'use strict'
// Jest setup file: skips the npm tests that compat/exclusions.txt lists as not applicable to
// bedrock-token. It wraps `describe` to know each test's full name (describe blocks and title,
// space-separated, as jest reports it) and turns a listed `it`/`test` into `it.skip`.
const fs = require('node:fs')
const path = require('node:path')

const specFile = path.basename(expect.getState().testPath)
const excluded = new Set()
for (const line of fs.readFileSync(path.join(__dirname, 'exclusions.txt'), 'utf8').split('\n')) {
  const [suite, file, name] = line.split('|').map((field) => field.trim())
  if (suite === 'npm' && file === specFile) excluded.add(name)
}

if (excluded.size > 0) {
  const { describe, it } = global
  const names = []
  global.describe = (name, body) =>
    describe(name, () => {
      names.push(name)
      try {
        body()
      } finally {
        names.pop()
      }
    })
  global.it = global.test = (name, body, timeout) => {
    const skip = excluded.has('*') || excluded.has([...names, name].join(' '))
    return (skip ? it.skip : it)(name, body, timeout)
  }
}
