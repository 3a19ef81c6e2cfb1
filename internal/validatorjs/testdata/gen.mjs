#!/usr/bin/env node
// Writes corpus.jsonl, the answers of validator.js 13.11.0 that
// TestCorpus holds the Go package to.
//
// Usage: node gen.mjs [DIR]
// DIR (or the environment variable VALIDATORJS_DIR) is a directory whose
// node_modules holds validator 13.11.0; it defaults to the repository's e2e
// project. To get one elsewhere: npm install --prefix DIR validator@13.11.0
//
// Each line of corpus.jsonl is one JSON object:
//   {"kind":"email","input":s,"valid":b}         validator.isEmail(s)
//   {"kind":"phone","input":s,"valid":b}         validator.isMobilePhone(s, 'any', {strictMode: true})
//   {"kind":"phone_locale","input":s,"locale":l,"valid":b}
//                                                validator.isMobilePhone(s, l)
//   {"kind":"normalize","input":s,"output":o}    validator.normalizeEmail(s, {gmail_remove_dots: false}),
//                                                o a string or false
//   {"kind":"lower","input":s,"output":o}        s.toLowerCase()
//   {"kind":"trim","input":s,"output":o}         validator.trim(s)
// The inputs are hand-picked edge cases and seeded random mutations of them,
// so running the script again writes the same file.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = process.argv[2] || process.env.VALIDATORJS_DIR || path.join(here, '..', '..', '..', 'e2e');
const require = createRequire(path.join(path.resolve(dir), 'index.js'));
const root = path.join(path.resolve(dir), 'node_modules', 'validator');
const validator = require(root);
const { version } = require(path.join(root, 'package.json'));
if (version !== '13.11.0') {
  throw new Error(`validator ${version} in ${root}, want 13.11.0`);
}

// mulberry32: a small seeded generator, so the corpus is reproducible.
let seed = 0x5eed1311;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const int = (n) => Math.floor(rand() * n);

// Characters the mutations draw from: what the rules single out, and
// neighbours of every range boundary they use.
const specials = [
  ...'abcxyzABCXYZ0189', ...'!#$%&\'*+-/=?^_`{|}~', ...'.@"\\()<>,;:[] ',
  '\0', '\x01', '\x07', '\t', '\n', '\v', '\f', '\r', '\x1b', '\x1f', '\x7f',
  '\x80', '\x85', '\x9f', '\xa0', '\xa1', '\xa8', '\xa9', '\xaa', 'é', 'ß', 'İ', 'Σ', 'ς', 'K', 'ſ',
  '\u1680', '\u2000', '\u200a', '\u200b', '\u2028', '\u2029', '\u202e', '\u202f', '\u205f', '\u3000',
  'я', '中', '\ud7ff', '\ue000', '\uf8ff', '\uf900', '\ufdcf', '\ufdd0', '\ufdef', '\ufdf0', '\ufeff',
  '\uff01', '＠', '．', 'ａ', '\uff5e', '\uff5f', '\uffef', '\ufff0', '\ufffd', '\uffff',
  '😀', '𝒜', '\u{10000}', '\u{10ffff}',
];

function mutate(s, alphabet) {
  const cps = [...s];
  const n = 1 + int(3);
  for (let k = 0; k < n; k++) {
    const i = int(cps.length + 1);
    switch (int(5)) {
      case 0: cps.splice(i, 0, pick(alphabet)); break; // insert
      case 1: if (cps.length) cps.splice(Math.min(i, cps.length - 1), 1); break; // delete
      case 2: if (cps.length) cps[Math.min(i, cps.length - 1)] = pick(alphabet); break; // replace
      case 3: { // duplicate a run
        const j = int(cps.length + 1);
        const [a, b] = i < j ? [i, j] : [j, i];
        cps.splice(b, 0, ...cps.slice(a, b));
        break;
      }
      default: cps.splice(i, 0, pick(alphabet), pick(alphabet)); // insert two
    }
  }
  return cps.join('');
}

