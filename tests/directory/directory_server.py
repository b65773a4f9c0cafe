#!/usr/bin/env python3
"""Real directory servers for the connector tests, started on loopback in a temporary directory:

  directory_server.py slapd --dir D --port P --tls-port P2 --password PW
      OpenLDAP's slapd (Debian's), dc=test,dc=bestand with ou=people, ou=groups, ou=disabled;
      cn=admin,dc=test,dc=bestand binds with PW. The ppolicy overlay refuses binds to an entry
      locked with pwdAccountLockedTime=000001010000Z.
  directory_server.py samba --dir D --password PW
      Samba as an Active Directory domain controller (Debian's samba, provisioned in D; realm
      TEST.BESTAND, DC=test,DC=bestand), LDAP only, on 127.0.0.1 ports 389 and 636 (Samba does
      not move them: one at a time); Administrator@TEST.BESTAND binds with PW. In the seed, a
      "userPassword: X" line becomes the unicodePwd AD takes.
  directory_server.py scim --dir D --port P --token T [--add-only]
      tests/directory/scim_server.mjs (scimmy, scimmy-routers, express from npm) over HTTPS.

Each writes a certificate authority (D/ca.crt) and a server certificate for 127.0.0.1, starts
the server, prints "ready" once it answers, and stops it on SIGTERM or when stdin closes.
The data each starts with is the ldif/json given with --seed FILE.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(*argv, **kw):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def make_certs(d):
    """A CA and a server certificate for 127.0.0.1 and localhost, signed by it; those of an
    earlier start in `d` again."""
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, csr, crt = (os.path.join(d, n) for n in ("server.key", "server.csr", "server.crt"))
    if os.path.exists(crt):
        return key, crt, ca_crt
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", ca_key, "-out", ca_crt, "-days", "2", "-subj", "/CN=Test CA")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    ext = os.path.join(d, "san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
        "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext)
    os.chmod(key, 0o600)
    return key, crt, ca_crt


def wait_port(port, proc, seconds=30):
    until = time.time() + seconds
    while time.time() < until:
        if proc.poll() is not None:
            sys.exit(f"the server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing answers on port {port}")


SLAPD_CONFIG = """dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {d}/slapd.pid
olcTLSCACertificateFile: {ca}
olcTLSCertificateFile: {crt}
olcTLSCertificateKeyFile: {key}

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: memberof
olcModuleLoad: refint
olcModuleLoad: ppolicy

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: dc=test,dc=bestand
olcRootDN: cn=admin,dc=test,dc=bestand
olcRootPW: {password}
olcDbDirectory: {d}/db
olcAccess: to * by * read

dn: olcOverlay={{0}}memberof,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {{0}}memberof
olcMemberOfRefint: TRUE

dn: olcOverlay={{1}}refint,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcRefintConfig
olcOverlay: {{1}}refint
olcRefintAttribute: member
olcRefintNothing: cn=admin,dc=test,dc=bestand

dn: olcOverlay={{2}}ppolicy,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {{2}}ppolicy
olcPPolicyDefault: cn=default,ou=policies,dc=test,dc=bestand
"""

SLAPD_DATA = """dn: dc=test,dc=bestand
objectClass: dcObject
objectClass: organization
o: Test
dc: test

dn: ou=people,dc=test,dc=bestand
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=test,dc=bestand
objectClass: organizationalUnit
ou: groups

dn: ou=disabled,dc=test,dc=bestand
objectClass: organizationalUnit
ou: disabled

