'use strict'
// Jest configuration for AWS's published specs of @aws/bedrock-token-generator 1.1.0 (compat/run).
// COMPAT_SPECS: the directory holding the package's dist/ (specs and the modules they import).
// COMPAT_SUBJECT=bedrock-token: the specs' public modules resolve to our package instead (the
// smallest alias, a moduleNameMapper), and the tests compat/exclusions.txt lists are skipped.
// Otherwise the specs run unchanged against AWS's own package.
const path = require('node:path')

const ours = process.env.COMPAT_SUBJECT === 'bedrock-token'

module.exports = {
  rootDir: process.env.COMPAT_SPECS,
  testEnvironment: 'node',
  testMatch: ['**/*.spec.js'],
  moduleNameMapper: ours
    ? { '^\\./(index|getToken|getTokenProvider|BedrockTokenGenerator)$': path.join(__dirname, '../bindings/node/bedrock-token.js') }
    : {},
  setupFilesAfterEnv: ours ? [path.join(__dirname, 'jest_exclusions.js')] : [],
}
