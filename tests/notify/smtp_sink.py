#!/usr/bin/python3
"""A real SMTP server for the tests (Debian's python3-aiosmtpd) on a loopback port.

Each message it accepts is parsed with Python's email package and written as one JSON line to
OUT: envelope, decoded headers and the MIME parts. Prints "ready PORT" once it listens.

usage: smtp_sink.py --port PORT --out FILE [--delay SECONDS] [--tls CERT KEY] [--auth USER:PASS]
"""
import argparse
import email
import email.policy
import json
import signal
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, out, delay):
        self.out = out
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # a slow mail server: the sender waits for the answer
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                parts.append({'type': part.get_content_type()})
            else:
                parts.append({'type': part.get_content_type(),
                              'charset': part.get_content_charset(),
                              'transfer_encoding': part.get('Content-Transfer-Encoding', ''),
                              'body': part.get_content()})
        record = {
            'mail_from': envelope.mail_from,
            'rcpt_tos': envelope.rcpt_tos,
            'from': str(msg['From']),
            'to': str(msg['To']),
            'subject': str(msg['Subject']),
            'raw_subject': str(email.message_from_bytes(envelope.content,
                                                        policy=email.policy.compat32)['Subject']),
            'message_id': str(msg['Message-ID']),
            'date': str(msg['Date']),
            'mime_version': str(msg['MIME-Version']),
            'auto_submitted': str(msg['Auto-Submitted'] or ''),
            'content_type': msg.get_content_type(),
            'parts': parts,
            'tls': bool(session.ssl),
            'auth': session.authenticated,
        }
        with self.lock:
            with open(self.out, 'a', encoding='utf-8') as f:
                f.write(json.dumps(record, ensure_ascii=False) + '\n')
        return '250 OK'


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--delay', type=float, default=0)
    p.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'))
    p.add_argument('--auth')
    a = p.parse_args()
    kwargs = {}
    if a.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        kwargs.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        user, password = a.auth.split(':', 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok)

        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=bool(a.tls))
    controller = Controller(Sink(a.out, a.delay), hostname='127.0.0.1', port=a.port, **kwargs)
    controller.start()
    print('ready', a.port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == '__main__':
    sys.exit(main())