const a = (n, c = 'a') => c.repeat(n);

const emails = [
  // plain and case
  'a@b.co', 'test@example.com', 'TEST@EXAMPLE.COM', 'Test.User+tag@Example.Com', 'user_name@example.org',
  "o'reilly@example.ie", 'a!#$%&\'*+-/=?^_`{|}~@example.com', 'x@example.museum', '1@2.ab',
  // control characters
  'a\0b@x.com', '\0@x.com', 'a@x.com\0', 'a@x\0.com', 'a\vb@x.com', 'a\x07@x.com', 'a\x1b@x.com',
  'a\x7f@x.com', 'a\x85@x.com', 'a@x\x85.com', 'a@x.co\x85m', 'a\tb@x.com', 'a\nb@x.com', 'a@x.com\n',
  '"a\0"@x.com', '"a\v"@x.com', '"a\x07"@x.com', '"\x85"@x.com', '"a\x7f"@x.com', '"a\x1b"@x.com',
  '"a\tb"@x.com', '"a\nb"@x.com', '"a\rb"@x.com', '"\\\0"@x.com', '"\\\n"@x.com', '"\\\r"@x.com',
  '"\\\x85"@x.com', '"\\\xa0"@x.com', '"\xa0"@x.com', '"\u2028"@x.com',
  // markup and separators
  '<a@b.com>', 'a<b>@x.com', '"<script>"@x.com', '<script>alert(1)</script>@x.com', 'a@<b>.com',
  'Name <a@b.com>', '"Name" <a@b.com>', 'a,b@x.com', 'a;b@x.com', 'a@b.com,c@d.com', 'a@b.com;c@d.com',
  '<b>hi</b>@x.com', '"<b>hi</b>"@x.com', 'a@b.com<br>', '&lt;a&gt;@x.com', 'a(b)@x.com', 'a@b.com (x)',
  // local part length (64 bytes at most)
  `${a(64)}@x.com`, `${a(65)}@x.com`, `${a(63)}.@x.com`, `${a(32, 'é')}@x.com`, `${a(33, 'é')}@x.com`,
  `${a(21, '中')}a@x.com`, `${a(22, '中')}@x.com`, `${a(16, '😀')}@x.com`,
  `"${a(62)}"@x.com`, `"${a(63)}"@x.com`, `${a(31)}.${a(32)}@x.com`,
  // label length (63 UTF-16 code units) and domain length (254 bytes)
  `a@${a(63, 'b')}.com`, `a@${a(64, 'b')}.com`, `a@${a(63, 'é')}.com`, `a@${a(64, 'é')}.com`,
  `a@${a(31, '😀')}.com`, `a@${a(32, '😀')}.com`, `a@${a(31, '😀')}b.com`,
  `a@${[a(63, 'b'), a(63, 'c'), a(63, 'd'), a(59, 'e')].join('.')}.com`,
  `a@${[a(63, 'b'), a(63, 'c'), a(63, 'd'), a(60, 'e')].join('.')}.com`,
  `a@${[a(63, 'b'), a(63, 'c'), a(63, 'd'), a(57, 'e')].join('.')}.com`,
  `${a(64)}@${[a(63, 'b'), a(63, 'c'), a(52, 'd')].join('.')}.com`,
  `${a(64)}@${[a(63, 'b'), a(63, 'c'), a(53, 'd')].join('.')}.com`,
  `${a(64)}@${[a(63, 'b'), a(63, 'c'), a(54, 'd')].join('.')}.com`,
  `${a(16, '😀')}@${[a(63, 'b'), a(63, 'c'), a(52, 'd')].join('.')}.com`,
  `a@${[a(60, 'é'), a(60, 'é'), a(10, 'é')].join('.')}.com`,
  `a@${[a(60, 'é'), a(60, 'é'), a(3, 'é')].join('.')}.com`,
  // dots and hyphens
  'a@b..com', 'a@b.c', 'a..b@x.com', '.a@x.com', 'a.@x.com', 'a@.b.com', 'a@b.com.', 'a@b.com..',
  'a@b_c.com', 'a@_b.com', 'a@b.c_m', 'a@-b.com', 'a@b-.com', 'a@b.com-', 'a@b.-com', 'a@b-c.com',
  'a@b--c.com', 'a@b.c-m', 'a@b.co-', 'a_b@c.com', 'a-b@c.com', '-@c.com', '.@c.com', 'a@b',
  'a@b.c1', 'a@b.123', 'a@123.com', 'a@1.2', '@b.com', 'a@', '', '@', 'a', 'a@@b.com', 'a@b@c.com',
  ' a@b.com', 'a@b.com ', 'a b@c.com', 'a@b .com', 'a@b. com', 'a@b.co m',
  // full-width and look-alike characters
  'a＠b.com', 'ａ@b.com', 'a@ｂ.com', 'a@b.ｃｏｍ', 'a@b．com', 'ａｂ＠ｃ．ｃｏｍ', 'a@b.com\uff5f',
  'a@\uff5f.com', 'a@b.\uff5f\uff5f', 'a@b.\uffef\uffef', 'a@b.\ufff0\ufff0', 'a@\ufff0.com',
  // quoted local parts
  '"@x.com', '""@x.com', '"a"@x.com', '"a b"@x.com', '"a\\"b"@x.com', '"a\\\\"@x.com', '"a\\"@x.com',
  '"a"b"@x.com', '"a@b"@x.com', '"a""@x.com', '"😀"@x.com', '"a😀@x.com', '"😀a"@x.com', '"a\\😀"@x.com',
  '"a.b"@x.com', '"a..b"@x.com', '"."@x.com', '"a"."b"@x.com', '"\\a"@x.com', '"\\\\\\"@x.com',
  '"\ue000"@x.com', '"\ufdd0"@x.com', '"\ufffd"@x.com', '"\x80"@x.com', '"\xa0\xa0"@x.com',
  '" "@x.com', '"  "@x.com', '"a\u3000b"@x.com', '"abc@x.com', 'abc"@x.com', '"@"@x.com',
  // invisible and bidi characters
  'a\u202eb@x.com', '\u202e@x.com', '\u200b@x.com', 'a\u200bb@x.com', 'a@b\u200b.com', '\ufeffa@x.com',
  'a@x.com\ufeff', 'a@b.c\xa0m', 'a@b.co\u3000', 'a@b.c\u2000m', 'a@b\u2000.com', 'a@b.c\u2028m',
  'a\xa0@x.com', 'a\xa1@x.com', 'a@b.c\xa9', 'a@b.c\xa8', 'a@b.c\xaa', 'a@b.\xa9\xa9', 'a@\xa9.com',
  'a\ue000@x.com', 'a@\ue000.com', 'a@b.c\ue000', 'a\ufdd0@x.com', 'a@b.c\ufdd0', 'a\uf900@x.com',
  'a\ud7ff@x.com', 'a😀@x.com', 'a@😀.com', 'a@b.c😀', 'a@b.😀😀', 'a\u212a@x.com', 'a@b.\u212a\u212a',
  'ſ@x.com', 'a@b.ſſ', 'İ@x.com', 'ΑΣ@x.com',
  // IP domains (allow_ip_domain is false)
  'a@[1.2.3.4]', 'a@1.2.3.4', 'a@[IPv6:::1]', 'a@[::1]', 'a@[1.2.3.4].com', 'a@256.1.1.1',
  // internationalised domains and punycode
  'a@xn--bcher-kva.ch', 'a@bücher.ch', 'a@example.xn--p1ai', 'a@example.рф', 'a@例え.テスト',
  'a@b.XN--P1AI', 'a@b.Xn--p1ai', 'a@b.xn--', 'a@b.xn-', 'a@b.xn', 'a@b.xn1', 'a@b.xn12', 'a@b.xn_1',
  'a@b.xnя', 'a@b.x1', 'a@xn--.com', 'a@-xn--a.com', 'δοκιμή@παράδειγμα.δοκιμή', '用户@例子.广告',
  'अजय@डाटा.भारत', 'квіточка@пошта.укр', 'θσερ@εχαμπλε.ψομ',
];

