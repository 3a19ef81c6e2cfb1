#!/usr/bin/env node
// Answers questions about validator.js for TestAgainstValidatorJS.
//
// Usage: node oracle.cjs DIR
// DIR is a directory whose node_modules holds validator (13.11.0).
//
// stdin: one JSON array per line, [kind, input] or [kind, input, locale]:
//   "email"        validator.isEmail(input)
//   "phone"        validator.isMobilePhone(input, 'any', {strictMode: true})
//   "phone_locale" validator.isMobilePhone(input, locale)
//   "normalize"    validator.normalizeEmail(input, {gmail_remove_dots: false})
//   "lower"        input.toLowerCase()
//   "trim"         validator.trim(input)
//   "length"       the length validator.isLength(input, {min}) measures:
//                  the largest min it accepts, as a decimal string
//   "meta"         the library's version and its phones table (input unused)
// stdout: one JSON object per line, in the same order: {"valid": bool} or
// {"output": string|false} or {"version": ..., "phones": {locale: source}},
// or {"error": message} when the call threw.
'use strict';

const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node oracle.cjs DIR\n');
  process.exit(2);
}
const root = path.resolve(dir, 'node_modules', 'validator');
const validator = require(root);
const version = require(path.join(root, 'package.json')).version;

// The phones table is not exported: evaluate the library's own file with a
// final statement that hands it back.
function phonesTable() {
  const file = path.join(root, 'lib', 'isMobilePhone.js');
  const src = fs.readFileSync(file, 'utf8');
  const localRequire = (p) => require(path.resolve(path.dirname(file), p));
  const phones = new Function('exports', 'require', 'module', `${src}\n;return phones;`)(
    {}, localRequire, { exports: {} });
  const out = {};
  for (const key of Object.keys(phones)) out[key] = phones[key].source;
  return out;
}

function answer(kind, input, locale) {
  switch (kind) {
    case 'email': return { valid: validator.isEmail(input) };
    case 'phone': return { valid: validator.isMobilePhone(input, 'any', { strictMode: true }) };
    case 'phone_locale': return { valid: validator.isMobilePhone(input, locale) };
    case 'normalize': return { output: validator.normalizeEmail(input, { gmail_remove_dots: false }) };
    case 'lower': return { output: input.toLowerCase() };
    case 'trim': return { output: validator.trim(input) };
    case 'length': {
      // isLength(input, {min: k}) holds exactly for k up to the length.
      let k = 0;
      while (validator.isLength(input, { min: k + 1 })) k++;
      return { output: String(k) };
    }
    case 'meta': return { version, phones: phonesTable() };
    default: throw new Error(`unknown kind ${kind}`);
  }
}

const lines = fs.readFileSync(0, 'utf8').split('\n');
const out = [];
for (const line of lines) {
  if (line === '') continue;
  let res;
  try {
    const [kind, input, locale] = JSON.parse(line);
    res = answer(kind, input, locale);
  } catch (e) {
    res = { error: `${e.name}: ${e.message}` };
  }
  out.push(JSON.stringify(res));
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
