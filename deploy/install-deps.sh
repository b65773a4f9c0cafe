#!/usr/bin/env bash
# Installs the Debian 12 packages Bestand needs to build, test and run.
# Idempotent: packages already present are not touched, apt-get runs only when something is missing.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  # the fuzz targets need clang's libFuzzer (deploy/fuzz.sh)
  clang
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libsqlite3-dev sqlite3 libssl-dev openssl libabsl-dev libgtest-dev
  # static archives the release agent links (deploy/build.sh; they come with libgrpc-dev too)
  zlib1g-dev libc-ares-dev libre2-dev
  nodejs npm
  # a test renders the HTML report headless and checks it
  chromium
  # the HTTPS stack of the agents' endpoint
  libcpp-httplib-dev
  # XML from other agents (common/xml.h)
  libexpat1-dev
  # the message catalog and locale formatting (common/i18n: ICU, genrb and icupkg) and the web
  # interface's templates (Mustache)
  libicu-dev icu-devtools libkainjow-mustache-dev
  # tests have the real agents report to the endpoint: FusionInventory and OCS from Debian, the
  # GLPI Agent from ../shared/peers/glpi-agent with its Perl modules (peers/README.md), curl
  fusioninventory-agent ocsinventory-agent curl
  libcpanel-json-xs-perl libxml-libxml-perl libdata-uuid-perl libdatetime-perl libwww-perl
  liblwp-protocol-https-perl libio-socket-ssl-perl libnet-ip-perl libtext-template-perl
  libuniversal-require-perl libyaml-tiny-perl libfile-which-perl libproc-daemon-perl
  libhttp-daemon-perl libcompress-raw-zlib-perl libio-compress-perl
  # the OCS agent logs an [error] for its SNMP module without it
  libnet-snmp-perl
  # mail (libcurl's SMTP); the tests' SMTP server and their calendar parser
  libcurl4-openssl-dev python3-aiosmtpd python3-icalendar
  # the calendar feeds (RFC 5545, libical)
  libical-dev
  # the company's time zone (Europe/Berlin) for when the day's mails go out
  tzdata
  # the connectors (LDAP for Active Directory and OpenLDAP); the tests' directory servers: a Samba
  # AD domain controller and slapd, both started by the tests on loopback, and ldapsearch to read
  # back what the connectors changed
  libldap-dev samba samba-ad-provision samba-dsdb-modules samba-vfs-modules ldb-tools slapd
  ldap-utils
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node/npm may come from elsewhere (a preinstalled toolchain); only ask apt for them when absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# slapd must not configure and start a directory of its own; the tests start theirs.
echo 'slapd slapd/no_configuration boolean true' | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