dn: ou=policies,dc=test,dc=bestand
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,dc=test,dc=bestand
objectClass: organizationalRole
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE
"""


def slapd(a):
    d = os.path.abspath(a.dir)
    os.makedirs(os.path.join(d, "config"), exist_ok=True)
    os.makedirs(os.path.join(d, "db"), exist_ok=True)
    key, crt, ca = make_certs(d)
    config = os.path.join(d, "config.ldif")
    with open(config, "w") as f:
        f.write(SLAPD_CONFIG.format(d=d, ca=ca, crt=crt, key=key, password=a.password))
    run("/usr/sbin/slapadd", "-n0", "-F", os.path.join(d, "config"), "-l", config)
    data = os.path.join(d, "data.ldif")
    with open(data, "w") as f:
        f.write(SLAPD_DATA)
        if a.seed:
            f.write("\n" + open(a.seed).read())
    run("/usr/sbin/slapadd", "-n1", "-F", os.path.join(d, "config"), "-l", data)
    urls = f"ldap://127.0.0.1:{a.port}/ ldaps://127.0.0.1:{a.tls_port}/"
    proc = subprocess.Popen(["/usr/sbin/slapd", "-d", "0", "-F", os.path.join(d, "config"),
                             "-h", urls], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(a.tls_port, proc)
    return proc


SAMBA_EXTRA = """\tserver services = ldap
\tlog file = {d}/log.%m
\tpid directory = {d}/run
\tncalrpc dir = {d}/run/ncalrpc
\twinbindd socket directory = {d}/run/winbindd
\tntp signd socket directory = {d}/run/ntp_signd
\tinterfaces = 127.0.0.1
\tbind interfaces only = yes
\ttls enabled = yes
\ttls keyfile = {key}
\ttls certfile = {crt}
\ttls cafile = {ca}
\tldap server require strong auth = no
"""


def samba(a):
    import base64
    import re
    d = os.path.abspath(a.dir)
    os.makedirs(os.path.join(d, "run"), exist_ok=True)
    run("samba-tool", "domain", "provision", f"--targetdir={d}", "--realm=TEST.BESTAND",
        "--domain=TESTBESTAND", "--server-role=dc", "--dns-backend=NONE", "--use-rfc2307",
        f"--adminpass={a.password}", "--host-name=dc1", "--host-ip=127.0.0.1", "-q")
    key, crt, ca = make_certs(d)
    conf = os.path.join(d, "etc", "smb.conf")
    text = open(conf).read()
    text = re.sub(r"\t(server services|log file) = .*\n", "", text)
    text = text.replace("[global]\n", "[global]\n" + SAMBA_EXTRA.format(d=d, key=key, crt=crt,
                                                                       ca=ca), 1)
    with open(conf, "w") as f:
        f.write(text)
    if a.seed:
        def password(m):
            quoted = ('"' + m.group(1) + '"').encode("utf-16-le")
            return "unicodePwd:: " + base64.b64encode(quoted).decode()
        seed = re.sub(r"^userPassword: (.*)$", password, open(a.seed).read(), flags=re.M)
        path = os.path.join(d, "seed.ldif")
        with open(path, "w") as f:
            f.write(seed)
        run("ldbadd", "-H", os.path.join(d, "private", "sam.ldb"), path)
    # Samba serves until its stdin closes (-i); the pipe is held open until it is stopped.
    proc = subprocess.Popen(["samba", "-i", "-M", "single", "-s", conf], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(636, proc)
    return proc


def scim(a):
    d = os.path.abspath(a.dir)
    os.makedirs(d, exist_ok=True)
    key, crt, _ = make_certs(d)
    argv = ["node", os.path.join(HERE, "scim_server.mjs"), "--port", str(a.port), "--key", key,
            "--cert", crt, "--token", a.token]
    if a.seed:
        argv += ["--seed", a.seed]
    if a.add_only:
        argv.append("--add-only")
    proc = subprocess.Popen(argv, cwd=HERE, stdout=subprocess.DEVNULL)
    wait_port(a.port, proc)
    return proc


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["slapd", "samba", "scim"])
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int)
    p.add_argument("--tls-port", type=int)
    p.add_argument("--password", default="secret")
    p.add_argument("--token", default="token")
    p.add_argument("--seed")
    p.add_argument("--add-only", action="store_true")
    a = p.parse_args()
    proc = {"slapd": slapd, "samba": samba, "scim": scim}[a.kind](a)

    stopping = []

    def stop(*_):
        # The main thread waits for the server already; it returns once the server has gone.
        stopping.append(True)
        proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    proc.wait()
    if not stopping:
        sys.exit(f"the server exited with {proc.returncode}")


if __name__ == "__main__":
    main()
