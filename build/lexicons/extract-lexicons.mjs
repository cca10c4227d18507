// Extracts the atproto lexicon documents from a pinned npm package tarball.
//
// Usage: node extract-lexicons.mjs <tarball> <sha512 integrity> <output dir> <source label>
//
// The tarball's SHA-512 must equal the pinned integrity (the npm "dist.integrity" value), so a
// tampered or substituted package fails the build. The package's generated client module holds
// every lexicon document as one object literal (`export const schemaDict = {...}`); only that
// literal is evaluated, in an empty VM context, and each document is written as <nsid>.json.
// The code generator spells every ref as `lex:<nsid>#<name>`; the prefix is not lexicon syntax
// and is removed, leaving the fully qualified form `<nsid>#<name>` (or `<nsid>` for main).
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import vm from 'node:vm'
import zlib from 'node:zlib'

const MODULE_PATH = 'package/dist/client/lexicons.js'
const NAMESPACES = ['com.atproto.', 'app.bsky.', 'chat.bsky.', 'tools.ozone.']
const REQUIRED = ['com.atproto.', 'app.bsky.', 'chat.bsky.']

function fail(message) {
  console.error(`error: lexicon extraction: ${message}`)
  process.exit(1)
}

const [tarball, integrity, outDir, source] = process.argv.slice(2)
if (!tarball || !integrity || !outDir || !source) {
  fail('usage: extract-lexicons.mjs <tarball> <integrity> <output dir> <source label>')
}

const packed = fs.readFileSync(tarball)
const [algorithm, expected] = integrity.split(/-(.*)/s)
if (algorithm !== 'sha512') fail(`unsupported integrity algorithm ${algorithm}`)
const actual = createHash('sha512').update(packed).digest('base64')
if (actual !== expected) {
  // Remove the cached download so that the next build fetches it again.
  fs.rmSync(tarball, { force: true })
  fail(`${path.basename(tarball)} has integrity sha512-${actual}, expected ${integrity}`)
}

// A ustar archive: 512-byte headers, each followed by its data padded to 512 bytes.
function readEntry(archive, wanted) {
  let offset = 0
  let longName = null
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512)
    if (header.every((b) => b === 0)) break
    const text = (from, to) => header.subarray(from, to).toString('utf8').replace(/\0.*$/s, '')
    const size = parseInt(text(124, 136).trim() || '0', 8)
    const type = String.fromCharCode(header[156] || 48)
    const prefix = text(345, 500)
    let name = longName ?? (prefix ? `${prefix}/${text(0, 100)}` : text(0, 100))
    longName = null
    const data = archive.subarray(offset + 512, offset + 512 + size)
    offset += 512 + Math.ceil(size / 512) * 512
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0.*$/s, '')
      continue
    }
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))
      if (m) longName = m[1]
      continue
    }
    if ((type === '0' || type === '\0') && name === wanted) return data.toString('utf8')
  }
  return null
}

const module = readEntry(zlib.gunzipSync(packed), MODULE_PATH)
if (module === null) fail(`${MODULE_PATH} not found in ${path.basename(tarball)}`)

// Find the object literal after `schemaDict =` by matching braces outside string literals.
function sliceLiteral(text, marker) {
  const at = text.indexOf(marker)
  if (at < 0) fail(`"${marker}" not found in ${MODULE_PATH}`)
  const start = text.indexOf('{', at + marker.length)
  let depth = 0
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++
    } else if (c === '{') depth++
    else if (c === '}' && --depth === 0) return text.slice(start, i + 1)
  }
  fail('unterminated schemaDict literal')
}

const literal = sliceLiteral(module, 'export const schemaDict =')
const dict = vm.runInNewContext(`(${literal})`, Object.create(null), { timeout: 10000 })

const unprefix = (r) => (typeof r === 'string' && r.startsWith('lex:') ? r.slice(4) : r)
function normalise(value) {
  if (Array.isArray(value)) return value.map(normalise)
  if (value === null || typeof value !== 'object') return value
  const out = {}
  for (const [k, v] of Object.entries(value)) {
    if (k === 'ref' && typeof v === 'string') out[k] = unprefix(v)
    else if (k === 'refs' && Array.isArray(v)) out[k] = v.map(unprefix)
    else out[k] = normalise(v)
  }
  return out
}

const docs = Object.values(dict)
  .map(normalise)
  .filter((d) => NAMESPACES.some((ns) => typeof d.id === 'string' && d.id.startsWith(ns)))
  .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
for (const ns of REQUIRED) {
  if (!docs.some((d) => d.id.startsWith(ns))) fail(`no ${ns}* lexicons in the package`)
}

fs.rmSync(outDir, { recursive: true, force: true })
fs.mkdirSync(outDir, { recursive: true })
for (const doc of docs) {
  if (doc.lexicon !== 1 || !/^[a-zA-Z0-9.-]+$/.test(doc.id)) fail(`unexpected document ${doc.id}`)
  fs.writeFileSync(path.join(outDir, `${doc.id}.json`), JSON.stringify(doc, null, 2) + '\n')
}
fs.writeFileSync(path.join(outDir, 'SOURCE'), `${source}\n`)
console.log(`lexicons: ${docs.length} documents from ${source}`)
