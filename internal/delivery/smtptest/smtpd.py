#!/usr/bin/env python3
"""A real SMTP server for the delivery package's end-to-end tests.

Runs aiosmtpd's Controller on 127.0.0.1:<port>, saves every accepted message
verbatim as <n>.eml in --dir, records every AUTH attempt (user and outcome,
never the password) in --dir/auth.log so a test can prove the client never
tried to authenticate, and prints READY once it accepts connections.

Modes:
  starttls  STARTTLS offered and required before any mail command (default)
  implicit  TLS from the first byte (SMTPS, like port 465)
  plain     no TLS at all; AUTH still offered in the clear, so a client that
            does not insist on TLS would happily send its password

Recipients whose local part starts with "reject" get a 550 at RCPT.
With --slow the server sits on DATA for a minute (cancellation tests);
--max-size sets the SIZE it announces and enforces.
"""

import argparse
import asyncio
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, directory, slow):
        self.directory = directory
        self.slow = slow
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].lower().startswith("reject"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.slow:
            await asyncio.sleep(60)
        with self.lock:
            self.count += 1
            n = self.count
        path = os.path.join(self.directory, "%d.eml" % n)
        tmp = path + ".tmp"
        # Write then rename so the test never reads a half-written file.
        with open(tmp, "wb") as f:
            f.write(envelope.original_content)
        os.rename(tmp, path)
        return "250 2.0.0 queued as %d" % n


def make_authenticator(directory, user, password):
    log_path = os.path.join(directory, "auth.log")

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        login = auth_data.login.decode("utf-8", "replace") if isinstance(auth_data, LoginPassword) else "?"
        with open(log_path, "a") as f:
            f.write("%s %s tls=%s %s\n" % (mechanism, login, session.ssl is not None, "ok" if ok else "fail"))
        return AuthResult(success=ok, handled=False)

    return authenticator


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--mode", choices=["starttls", "implicit", "plain"], default="starttls")
    p.add_argument("--slow", action="store_true")
    p.add_argument("--max-size", type=int, default=33554432, help="SIZE the server announces and enforces")
    args = p.parse_args()

    kwargs = dict(
        hostname="127.0.0.1",
        port=args.port,
        server_hostname="smtpd.test",  # avoids a DNS lookup via socket.getfqdn()
        authenticator=make_authenticator(args.dir, args.user, args.password),
        auth_required=True,
        auth_exclude_mechanism=[],
        data_size_limit=args.max_size,
    )
    if args.mode != "plain":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        if args.mode == "starttls":
            kwargs.update(tls_context=ctx, require_starttls=True, auth_require_tls=True)
        else:
            # aiosmtpd only counts STARTTLS as TLS for auth_require_tls;
            # here the whole connection is TLS from the first byte.
            kwargs.update(ssl_context=ctx, auth_require_tls=False)
    else:
        kwargs.update(auth_require_tls=False)

    controller = Controller(Handler(args.dir, args.slow), **kwargs)
    controller.start()
    print("READY", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # The Go test owns our lifetime; also exit when it closes our stdin.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
