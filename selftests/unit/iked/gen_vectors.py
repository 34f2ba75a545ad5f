#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Writes vectors.h: expected values for the vtun-iked unit tests, computed
# here with Python's hmac/hashlib and the "cryptography" package, a second
# implementation independent of userspace/iked/crypto.c and auth.c.
#
#   python3 gen_vectors.py > vectors.h
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305


def prf(md, key, data):
    return hmac.new(key, data, md).digest()


def prf_plus(md, key, seed, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(md, key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


def pat(n, mul, add):
    return bytes((i * mul + add) & 0xff for i in range(n))


def carr(name, b):
    s = "static const uint8_t %s[%d] = {" % (name, len(b))
    for i, x in enumerate(b):
        if i % 12 == 0:
            s += "\n\t"
        else:
            s += " "
        s += "0x%02x," % x
    return s + "\n};\n"


out = []
emit = out.append

# Inputs shared with the C tests (the same pat() formulas are in there).
NI = pat(32, 1, 0x11)
NR = pat(32, 3, 0x22)
GIR = pat(256, 7, 0x33)
SPI_I = 0x0102030405060708
SPI_R = 0x1112131415161718
SPIS = struct.pack(">QQ", SPI_I, SPI_R)

# prf+ (RFC 7296 2.13)
emit(carr("v_prfplus_sha256", prf_plus(hashlib.sha256, pat(32, 5, 1), b"vtun prf+ seed", 100)))
emit(carr("v_prfplus_sha512", prf_plus(hashlib.sha512, pat(64, 5, 1), b"vtun prf+ seed", 300)))

# IKE SA keys (2.14): PRF_HMAC_SHA2_256, AES-CBC-256, HMAC_SHA2_256_128
md = hashlib.sha256
skeyseed = prf(md, NI + NR, GIR)
km = prf_plus(md, skeyseed, NI + NR + SPIS, 32 * 3 + 32 * 2 + 32 * 2)
emit(carr("v_skeyseed_sha256", skeyseed))
emit(carr("v_ikekm_cbc256_sha256", km))  # d ai ar ei er pi pr
sk_d_old = km[:32]

# IKE SA keys: PRF_HMAC_SHA2_384, AES-GCM-16-256 (36 bytes of key + salt)
md = hashlib.sha384
skeyseed = prf(md, NI + NR, GIR)
emit(carr("v_ikekm_gcm256_sha384", prf_plus(md, skeyseed, NI + NR + SPIS, 48 * 3 + 36 * 2)))

# IKE SA rekey (2.18): SKEYSEED = prf_old(SK_d_old, g^ir | Ni | Nr), new prf SHA-512
sks = prf(hashlib.sha256, sk_d_old, GIR + NI + NR)
emit(carr("v_rekey_skeyseed", sks))
emit(carr("v_rekey_km_sha512_gcm128", prf_plus(hashlib.sha512, sks, NI + NR + SPIS, 64 * 3 + 20 * 2)))

# CHILD SA KEYMAT (2.17) from SK_d above (SHA-256 IKE SA)
emit(carr("v_child_gcm128", prf_plus(hashlib.sha256, sk_d_old, NI + NR, 2 * 20)))
emit(carr("v_child_cbc128_sha256_pfs", prf_plus(hashlib.sha256, sk_d_old, GIR + NI + NR, 2 * (16 + 32))))

# SK payload, AEAD (RFC 5282, RFC 7634): an INFORMATIONAL request with
# SK { N(INITIAL_CONTACT, "hello vtun") }, IV = 1 (first counter value).
inner = struct.pack(">BBHBBH", 0, 0, 18, 0, 0, 16384) + b"hello vtun"


def aead_msg(aead, key, salt, icv):
    iv = struct.pack(">Q", 1)
    plain = inner + b"\x00"  # no padding, pad length 0
    total = 28 + 4 + 8 + len(plain) + icv
    hdr = SPIS + struct.pack(">BBBBII", 46, 0x20, 37, 0x08, 2, total)
    skh = struct.pack(">BBH", 41, 0, 4 + 8 + len(plain) + icv)
    ct = aead.encrypt(salt + iv, plain, hdr + skh)
    assert len(ct) == len(plain) + icv
    return hdr + skh + iv + ct


key = pat(16, 11, 0x44)
salt = pat(4, 13, 0x55)
emit(carr("v_sk_gcm128_key", key + salt))
emit(carr("v_sk_gcm128_msg", aead_msg(AESGCM(key), key, salt, 16)))
key = pat(32, 11, 0x66)
salt = pat(4, 13, 0x77)
emit(carr("v_sk_chacha_key", key + salt))
emit(carr("v_sk_chacha_msg", aead_msg(ChaCha20Poly1305(key), key, salt, 16)))

# SK payload, AES-CBC-128 + HMAC-SHA2-256-128 (RFC 7296 3.14): padding to
# 16 bytes (13 zero bytes + pad length 13), ICV over the whole message.
ek = pat(16, 17, 0x88)
ak = pat(32, 19, 0x99)
iv = pat(16, 23, 0xaa)
plain = inner + bytes(13) + b"\x0d"
enc = Cipher(algorithms.AES(ek), modes.CBC(iv)).encryptor()
ct = enc.update(plain) + enc.finalize()
total = 28 + 4 + 16 + len(ct) + 16
hdr = SPIS + struct.pack(">BBBBII", 46, 0x20, 37, 0x08, 2, total)
skh = struct.pack(">BBH", 41, 0, 4 + 16 + len(ct) + 16)
m = hdr + skh + iv + ct
m += hmac.new(ak, m, hashlib.sha256).digest()[:16]
emit(carr("v_sk_cbc_ek", ek))
emit(carr("v_sk_cbc_ak", ak))
emit(carr("v_sk_cbc_msg", m))

# PSK AUTH (2.15): octets = msg | nonce | prf(SK_pi, IDi'), then
# AUTH = prf(prf(psk, "Key Pad for IKEv2"), octets). PRF_HMAC_SHA2_256.
msg = pat(100, 29, 0x01)
sk_pi = pat(32, 31, 0x02)
idb = bytes([1, 0, 0, 0, 192, 0, 2, 1])  # ID_IPV4_ADDR 192.0.2.1
maced = prf(hashlib.sha256, sk_pi, idb)
octets = msg + NR + maced
psk = b"vtun shared secret"
auth = prf(hashlib.sha256, prf(hashlib.sha256, psk, b"Key Pad for IKEv2"), octets)
emit(carr("v_psk_maced_id", maced))
emit(carr("v_psk_auth_sha256", auth))
auth = prf(hashlib.sha512, prf(hashlib.sha512, psk, b"Key Pad for IKEv2"),
           msg + NR + prf(hashlib.sha512, pat(64, 31, 0x02), idb))
emit(carr("v_psk_auth_sha512", auth))

# NAT_DETECTION_*_IP (2.23): SHA-1(SPIi | SPIr | IP | port)
emit(carr("v_natd_v4", hashlib.sha1(SPIS + bytes([192, 0, 2, 1]) + struct.pack(">H", 500)).digest()))
emit(carr("v_natd_v6", hashlib.sha1(SPIS + bytes.fromhex("20010db8000000000000000000000001") +
                                    struct.pack(">H", 4500)).digest()))

# Signatures made by the "cryptography" package, to be verified by auth.c:
# a CA (P-384) issuing an RSA-2048 and a P-256 leaf, valid until 2100, and
# AUTH values over octets = pat(200, 37, 3). Keys are generated afresh on
# each run: the C test only checks that these verify, and that changed
# ones do not.
import datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding, utils
import ipaddress

octets = pat(200, 37, 3)
ca_key = ec.generate_private_key(ec.SECP384R1())
ca_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
                     x509.NameAttribute(NameOID.COMMON_NAME, "python CA")])