// Long and total-length cases (254 UTF-16 code units at most).
for (const n of [240, 241, 242, 243, 244, 245, 246]) {
  const labels = [];
  let left = n;
  while (left > 0) {
    const l = Math.min(60, left);
    labels.push(a(l, 'd'));
    left -= l + 1;
  }
  emails.push(`abcdefgh@${labels.join('.')}.com`);
  emails.push(`abcdefg😀@${labels.join('.')}.com`);
}

const normalizeInputs = [
  'a.b+c@gmail.com', 'A.B+C@GMAIL.COM', 'a.b+c@googlemail.com', '+c@gmail.com', 'a..b@gmail.com',
  'a+b+c@icloud.com', '+x@me.com', 'a+b@hotmail.co.uk', 'a+b@outlook.com', '+@live.com',
  'a-b-c@yahoo.com', '-b@yahoo.com', 'a@yahoo.com', 'a-b@ymail.com', 'A-B@Rocketmail.com',
  'a+b@yandex.ua', 'A@YA.RU', 'a+b@example.com', 'A.B+C@Example.COM', '"a+b"@gmail.com',
  'ΑΣ@x.com', 'ΑΣ+b@gmail.com', 'İ@x.com', 'a@İ.com', 'ΣΑ@x.com', 'ÀÉÎ@ÀÉÎ.com', 'a@b', '@gmail.com',
  'a@b@gmail.com', 'a+b@GMAIL.COM', 'a+b@gmail.com.', 'abc@passport.com', 'a+b@msn.com',
];

