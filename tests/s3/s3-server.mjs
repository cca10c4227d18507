// Starts an S3-compatible server (s3rver) on 127.0.0.1 with a fresh directory and the bucket
// named by the first argument, prints "listening <port>", and stops when stdin closes (the test
// process exiting) or after a hard time limit.
import S3rver from 's3rver'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const bucket = process.argv[2] ?? 'pds-blobs'
const directory = mkdtempSync(join(tmpdir(), 's3rver-'))
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] })
// Real S3 accepts an x-amz-copy-source whose slashes are percent-encoded (the AWS SDK for .NET
// sends it so); s3rver splits the header after decodeURI, which leaves %2F alone. Decode it fully
// before s3rver's own middleware sees it.
server.middleware.unshift(async (ctx, next) => {
  const source = ctx.headers['x-amz-copy-source']
  if (source) ctx.headers['x-amz-copy-source'] = decodeURIComponent(source)
  await next()
})
const { port } = await server.run()
console.log(`listening ${port}`)

const stop = async () => {
  try { await server.close() } finally { rmSync(directory, { recursive: true, force: true }); process.exit(0) }
}
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
setTimeout(stop, 30 * 60 * 1000).unref()
