#!/usr/bin/env node
// Writes types.generated.d.ts: the TypeScript types of what the control API
// answers (emails, SMS, users, faults, journal entries, realtime events, the
// coverage report, …), generated from the emulator's openapi.yaml.
//
//   node scripts/gen-types.mjs           write types.generated.d.ts
//   node scripts/gen-types.mjs --check   exit 1 if it is not what the spec makes now
//
// The package has no dependencies, so the spec is read with the small YAML
// reader below: the subset openapi.yaml is written in (block mappings and
// sequences, flow collections, quoted and plain scalars, `|` block
// scalars). Anything else stops it with the line number.

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SPEC = fileURLToPath(new URL("../../openapi.yaml", import.meta.url));
export const OUT = fileURLToPath(new URL("../types.generated.d.ts", import.meta.url));

// The generated types: name, where its schema is (a JSON pointer, or
// "operationId:pointer" inside an operation), and a comment for the type.
const JSON_SCHEMA = "content/application~1json/schema";
const TYPES = [
  ["Email", "#/components/schemas/Email", "An email Altogic would have sent, as the inbox API shows it."],
  ["SMS", "#/components/schemas/Sms", "An SMS Altogic would have sent, as the inbox API shows it."],
  ["User", "#/components/schemas/User", "A user as the API shows it: never a password or hash; user data as extra fields."],
  ["NewUser", `createUser:/requestBody/${JSON_SCHEMA}`, "A user for users.create, written as in a fixtures file; other fields are user data."],
  ["UserPatch", `updateUser:/requestBody/${JSON_SCHEMA}`, "The fields users.update changes; a user data key set to null is removed."],
  ["Fault", "#/components/schemas/Fault", "An injected fault, as the emulator holds it."],
  ["NewFault", `addFault:/requestBody/${JSON_SCHEMA}`, "A fault for faults.add: it needs a status, a delayMs or dropMessage."],
  ["JournalEntry", "#/components/schemas/JournalEntry", "One request of the environment's request journal."],
  ["RealtimeEvent", "#/components/schemas/RealtimeEvent", "A realtime event the emulator delivered."],
  ["RealtimeConnection", `listRealtimeConnections:/responses/200/${JSON_SCHEMA}/properties/connections/items`, "A realtime (socket.io) connection of the environment."],
  ["CoverageReport", "#/components/schemas/Coverage", "The contract coverage report, across environments."],
  ["Settings", "#/components/schemas/Settings", "The environment's auth settings."],
  ["SettingsPatch", "#/components/schemas/SettingsPatch", "Settings for config.patch: only those named change."],
  ["Clock", `#/components/responses/Clock/${JSON_SCHEMA}`, "The environment's clock."],
  ["EnvState", "#/components/schemas/EnvState", "An environment's whole state, as exportState answers it and importState takes it."],
  ["Health", `health:/responses/200/${JSON_SCHEMA}`, "The health answer."],
  ["ErrorEnvelope", "#/components/schemas/Errors", "Altogic's error envelope."],
];

// ---------------------------------------------------------------------------
// The YAML reader.