const phones = [
  '+900635063', '+15550000001', '+15555555555', '+14155550123', '+1 415 555 0123', '+1-415-555-0123',
  '+1 (415) 555-0123', '+1(415)5550123', '+1 (415)555-0123', '14155550123', '+44 7911 123456',
  '+447911123456', '07911123456', '+4407911123456', '+33612345678', '+33 6 12 34 56 78',
  '+49 1512 3456789', '+4915123456789', '+8613812345678', '+919876543210', '+5511987654321',
  '+55 11 98765-4321', '+55 (11) 98765-4321', '+7 912 345 67 89', '+79123456789', '+81 90-1234-5678',
  '+819012345678', '+81(0)9012345678', '+61412345678', '+34612345678', '+393123456789', '+39 312 3456789',
  '+905321234567', '+00447911123456', '+', '++14155550123', '+14155550123 ', ' +14155550123',
  '+1\xa0415\xa0555\xa00123', '+1\u2000415\u2000555\u20000123', '+٤١٥٥٥٥٠١٢٣', '+１４１５５５５０１２３',
  '+1\n4155550123', '+14155550123\n', '+306912345678', '+306922345678', '+306962345678',
  '+306852345678', '+37410123456', '+3741012345', '+441481123456', '+35799123456', '+3579912345',
  '+45 12 34 56 78', '+45\v12\v34\v56\v78', '+45\ufeff12345678', '+4512\u30003456\u300078',
  '+372 5 123 4567', '+358 40 1234567', '+298 12 34 56', '+62 812 3456 789', '+62812?3456|789',
  '+420 123 456 789', '+421 912 345 678', '+48 512 345 678', '+40 712 345 678', '+40 712.345.678',
  '+40712/345-678', '+386 41 123 456', '+381 61 123 4567', '+46 70 123 45 67', '+46-70-1234567',
  '+60 12-3456789', '+852 5123 4567', '+853 6123 4567', '+66812345678', '+84912345678', '+8869123456789',
  '+886-912345678', '+9677123456789', '+212 5288 12345', '+93701234567', '+264812345678',
  '+2348012345678', '+27821234567', '+254712345678', '+998901234567', '+971501234567',
  '+96650123456', '+966512345678', '+!96650123456', '+2010123456789', '+201012345678', '+4366412345678',
  '+41791234567', '+352621123456', '+9607712345', '+12642351234', '+12687131234', '+14413123456',
  '+1 242 357 1234', '+1-242-357-1234', '+1(242)3571234', '+1 869 465 1234', '+18094567890',
  '+233201234567', '+5926123456', '+353851234567', '+18765551234', '+876123456', '+2367012345678',
  '+236 70123456', '+211912345678', '+686 72123456', '+68672123456', '+26622123456', '+35699123456',
  '+23012345678', '+6421234567', '+67571234567', '+923012345678', '+639123456789', '+250712345678',
  '+6581234567', '+23212345678', '+255712345678', '+256712345678', '+260971234567', '+26097123456',
  '+263712345678', '+26771234567', '+5491112345678', '+59171234567', '+573001234567', '+56212345678',
  '+50681234567', '+5351234567', '+50491234567', '+593912345678', '+51912345678', '+5215512345678',
  '+50512345678', '+50761234567', '+595981234567', '+50371234567', '+59891234567', '+584121234567',
  '+989121234567', '+98-912-123-4567', '+6791234567', '+22661234567', '+22912345678', '+243812345678',
  '+237612345678', '+594612345678', '+590612345678', '+596612345678', '+68987123456', '+262612345678',
  '+681123456', '+972501234567', '+36201234567', '+989123456789', '+3786123456', '+3780549612345',
  '+995599123456', '+77012345678', '+299123456', '+82 10 1234 5678', '+82-10-1234-5678',
  '+7 7 12 345 6789', '+7+7123456789', '+37061234567', '+37121234567', '+261321234567',
  '+97688123456', '+959251234567', '+258821234567', '+4791234567', '+9779812345678',
  '+32412345678', '+31612345678', '+31(0)612345678', '+2975612345', '+351912345678', '+244912345678',
  '+37360123456', '+94771234567', '+94 77-1234567', '+252612345678', '+35569123456', '+992551234567',
  '+99361234567', '+380501234567', '+84 912345678', '+86 13812345678', '+97517123456',
  '+9673123456', '+21261234567', '+9647712345678', '+962791234567', '+96550123456', '+218912345678',
  '+96891234567', '+970591234567', '+249912345678', '+963912345678', '+21621234567', '+994501234567',
  '+38761234567', '+375291234567', '+359881234567', '+8801712345678', '+376312345', '+4912345',
  '+97331234567', '+9613123456', '+96171234567', '+23670123456', '+236 70123456', '+18694651234',
];

