#!/usr/bin/python3
"""A chat webhook receiver for the tests (Python's http.server) on a loopback port.

It checks each POST's signature the way a receiver would, independently of Bestand's code:
X-Bestand-Signature must be "sha256=" + hex HMAC-SHA256(SECRET, X-Bestand-Timestamp + "." +
body), the timestamp within five minutes of now (not with --any-time), the body JSON with a
"text". Each request is written as one JSON line to OUT (path, headers, text, signature_ok);
it answers 200, or 401 when the signature is wrong, or --status while the file --fail-while
exists (a receiver that is down). Prints "ready PORT" once it listens.

usage: webhook_sink.py --port PORT --out FILE --secret SECRET [--tls CERT KEY]
                       [--status CODE --fail-while FILE] [--any-time]
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import ssl
import sys
import threading
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--secret', required=True)
    p.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'))
    p.add_argument('--status', type=int, default=503)
    p.add_argument('--fail-while')
    p.add_argument('--any-time', action='store_true')
    a = p.parse_args()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
            if a.fail_while and os.path.exists(a.fail_while):
                self.send_response(a.status)
                self.end_headers()
                self.wfile.write(b'down for maintenance')
                return
            stamp = self.headers.get('X-Bestand-Timestamp', '')
            expected = 'sha256=' + hmac.new(a.secret.encode(), stamp.encode() + b'.' + body,
                                            hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(expected, self.headers.get('X-Bestand-Signature', ''))
            if ok and not a.any_time:
                ok = stamp.isdigit() and abs(time.time() - int(stamp)) < 300
            try:
                text = json.loads(body.decode('utf-8'))['text']
            except (ValueError, KeyError, TypeError):
                text = None
            record = {'path': self.path,
                      'content_type': self.headers.get('Content-Type', ''),
                      'delivery': self.headers.get('X-Bestand-Delivery', ''),
                      'timestamp': stamp,
                      'signature_ok': ok,
                      'text': text}
            with lock:
                with open(a.out, 'a', encoding='utf-8') as f:
                    f.write(json.dumps(record, ensure_ascii=False) + '\n')
            self.send_response(200 if ok and text is not None else 401)
            self.end_headers()
            self.wfile.write(b'ok' if ok else b'bad signature')

    server = http.server.ThreadingHTTPServer(('127.0.0.1', a.port), Handler)
    if a.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print('ready', a.port, flush=True)
    server.serve_forever()


if __name__ == '__main__':
    sys.exit(main())
