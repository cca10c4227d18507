// Starts the reference TypeScript PDS (@atproto/pds) from PDS_* environment variables, as its own
// service entry point does, but bound to 127.0.0.1 only. Prints "listening <port> <pid>" once ready
// and exits when its parent closes stdin, so it never outlives a benchmark run.
import { PDS, envToCfg, envToSecrets, readEnv } from '@atproto/pds'

const env = readEnv()
const pds = await PDS.create(envToCfg(env), envToSecrets(env))
// PDS.start() calls app.listen(port); pass the loopback host through the wrapper the XRPC server
// installed for WebSocket upgrades.
const listen = pds.app.listen
pds.app.listen = (port, ...rest) => listen.call(pds.app, port, '127.0.0.1', ...rest)
const server = await pds.start()
console.log(`listening ${server.address().port} ${process.pid}`)
process.stdin.resume()
process.stdin.on('end', async () => {
  await pds.destroy()
  process.exit(0)
})