// Prefixes of the locale patterns (country codes), for random numbers that
// stand a chance of matching.
const codes = ['1', '7', '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44',
  '45', '46', '47', '48', '49', '51', '52', '53', '55', '56', '57', '58', '60', '61', '62', '63', '64',
  '65', '66', '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98', '211', '212', '213',
  '216', '218', '226', '229', '230', '232', '233', '234', '236', '237', '243', '244', '249', '250',
  '252', '254', '255', '256', '258', '260', '261', '262', '263', '264', '266', '267', '297', '298',
  '299', '351', '352', '353', '355', '356', '357', '358', '359', '370', '371', '372', '373', '374',
  '375', '376', '378', '380', '381', '386', '387', '420', '421', '504', '505', '506', '507', '591',
  '592', '593', '594', '595', '596', '598', '675', '679', '681', '686', '689', '852', '853', '880',
  '886', '960', '961', '962', '963', '964', '965', '966', '967', '968', '970', '971', '972', '973',
  '975', '976', '977', '992', '993', '994', '995', '998'];
const phoneAlphabet = [...'0123456789', ...'0123456789', ' ', '-', '(', ')', '+', '.', '/', '?', '|',
  '\t', '\xa0', '\u3000', '\ufeff', '\u2028', '٣', '３', 'x', '😀'];
function randomPhone() {
  let s = '+' + pick(codes);
  const n = 5 + int(9);
  for (let i = 0; i < n; i++) s += String(int(10));
  return rand() < 0.5 ? s : mutate(s, phoneAlphabet);
}