t0 = datetime.datetime(2020, 1, 1)
t1 = datetime.datetime(2100, 1, 1)


def cert(pub, name, issuer, key, ca, san):
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer)
         .public_key(pub).serial_number(x509.random_serial_number())
         .not_valid_before(t0).not_valid_after(t1)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return b.sign(key, hashes.SHA384()).public_bytes(serialization.Encoding.DER)


emit(carr("v_py_ca", cert(ca_key.public_key(), ca_name, ca_name, ca_key, True, None)))
rsa_key = rsa.generate_private_key(65537, 2048)
rsa_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "gw.python.example")])
emit(carr("v_py_rsa_cert", cert(rsa_key.public_key(), rsa_name, ca_name, ca_key, False,
                                [x509.DNSName("gw.python.example"),
                                 x509.IPAddress(ipaddress.ip_address("198.51.100.1"))])))
emit(carr("v_py_rsa_dn", rsa_name.public_bytes()))
ec_key = ec.generate_private_key(ec.SECP256R1())
ec_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec.python.example")])
emit(carr("v_py_ec_cert", cert(ec_key.public_key(), ec_name, ca_name, ca_key, False,
                               [x509.RFC822Name("ops@python.example")])))

sha256_rsa = bytes.fromhex("300d06092a864886f70d01010b0500")
sha256_ecdsa = bytes.fromhex("300a06082a8648ce3d040302")
sig = rsa_key.sign(octets, padding.PKCS1v15(), hashes.SHA256())
emit(carr("v_py_auth14_rsa", bytes([len(sha256_rsa)]) + sha256_rsa + sig))
emit(carr("v_py_auth1_rsa", rsa_key.sign(octets, padding.PKCS1v15(), hashes.SHA1())))
sig = ec_key.sign(octets, ec.ECDSA(hashes.SHA256()))
emit(carr("v_py_auth14_ec", bytes([len(sha256_ecdsa)]) + sha256_ecdsa + sig))
r, s_ = utils.decode_dss_signature(sig)
emit(carr("v_py_auth9_ec", r.to_bytes(32, "big") + s_.to_bytes(32, "big")))

print("/* SPDX-License-Identifier: GPL-2.0 */")
print("/* Generated by gen_vectors.py (Python hmac, hashlib, cryptography): */")
print("/* do not edit, run `python3 gen_vectors.py > vectors.h`. */")
print("#include <stdint.h>\n")
print("\n".join(out), end="")
