#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Makes the fixed certificates of ike_frag.sh (run once; the results are
# kept in the tree because RSA-4096 keys take minutes in a TCG guest): a
# chain of four RSA-4096 certificates per site, root CA -> intermediate 1
# -> intermediate 2 -> site a (192.0.2.1, a.vtun.test) and site b
# (192.0.2.2, b.vtun.test), valid for 100 years. Test keys only.
set -eu
cd "$(dirname "$0")"
days=36500
ca_ext() { printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n'; }
openssl genrsa -out root.key 4096 2>/dev/null
openssl req -x509 -new -key root.key -subj "/C=CH/O=vtun/CN=vtun frag root CA" \
	-days $days -sha256 -out root.pem \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
prev=root
for n in int1 int2; do
	openssl genrsa -out $n.key 4096 2>/dev/null
	openssl req -new -key $n.key -subj "/C=CH/O=vtun/CN=vtun frag $n CA" -out $n.csr
	openssl x509 -req -in $n.csr -CA $prev.pem -CAkey $prev.key -CAcreateserial \
		-days $days -sha256 -extfile <(ca_ext) -out $n.pem 2>/dev/null
	prev=$n
done
for s in a:192.0.2.1 b:192.0.2.2; do
	site=${s%%:*} ip=${s#*:}
	openssl genrsa -out $site.key 4096 2>/dev/null
	openssl req -new -key $site.key -subj "/C=CH/O=vtun/CN=$site.vtun.test" -out $site.csr
	openssl x509 -req -in $site.csr -CA int2.pem -CAkey int2.key -CAcreateserial \
		-days $days -sha256 -extfile <(printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nsubjectAltName=DNS:%s.vtun.test,IP:%s\nauthorityKeyIdentifier=keyid\n' $site $ip) \
		-out $site.pem 2>/dev/null
	cat $site.pem int2.pem int1.pem >$site-chain.pem
done
openssl rsa -in b.key -traditional -out b.key 2>/dev/null
rm -f ./*.csr ./*.srl root.key int1.key int2.key
