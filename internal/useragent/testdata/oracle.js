#!/usr/bin/env node
// Oracle for the tests of package useragent: what the npm package useragent
// 2.3.0 answers, loaded from $USERAGENTJS_DIR/node_modules/useragent.
//
// stdin: one JSON value a line, either a string (a user agent) or an object
// with a string "ua" (a line of corpus.jsonl, whose other fields are
// ignored).
// stdout: one line per input line,
//   {"ua":<ua>,"want":<JSON.stringify(useragent.parse(ua).toJSON())>}
// with the JSON text of "want" exactly as JSON.stringify writes it.
'use strict';
const path = require('path');
const readline = require('readline');

const dir = process.env.USERAGENTJS_DIR;
if (!dir) {
  console.error('oracle.js: set USERAGENTJS_DIR to a directory whose node_modules holds useragent@2.3.0');
  process.exit(2);
}
const pkgDir = path.resolve(dir, 'node_modules', 'useragent');
const version = require(path.join(pkgDir, 'package.json')).version;
if (version !== '2.3.0') {
  console.error(`oracle.js: ${pkgDir} is useragent ${version}, want 2.3.0`);
  process.exit(2);
}
const useragent = require(pkgDir);

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
rl.on('line', (line) => {
  if (line === '') return;
  const v = JSON.parse(line);
  const ua = typeof v === 'string' ? v : v.ua;
  if (typeof ua !== 'string') throw new Error('oracle.js: no user agent in ' + line);
  out.push('{"ua":' + JSON.stringify(ua) + ',"want":' + JSON.stringify(useragent.parse(ua).toJSON()) + '}\n');
  if (out.length >= 1024) process.stdout.write(out.splice(0).join(''));
});
rl.on('close', () => process.stdout.write(out.join('')));
