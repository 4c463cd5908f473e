#!/usr/bin/python3
"""crlcmp.py OURS.der CFSSL.der CA.pem LIFETIME: compares two DER CRLs
field by field (etcd-pki gencrl's and cfssl gencrl's for the same serials,
CA and TIME) and exits 0 when every field matches.

Compared, from the DER itself (a small TLV reader, so that encodings are
compared too, not only values):
  version, the signature algorithm (inside and outside the TBS), the
  issuer (byte for byte, and equal to the CA's subject), thisUpdate and
  nextUpdate (their ASN.1 time types; the two CRLs made within 120 s of
  each other; nextUpdate - thisUpdate = LIFETIME in both), the entries
  (how many, their serial numbers in order, byte for byte, each
  revocation date's type and value = thisUpdate, no entry extensions),
  the CRL extensions (byte for byte: an Authority Key Identifier only,
  the CA's SKI), and each signature, verified with the CA's key.
Prints one line per field that differs.
"""
import datetime
import sys

from cryptography import x509


def tlv(buf, i):
    """The (tag, start of value, end of value) of the TLV at buf[i]."""
    tag = buf[i]
    n = buf[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[j:j + k], "big")
        j += k
    return tag, j, j + n


def children(buf, start, end):
    """The TLVs (tag, raw bytes, value start, value end) in [start, end)."""
    out = []
    i = start
    while i < end:
        tag, s, e = tlv(buf, i)
        out.append((tag, buf[i:e], s, e))
        i = e
    return out


def parse_time(tag, value):
    text = value.decode()
    if tag == 0x17:         # UTCTime YYMMDDHHMMSSZ
        y = int(text[:2])
        text = ("19" if y >= 50 else "20") + text
    return datetime.datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc)


def fields(der):
    """The fields of a DER CRL."""
    _, s, e = tlv(der, 0)
    tbs, salg, sig = children(der, s, e)
    t = children(der, tbs[2], tbs[3])
    f = {"outer_alg": salg[1], "tbs": tbs[1], "sig": sig[1]}
    k = 0
    if t[k][0] == 0x02:
        f["version"] = t[k][1]
        k += 1
    else:
        f["version"] = None
    f["alg"] = t[k][1]
    f["issuer"] = t[k + 1][1]
    f["this_tag"] = t[k + 2][0]
    f["this"] = parse_time(t[k + 2][0], der[t[k + 2][2]:t[k + 2][3]])
    f["next_tag"] = t[k + 3][0]
    f["next"] = parse_time(t[k + 3][0], der[t[k + 3][2]:t[k + 3][3]])
    k += 4
    f["entries"] = []
    f["exts"] = None
    for tag, raw, vs, ve in t[k:]:
        if tag == 0x30:
            for _, eraw, es, ee in children(der, vs, ve):
                parts = children(der, es, ee)
                f["entries"].append({
                    "serial": parts[0][1],
                    "date_tag": parts[1][0],
                    "date": parse_time(parts[1][0], der[parts[1][2]:parts[1][3]]),
                    "exts": len(parts) > 2})
        elif tag == 0xA0:
            f["exts"] = raw
    return f


def main():
    ours_der = open(sys.argv[1], "rb").read()
    cfssl_der = open(sys.argv[2], "rb").read()
    ca = x509.load_pem_x509_certificate(open(sys.argv[3], "rb").read())
    lifetime = int(sys.argv[4])
    a, b = fields(ours_der), fields(cfssl_der)
    bad = []

    def same(name, x, y):
        if x != y:
            bad.append("%s differs: ours %r, cfssl %r" % (name, x, y))

    same("version", a["version"], b["version"])
    same("signature algorithm", a["alg"], b["alg"])
    same("outer signature algorithm", a["outer_alg"], b["outer_alg"])
    if a["alg"] != a["outer_alg"]:
        bad.append("ours: the two signature algorithms differ")
    same("issuer", a["issuer"], b["issuer"])
    if a["issuer"] != ca.subject.public_bytes():
        bad.append("ours: the issuer is not the CA's subject")
    same("thisUpdate type", a["this_tag"], b["this_tag"])
    same("nextUpdate type", a["next_tag"], b["next_tag"])
    if abs((a["this"] - b["this"]).total_seconds()) > 120:
        bad.append("thisUpdate: %s vs %s" % (a["this"], b["this"]))
    # cfssl 1.2.0 reads the clock twice (nextUpdate first, then
    # thisUpdate), so its lifetime is one second short when a second
    # begins between the two readings; ours is read once.
    for n, f, slack in (("ours", a, 0), ("cfssl", b, 1)):
        d = (f["next"] - f["this"]).total_seconds()
        if not lifetime - slack <= d <= lifetime:
            bad.append("%s: nextUpdate - thisUpdate = %d, not %d" %
                       (n, d, lifetime))
    same("number of entries", len(a["entries"]), len(b["entries"]))
    same("serial numbers", [e["serial"] for e in a["entries"]],
         [e["serial"] for e in b["entries"]])
    same("revocation date types", [e["date_tag"] for e in a["entries"]],
         [e["date_tag"] for e in b["entries"]])
    for n, f in (("ours", a), ("cfssl", b)):
        for e in f["entries"]:
            if abs((e["date"] - f["this"]).total_seconds()) > 1:
                bad.append("%s: an entry revoked at %s, not thisUpdate" %
                           (n, e["date"]))
            if e["exts"]:
                bad.append("%s: an entry has extensions" % n)
    same("CRL extensions", a["exts"], b["exts"])
    for n, der in (("ours", ours_der), ("cfssl", cfssl_der)):
        crl = x509.load_der_x509_crl(der)
        if not crl.is_signature_valid(ca.public_key()):
            bad.append("%s: the signature does not verify" % n)
        try:
            aki = crl.extensions.get_extension_for_class(
                x509.AuthorityKeyIdentifier).value.key_identifier
            ski = ca.extensions.get_extension_for_class(
                x509.SubjectKeyIdentifier).value.digest
            if aki != ski:
                bad.append("%s: the AKI is not the CA's SKI" % n)
        except x509.ExtensionNotFound:
            bad.append("%s: no Authority Key Identifier" % n)
        if len(crl.extensions) != 1:
            bad.append("%s: %d CRL extensions" % (n, len(crl.extensions)))
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
