// An SMTP server on 127.0.0.1 for the mail tests. Prints "listening <port>", then one JSON line per
// event: {"event":"mail", envelope, from, to, subject, text, html} for each accepted message and
// {"event":"auth", ok, username} for each login attempt. With a username and password as arguments
// it requires SMTP AUTH (PLAIN or LOGIN) before MAIL FROM; without them it accepts anyone.
// STARTTLS is offered only with --starttls, and then with smtp-server's built-in self-signed
// certificate, which a client that checks certificates must refuse. Stops when stdin closes (the
// test process exiting) or after a hard time limit.
import { SMTPServer } from 'smtp-server'
import { simpleParser } from 'mailparser'

const args = process.argv.slice(2)
const starttls = args.includes('--starttls')
const [username, password] = args.filter((a) => a !== '--starttls')
const requireAuth = Boolean(username)
const emit = (value) => process.stdout.write(JSON.stringify(value) + '\n')

const server = new SMTPServer({
  secure: false,
  disabledCommands: [...(starttls ? [] : ['STARTTLS']), ...(requireAuth ? [] : ['AUTH'])],
  authMethods: ['PLAIN', 'LOGIN'],
  authOptional: !requireAuth,
  allowInsecureAuth: true,
  logger: false,
  onAuth (auth, session, callback) {
    const ok = auth.username === username && auth.password === password
    emit({ event: 'auth', ok, username: auth.username })
    if (!ok) return callback(new Error('Invalid username or password'))
    callback(null, { user: auth.username })
  },
  onData (stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        emit({
          event: 'mail',
          envelope: { from: session.envelope.mailFrom && session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address) },
          from: mail.from ? mail.from.text : null,
          to: mail.to ? mail.to.text : null,
          subject: mail.subject ?? null,
          text: mail.text ?? null,
          html: typeof mail.html === 'string' ? mail.html : null,
        })
        callback()
      })
      .catch((err) => callback(err))
  },
})

server.on('error', (err) => process.stderr.write(`smtp server error: ${err.message}\n`))
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.server.address().port}\n`)
})

const stop = () => server.close(() => process.exit(0))
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
setTimeout(() => process.exit(0), 30 * 60 * 1000).unref()