export function parseYAML(text, name = "openapi.yaml") {
  const lines = text.split(/\r?\n/).map((raw, n) => ({ raw, no: n + 1 }));
  let i = 0; // the next line to read
  const fail = (msg) => {
    throw new Error(`${name}:${lines[Math.min(i, lines.length - 1)].no}: ${msg}`);
  };
  const indentOf = (s) => {
    const ind = /^[ \t]*/.exec(s)[0];
    if (ind.includes("\t")) fail("tabs in indentation");
    return ind.length;
  };
  const isSeqItem = (s) => /^-( |$)/.test(s);
  // Skips blank and comment lines.
  const skip = () => {
    while (i < lines.length && /^\s*(#.*)?$/.test(lines[i].raw)) i++;
  };

  // A block node starting on the next line, indented more than `parent`.
  function block(parent) {
    skip();
    if (i >= lines.length) return null;
    const ind = indentOf(lines[i].raw);
    if (ind <= parent) return null;
    return isSeqItem(lines[i].raw.slice(ind)) ? sequence(ind) : mapping(ind);
  }

  function mapping(ind) {
    const map = {};
    for (;;) {
      skip();
      if (i >= lines.length) return map;
      const { raw } = lines[i];
      const cur = indentOf(raw);
      if (cur < ind) return map;
      if (cur > ind) fail("unexpected indentation");
      if (isSeqItem(raw.slice(ind))) fail("a `- ` item where a key was expected");
      const entry = splitKey(raw.slice(ind));
      if (!entry) fail("expected `key: value`");
      if (Object.hasOwn(map, entry.key)) fail(`duplicate key ${entry.key}`);
      i++;
      map[entry.key] = value(entry.after, ind, true);
    }
  }

  function sequence(ind) {
    const seq = [];
    for (;;) {
      skip();
      if (i >= lines.length) return seq;
      const { raw } = lines[i];
      const cur = indentOf(raw);
      // Less indented, or a key of the mapping the sequence is a value of.
      if (cur < ind || (cur === ind && !isSeqItem(raw.slice(cur)))) return seq;
      if (cur > ind) fail("unexpected indentation");
      const item = raw.slice(cur + 1);
      const body = item.trimStart();
      if (body && !/^[[{]/.test(body) && splitKey(body)) {
        // "- key: value": a mapping whose keys sit at the first key's column.
        const col = cur + 1 + item.length - body.length;
        lines[i] = { ...lines[i], raw: " ".repeat(col) + body };
        seq.push(mapping(col));
      } else {
        i++;
        seq.push(value(body, ind, false));
      }
    }
  }

  // The value after "key:" or "-" on the line just read, of a node at `ind`.
  function value(after, ind, inMapping) {
    const text = after.trim();
    if (text === "" || text.startsWith("#")) {
      skip();
      // "key:" followed by "- item" lines at the key's own indentation.
      if (inMapping && i < lines.length && indentOf(lines[i].raw) === ind && isSeqItem(lines[i].raw.slice(ind))) {
        return sequence(ind);
      }
      return block(ind);
    }
    if (/^[|>][-+]?(\s+#.*)?$/.test(text)) return blockScalar(text, ind);
    if (text[0] === "{" || text[0] === "[") return flow(text);
    if (text[0] === "'" || text[0] === '"') {
      const q = readQuoted(text, 0);
      if (!/^\s*(#.*)?$/.test(text.slice(q.end))) fail("text after a quoted string");
      return q.value;
    }
    // A plain scalar, maybe continued on more indented lines.
    let s = text.replace(/\s+#.*$/, "");
    while (i < lines.length && lines[i].raw.trim() !== "" && indentOf(lines[i].raw) > ind) {
      s += " " + lines[i].raw.trim();
      i++;
    }
    return plain(s);
  }

  function blockScalar(header, ind) {
    const out = [];
    let contentIndent = null;
    while (i < lines.length) {
      const { raw } = lines[i];
      if (raw.trim() === "") {
        out.push("");
        i++;
        continue;
      }
      const cur = indentOf(raw);
      if (cur <= ind) break;
      contentIndent ??= cur;
      if (cur < contentIndent) fail("a block scalar line less indented than its first");
      out.push(raw.slice(contentIndent));
      i++;
    }
    let trailing = 0;
    while (out.length && out.at(-1) === "") {
      out.pop();
      trailing++;
    }
    const body = header[0] === ">" ? fold(out) : out.join("\n");
    if (header[1] === "-" || body === "") return body;
    return body + "\n".repeat(header[1] === "+" ? trailing + 1 : 1);
  }

  // Folds the lines of a `>` block scalar: a line break between two lines
  // of text becomes a space; empty and more indented lines keep theirs.
  function fold(text) {
    let s = text[0] ?? "";
    for (let k = 1; k < text.length; k++) {
      const [prev, line] = [text[k - 1], text[k]];
      if (line === "") s += "\n";
      else if (prev === "") s += line;
      else s += (/^\s/.test(line) || /^\s/.test(prev) ? "\n" : " ") + line;
    }
    return s;
  }

  // "key: rest" (a plain or quoted key), or null.
  function splitKey(text) {
    if (text[0] === "'" || text[0] === '"') {
      const q = readQuoted(text, 0);
      const m = /^\s*:(\s+|$)/.exec(text.slice(q.end));
      return m && { key: q.value, after: text.slice(q.end + m[0].length) };
    }
    const m = /^([^\s#][^]*?):(\s+|$)/.exec(text);
    return m && { key: m[1].trimEnd(), after: text.slice(m[0].length) };
  }

  // A quoted scalar starting at s[p]: its value and the index after it.
  function readQuoted(s, p) {
    if (s[p] === "'") {
      let v = "";
      for (let k = p + 1; k < s.length; k++) {
        if (s[k] !== "'") v += s[k];
        else if (s[k + 1] === "'") (v += "'"), k++;
        else return { value: v, end: k + 1 };
      }
    } else {
      const m = /^"((?:[^"\\]|\\.)*)"/.exec(s.slice(p));
      if (m) {
        try {
          return { value: JSON.parse(`"${m[1]}"`), end: p + m[0].length };
        } catch {
          fail("an escape in a double-quoted string this reader does not know");
        }
      }
    }
    throw new Incomplete("an unterminated quoted string");
  }

  // A flow collection ({…} or […]), which may go on over the next lines.
  function flow(text) {
    for (;;) {
      try {
        const r = parseFlow(text);
        if (!/^\s*(#.*)?$/.test(text.slice(r.end))) fail("text after a flow collection");
        return r.value;
      } catch (err) {
        if (!(err instanceof Incomplete)) throw err;
        if (i >= lines.length) fail(err.message);
        text += " " + lines[i++].raw.trim();
      }
    }
  }

  function parseFlow(s) {
    let p = 0;
    const ws = () => {
      while (p < s.length && /\s/.test(s[p])) p++;
    };
    const more = () => {
      ws();
      if (p >= s.length) throw new Incomplete("an unclosed flow collection");
    };
    function node() {
      more();
      if (s[p] === "{") return collection("}", true);
      if (s[p] === "[") return collection("]", false);
      if (s[p] === "'" || s[p] === '"') {
        const q = readQuoted(s, p);
        p = q.end;
        return q.value;
      }
      const t = /^[^,\]}]*/.exec(s.slice(p))[0];
      p += t.length;
      return plain(t.trim());
    }
    function collection(close, isMap) {
      p++;
      const out = isMap ? {} : [];
      for (;;) {
        more();
        if (s[p] === close) return p++, out;
        if (isMap) {
          let key;
          if (s[p] === "'" || s[p] === '"') {
            const q = readQuoted(s, p);
            (key = q.value), (p = q.end);
          } else {
            const m = /^([^,{}[\]]*?):(?=[\s,}\]]|$)/.exec(s.slice(p));
            if (!m) fail("expected `key: value` in a flow mapping");
            (key = m[1].trim()), (p += m[1].length);
          }
          more();
          if (s[p] !== ":") fail("expected `:` in a flow mapping");
          p++;
          more();
          out[key] = s[p] === "," || s[p] === "}" ? null : node();
        } else {
          out.push(node());
        }
        more();
        if (s[p] === ",") p++;
        else if (s[p] !== close) fail(`expected \`,\` or \`${close}\``);
      }
    }
    return { value: node(), end: p };
  }

  // The core schema's plain scalars: null, booleans, numbers, else a string.
  function plain(s) {
    if (/^(null|Null|NULL|~|)$/.test(s)) return null;
    if (/^(true|True|TRUE)$/.test(s)) return true;
    if (/^(false|False|FALSE)$/.test(s)) return false;
    if (/^[-+]?(\d+|\d*\.\d+|\d+\.\d*)([eE][-+]?\d+)?$/.test(s)) return Number(s);
    if (/^[&*!%@`]/.test(s)) fail(`anchors, aliases, tags and reserved indicators are not supported: ${s}`);
    return s;
  }

  if (i < lines.length && /^---\s*$/.test(lines[i].raw)) i++;
  const doc = block(-1);
  skip();
  if (i < lines.length) fail("unexpected text");
  return doc;
}

class Incomplete extends Error {}

// ---------------------------------------------------------------------------
// The generator.

// The schema at a JSON pointer ("#/a/b") or "operationId:/pointer".
function locate(doc, where) {
  let node = doc;
  let pointer = where.slice(1);
  const op = /^([^#:]+):(.*)$/.exec(where);
  if (op) {
    node = Object.values(doc.paths)
      .flatMap((item) => Object.values(item))
      .find((o) => o && o.operationId === op[1]);
    if (!node) throw new Error(`openapi.yaml has no operation ${op[1]}`);
    pointer = op[2];
  }
  for (const part of pointer.split("/").slice(1)) {
    node = node?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
    if (node === undefined) throw new Error(`openapi.yaml has nothing at ${where}`);
  }
  return node.$ref ? locate(doc, node.$ref) : node;
}

const identifier = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));

// A JSDoc comment from a schema's description and constraints.
function docComment(schema, pad) {
  const notes = [];
  if (schema.description) notes.push(...schema.description.trim().split("\n"));
  if (schema.format) notes.push(`Format: ${schema.format}.`);
  if (schema.pattern) notes.push(`Pattern: \`${schema.pattern}\`.`);
  if (schema.minimum !== undefined) notes.push(`Minimum: ${schema.minimum}.`);
  if (schema.maximum !== undefined) notes.push(`Maximum: ${schema.maximum}.`);
  if (!notes.length) return "";
  const text = notes.map((l) => l.replaceAll("*/", "*\\/"));
  if (text.length === 1) return `${pad}/** ${text[0]} */\n`;
  return `${pad}/**\n${text.map((l) => `${pad} * ${l}`.trimEnd()).join("\n")}\n${pad} */\n`;
}

export function generate(specText) {
  const doc = parseYAML(specText);
  // A $ref to a schema that has a type here is written as its name.
  const names = new Map(TYPES.filter(([, where]) => where.startsWith("#/")).map(([name, where]) => [where, name]));

  function tsType(schema, depth) {
    if (schema.$ref) return names.get(schema.$ref) ?? tsType(locate(doc, schema.$ref), depth);
    let t;
    if (schema.allOf) t = schema.allOf.map((s) => tsType(s, depth)).join(" & ");
    else if (schema.enum) t = schema.enum.map((v) => JSON.stringify(v)).join(" | ");
    else if (schema.type === "string") t = "string";
    else if (schema.type === "integer" || schema.type === "number") t = "number";
    else if (schema.type === "boolean") t = "boolean";
    else if (schema.type === "array") {
      const item = tsType(schema.items ?? {}, depth);
      t = /^\w+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    } else if (schema.type === "object" || schema.properties) t = objectType(schema, depth);
    else t = "unknown";
    return schema.nullable ? `${t} | null` : t;
  }

  function objectType(schema, depth) {
    const props = Object.entries(schema.properties ?? {});
    const extra = schema.additionalProperties;
    if (!props.length && (extra === undefined || extra === true)) return "Record<string, unknown>";
    const pad = "  ".repeat(depth + 1);
    const required = new Set(schema.required ?? []);
    let out = "{\n";
    for (const [key, prop] of props) {
      out += docComment(prop, pad);
      out += `${pad}${identifier(key)}${required.has(key) ? "" : "?"}: ${tsType(prop, depth + 1)};\n`;
    }
    if (extra === true) out += `${pad}[key: string]: unknown;\n`;
    else if (extra && typeof extra === "object") out += `${pad}[key: string]: ${tsType(extra, depth + 1)};\n`;
    return out + "  ".repeat(depth) + "}";
  }

  let out =
    "// The types of the emulator's control API, generated from openapi.yaml by\n" +
    "// scripts/gen-types.mjs. Do not edit: run `npm run gen-types` after changing the spec.\n";
  for (const [name, where, comment] of TYPES) {
    const schema = locate(doc, where);
    const type = tsType({ ...schema, nullable: false }, 0);
    out += `\n${docComment({ description: comment }, "")}`;
    out += type.startsWith("{") ? `export interface ${name} ${type}\n` : `export type ${name} = ${type};\n`;
  }
  return out;
}

// ---------------------------------------------------------------------------

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = generate(readFileSync(SPEC, "utf8"));
  if (process.argv.includes("--check")) {
    if (readFileSync(OUT, "utf8") !== text) {
      console.error("types.generated.d.ts is stale: run `npm run gen-types`");
      process.exit(1);
    }
  } else {
    writeFileSync(OUT, text);
  }
}
