"""A real OpenLDAP (Debian's slapd) for the directory tests: its own slapd.conf, a test tree
loaded with slapadd, ldap:// (StartTLS) and ldaps:// on free 127.0.0.1 ports, a self-signed
certificate, the ppolicy overlay (a locked account has `pwdAccountLockedTime`).

Without slapd the tests are skipped with the reason, unless ZIELCOCKPIT_REQUIRE_LDAP=1 (as
`.ci/run` sets) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
BASE = "dc=stadt,dc=test"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "Wurzel-Passwort-1"
SEARCH_DN = f"cn=zielcockpit,ou=dienste,{BASE}"
SEARCH_PASSWORD = "Such-Passwort-1"
PASSWORDS = {
    "jmeier": "Jugend-Passwort-1",
    "kcontrol": "Controlling-Passwort-1",
    "gesperrt": "Gesperrt-Passwort-1",
    "ohnegruppe": "Ohne-Gruppe-Passwort-1",
    "lleitung": "Leitung-Passwort-1",
}
GROUPS = (
    '{"zc-jugendamt": {"rolle": "fachbereich", "oe": ["510"]}, '
    '"cn=zc-controlling,ou=gruppen,dc=stadt,dc=test": {"rolle": "controlling"}, '
    '"zc-leitung": {"rolle": "leitung"}}'
)

CONFIG = """include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/namedobject.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {dir}/slapd.pid
TLSCertificateFile {dir}/cert.pem
TLSCertificateKeyFile {dir}/key.pem
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{root}"
rootpw {rootpw}
directory {dir}/data
overlay ppolicy
ppolicy_default "cn=standard,ou=richtlinien,{base}"
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
"""


def _person(uid: str, cn: str, sn: str, extra: str = "") -> str:
    return (
        f"dn: uid={uid},ou=people,{BASE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {cn}\n"
        f"sn: {sn}\nmail: {uid}@stadt.test\nuserPassword: {PASSWORDS[uid]}\n{extra}\n"
    )


def _group(cn: str, *members: str) -> str:
    lines = "".join(f"member: uid={m},ou=people,{BASE}\n" for m in members)
    return f"dn: cn={cn},ou=gruppen,{BASE}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}\n"


TREE = (
    f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Stadt\ndc: stadt\n\n"
    + "".join(
        f"dn: ou={ou},{BASE}\nobjectClass: organizationalUnit\nou: {ou}\n\n"
        for ou in ("richtlinien", "people", "gruppen", "dienste")
    )
    + f"dn: cn=standard,ou=richtlinien,{BASE}\nobjectClass: namedObject\nobjectClass: pwdPolicy\n"
    "cn: standard\npwdAttribute: userPassword\npwdLockout: TRUE\n\n"
    + f"dn: {SEARCH_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
    f"cn: zielcockpit\nuserPassword: {SEARCH_PASSWORD}\n\n"
    + _person("jmeier", "Jana Meier", "Meier", "displayName: Jana Meier (Jugendamt)\n")
    + _person("kcontrol", "Kai Control", "Control")
    + _person("gesperrt", "Gesa Sperr", "Sperr", "pwdAccountLockedTime: 000001010000Z\n")
    + _person("ohnegruppe", "Otto Gruppe", "Gruppe")
    + _person("lleitung", "Lea Leitung", "Leitung")
    + _group("zc-jugendamt", "jmeier", "gesperrt")
    + _group("zc-controlling", "kcontrol")
    + _group("zc-leitung", "lleitung", "jmeier")
    + _group("andere", "ohnegruppe")
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Directory:
    folder: Path
    port: int  # ldap:// (StartTLS possible)
    tls_port: int  # ldaps://
    process: subprocess.Popen[bytes]

    @property
    def ca_file(self) -> str:
        return str(self.folder / "cert.pem")

    def settings(self, **changes: str) -> dict[str, str]:
        """The Zielcockpit settings of this directory (direct bind by DN template)."""
        values = {
            "ZIELCOCKPIT_LDAP_URL": f"ldap://127.0.0.1:{self.port}",
            "ZIELCOCKPIT_LDAP_STARTTLS": "1",
            "ZIELCOCKPIT_TLS_CA_FILE": self.ca_file,
            "ZIELCOCKPIT_LDAP_USER_DN": f"uid={{name}},ou=people,{BASE}",
            "ZIELCOCKPIT_LDAP_SEARCH_BASE": BASE,
            "ZIELCOCKPIT_LDAP_SEARCH_DN": SEARCH_DN,
            "ZIELCOCKPIT_LDAP_SEARCH_PASSWORD": SEARCH_PASSWORD,
            "ZIELCOCKPIT_LDAP_GROUPS": GROUPS,
            "ZIELCOCKPIT_LDAP_TIMEOUT": "2",
            "ZIELCOCKPIT_LDAP_RECHECK_MINUTES": "0",
        }
        values.update(changes)
        return values

    def modify(self, uid: str, attribute: str, values: list[str]) -> None:
        """As the directory's administrator: replace (or with [] remove) an attribute."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from ldap3 import MODIFY_REPLACE, Connection, Server

        conn = Connection(
            Server("127.0.0.1", port=self.port), ROOT_DN, ROOT_PASSWORD, auto_bind=True
        )
        try:
            assert conn.modify(
                f"uid={uid},ou=people,{BASE}", {attribute: [(MODIFY_REPLACE, values)]}
            ), conn.result
        finally:
            conn.unbind()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """cert.pem and key.pem for 127.0.0.1 in `folder` (openssl), for the test servers' TLS."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def start_directory(folder: Path) -> Iterator[Directory]:
    if not (os.path.exists(SLAPD) and os.path.exists(SLAPADD)):
        reason = "slapd (Debian: apt-get install slapd ldap-utils) ist nicht installiert"
        if os.environ.get("ZIELCOCKPIT_REQUIRE_LDAP") == "1":
            pytest.fail(reason + " (ZIELCOCKPIT_REQUIRE_LDAP=1)")
        pytest.skip(reason)
    (folder / "data").mkdir(parents=True)
    self_signed_certificate(folder)
    conf = folder / "slapd.conf"
    conf.write_text(
        CONFIG.format(dir=folder, base=BASE, root=ROOT_DN, rootpw=ROOT_PASSWORD), encoding="utf-8"
    )
    (folder / "tree.ldif").write_text(TREE, encoding="utf-8")
    subprocess.run(
        [SLAPADD, "-f", str(conf), "-l", str(folder / "tree.ldif")], check=True, capture_output=True
    )
    port, tls_port = free_port(), free_port()
    urls = f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/"
    # -d 0: stays in the foreground, so this process owns it and ends it.
    process = subprocess.Popen(
        [SLAPD, "-f", str(conf), "-h", urls, "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(f"slapd startet nicht: {err[-2000:]}")
                time.sleep(0.1)
        yield Directory(folder, port, tls_port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