const lines = [];
const add = (o) => lines.push(JSON.stringify(o));
const seen = new Set();
function once(kind, input, extra = '') {
  const key = `${kind}\0${extra}\0${input}`;
  if (seen.has(key) || !input.isWellFormed()) return false; // Go strings cannot hold lone surrogates
  seen.add(key);
  return true;
}
const addEmail = (s) => { if (once('email', s)) add({ kind: 'email', input: s, valid: validator.isEmail(s) }); };
const addPhone = (s) => {
  if (once('phone', s)) add({ kind: 'phone', input: s, valid: validator.isMobilePhone(s, 'any', { strictMode: true }) });
};
const addLocale = (s, l) => {
  if (once('phone_locale', s, l)) add({ kind: 'phone_locale', input: s, locale: l, valid: validator.isMobilePhone(s, l) });
};
const addOutput = (kind, s, f) => { if (once(kind, s)) add({ kind, input: s, output: f(s) }); };

for (const s of emails) addEmail(s);
for (let i = 0; i < 2500; i++) {
  const base = pick(emails);
  addEmail(mutate(base, specials));
}
// Valid addresses with a character appended or inserted, to probe each
// class at the edge of validity.
for (const c of specials) {
  addEmail(`a${c}b@x.com`);
  addEmail(`"a${c}b"@x.com`);
  addEmail(`"\\${c}"@x.com`);
  addEmail(`a@b${c}c.com`);
  addEmail(`a@b.c${c}m`);
  addEmail(`a@b.${c}${c}`);
}

for (const s of phones) addPhone(s);
for (let i = 0; i < 600; i++) addPhone(mutate(pick(phones), phoneAlphabet));
for (let i = 0; i < 600; i++) addPhone(randomPhone());

// Every locale (aliases included) against the phone inputs it accepts (up
// to 8, with and without their '+') and 8 others.
const phoneInputs = [...phones];
for (let i = 0; i < 3000; i++) phoneInputs.push(randomPhone());
for (const s of phones) phoneInputs.push(s.replace(/^\+/, ''), s.replace(/^\+\d{1,3}/, '0'));
for (const l of validator.isMobilePhoneLocales) {
  const accepted = phoneInputs.filter((s) => validator.isMobilePhone(s, l));
  for (let i = 0; i < 8 && accepted.length; i++) addLocale(pick(accepted), l);
  for (let i = 0; i < 8; i++) addLocale(pick(phoneInputs), l);
}

const norm = (s) => validator.normalizeEmail(s, { gmail_remove_dots: false });
for (const s of normalizeInputs) addOutput('normalize', s, norm);
for (let i = 0; i < 1500; i++) {
  const s = mutate(pick(normalizeInputs), specials);
  if (validator.isEmail(s)) addOutput('normalize', s, norm);
}
const lower = (s) => s.toLowerCase();
for (const s of [...normalizeInputs, 'ΑΣ', 'ΑΣ.', 'Σ', 'ΑΣΑ', 'Α.Σ', 'ΑΣ\u0301', 'ΑΣ\u0301Α', "Α'Σ", 'Α\u00adΣ',
  'ΑΣ\u10d0', '\u10d0Σ', 'AʕΣ', 'A\u0897Σ', 'İİ', '\u1c89\ua7cb\ua7dc\u{10d50}\u{16ea0}', 'ǅǄǆ', 'ẞ']) {
  addOutput('lower', s, lower);
}
for (let i = 0; i < 300; i++) addOutput('lower', mutate('ΑΣ b ΣΑ İ', specials), lower);
const trim = (s) => validator.trim(s);
for (const c of specials) addOutput('trim', `${c}a${c}`, trim);
for (let i = 0; i < 100; i++) addOutput('trim', mutate(' \t a b \u3000', specials), trim);

writeFileSync(path.join(here, 'corpus.jsonl'), lines.join('\n') + '\n');
console.log(`validator ${version}: ${lines.length} lines written to corpus.jsonl`);
