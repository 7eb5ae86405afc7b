#!/bin/sh
# Generate configure and the Makefile.in files from a git checkout.
set -e
cd "$(dirname "$0")"
autoreconf --force --install --warnings=all
echo "now run ./configure (e.g. ./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var)"
