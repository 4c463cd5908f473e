#!/usr/bin/python3
"""certcmp.py: compare two X.509 certificates (or two PKCS#10 CSRs) field by field.

Usage:
  certcmp.py [--same-key] [--allow FIELD ...] [--ran A0 A1 B0 B1] A.pem B.pem
  certcmp.py --csr [--same-key] [--allow FIELD ...] A.csr B.csr
  certcmp.py [--csr] --show FILE

Prints one line per difference and exits 1 if any difference is not allowed,
0 otherwise (2 on a usage or input error).  A difference named by --allow is
printed as "allowed: ..." and does not fail.  Field names for --allow:

  version, serial, signature, issuer, subject, validity (= notBefore,
  lifetime, time-encoding), publickey, extensions (every extension
  difference), ext-order, ext:OID or ext:NAME (one extension: presence,
  criticality, value; NAME is one of san, ski, aki, ku, eku, bc, aia, crldp,
  ocsp-nocheck, policies), parse; CSR mode also: attributes.

Rules (certificates):
  * version equal; serials never compared, but each must be positive, at
    most 20 content bytes, top bit of the first byte clear;
  * signature AlgorithmIdentifier bytes equal (OID + parameters), and each
    certificate's outer algorithm equals its TBS one;
  * issuer and subject DER bytes equal (readable forms with string types are
    printed on a difference);
  * notBefore equal within 60 s, notAfter - notBefore exactly equal, and the
    same time encodings (UTCTime / GeneralizedTime).  With --ran (the
    seconds since the epoch when the commands that made A and B started
    and ended), notBefore is compared against the time each command ran
    instead: the offsets notBefore - run time must agree within 60 s (a
    minute's rounding), however far apart A and B were made;
  * SubjectPublicKeyInfo algorithm + parameters equal (key bits with
    --same-key only);
  * the ordered list of (extension OID, critical) equal; every value
    byte-equal except the subjectKeyIdentifier unless --same-key (without it
    each SKI must still be the SHA-1 of its own key: RFC 5280 method 1); SAN
    values are printed decoded on a difference.
--show prints the fields of one certificate (or CSR) in the same readable
forms, one per line, for tests that grep for an expected property.
Only the standard library is needed; `cryptography` (if importable) is used
as an extra parser: a certificate it rejects is a "parse" difference.
"""

import base64
import calendar
import hashlib
import ipaddress
import re
import sys

# ---------------------------------------------------------------- DER ---


class DerError(Exception):
    pass


def tlv(data, off=0):
    """Returns (tag, start, content_start, end) of the TLV at data[off:]."""
    if off + 2 > len(data):
        raise DerError("truncated TLV at %d" % off)
    start = off
    tag = data[off]
    off += 1
    if tag & 0x1F == 0x1F:  # high tag number form
        while True:
            if off >= len(data):
                raise DerError("truncated tag")
            b = data[off]
            off += 1
            tag = (tag << 8) | b
            if not b & 0x80:
                break
    n = data[off]
    off += 1
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or off + k > len(data):
            raise DerError("bad length at %d" % (off - 1))
        n = int.from_bytes(data[off:off + k], "big")
        off += k
    if off + n > len(data):
        raise DerError("TLV at %d overruns its container" % start)
    return tag, start, off, off + n


def children(data, start=0, end=None):
    """Lists the TLVs (tag, start, cstart, end) inside data[start:end]."""
    if end is None:
        end = len(data)
    out = []
    off = start
    while off < end:
        t = tlv(data, off)
        if t[3] > end:
            raise DerError("child overruns its parent")
        out.append(t)
        off = t[3]
    return out


def inner(data, t):
    """Children of the constructed TLV t."""
    return children(data, t[2], t[3])


def raw(data, t):
    return bytes(data[t[1]:t[3]])


def content(data, t):
    return bytes(data[t[2]:t[3]])


def oid_str(b):
    """Dotted text of OID content bytes."""
    if not b:
        return "?"
    arcs = []
    v = 0
    for c in b:
        v = (v << 7) | (c & 0x7F)
        if not c & 0x80:
            arcs.append(v)
            v = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(x) for x in [first, arcs[0] - 40 * first] + arcs[1:])


NAMES = {
    "2.5.4.3": "CN", "2.5.4.5": "serialNumber", "2.5.4.6": "C",
    "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.9": "street",
    "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.17": "postalCode",
    "1.2.840.113549.1.9.1": "emailAddress",
    "2.5.29.14": "subjectKeyIdentifier", "2.5.29.15": "keyUsage",
    "2.5.29.17": "subjectAltName", "2.5.29.19": "basicConstraints",
    "2.5.29.31": "cRLDistributionPoints", "2.5.29.32": "certificatePolicies",
    "2.5.29.35": "authorityKeyIdentifier", "2.5.29.37": "extKeyUsage",
    "1.3.6.1.5.5.7.1.1": "authorityInfoAccess",
    "1.3.6.1.5.5.7.48.1.5": "ocspNoCheck",
    "1.3.6.1.4.1.44363.44": "delegationUsage",
    "1.2.840.113549.1.9.14": "extensionRequest",
    "1.2.840.113549.1.1.1": "rsaEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.10045.2.1": "ecPublicKey",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
    "1.3.101.112": "Ed25519",
}
ALIASES = {
    "san": "2.5.29.17", "ski": "2.5.29.14", "aki": "2.5.29.35",
    "ku": "2.5.29.15", "eku": "2.5.29.37", "bc": "2.5.29.19",
    "aia": "1.3.6.1.5.5.7.1.1", "crldp": "2.5.29.31",
    "ocsp-nocheck": "1.3.6.1.5.5.7.48.1.5", "policies": "2.5.29.32",
}
STRTYPES = {0x0C: "UTF8", 0x13: "Printable", 0x14: "T61", 0x16: "IA5",
            0x1E: "BMP", 0x1C: "Universal"}
OID_SAN = "2.5.29.17"
OID_SKI = "2.5.29.14"
OID_KU = "2.5.29.15"
OID_EKU = "2.5.29.37"
KU_BITS = ("digitalSignature", "nonRepudiation", "keyEncipherment",
           "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign",
           "encipherOnly", "decipherOnly")
EKU_NAMES = {
    "2.5.29.37.0": "any", "1.3.6.1.5.5.7.3.1": "serverAuth",
    "1.3.6.1.5.5.7.3.2": "clientAuth", "1.3.6.1.5.5.7.3.3": "codeSigning",
    "1.3.6.1.5.5.7.3.4": "emailProtection",
    "1.3.6.1.5.5.7.3.5": "ipsecEndSystem", "1.3.6.1.5.5.7.3.6": "ipsecTunnel",
    "1.3.6.1.5.5.7.3.7": "ipsecUser", "1.3.6.1.5.5.7.3.8": "timeStamping",
    "1.3.6.1.5.5.7.3.9": "OCSPSigning", "1.3.6.1.4.1.311.10.3.3": "msSGC",
    "2.16.840.1.113730.4.1": "nsSGC",
}


def oname(oid):
    n = NAMES.get(oid)
    return "%s(%s)" % (n, oid) if n else oid


def name_text(data, t):
    """Readable Name with string types: C=US/Printable, O=a/UTF8+O=b/UTF8."""
    rdns = []
    for rdn in inner(data, t):
        avas = []
        for ava in inner(data, rdn):
            parts = inner(data, ava)
            oid = oid_str(content(data, parts[0]))
            v = parts[1]
            tag = v[0]
            b = content(data, v)
            if tag == 0x1E:
                s = b.decode("utf-16-be", "replace")
            else:
                s = b.decode("utf-8", "replace")
            avas.append("%s=%r/%s" % (NAMES.get(oid, oid), s,
                                      STRTYPES.get(tag, "tag%#x" % tag)))
        rdns.append("+".join(avas))
    return ", ".join(rdns) if rdns else "(empty)"


def parse_time(data, t):
    """Returns (encoding name, epoch seconds) of a UTCTime/GeneralizedTime."""
    s = content(data, t).decode("ascii", "replace")
    if t[0] == 0x17:
        m = re.fullmatch(r"(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z", s)
        if not m:
            raise DerError("bad UTCTime %r" % s)
        y = int(m.group(1))
        y += 1900 if y >= 50 else 2000
        enc = "UTCTime"
    elif t[0] == 0x18:
        m = re.fullmatch(r"(\d\d\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z", s)
        if not m:
            raise DerError("bad GeneralizedTime %r" % s)
        y = int(m.group(1))
        enc = "GeneralizedTime"
    else:
        raise DerError("validity: tag %#x is not a time" % t[0])
    g = [int(x) for x in m.groups()[1:]]
    return enc, calendar.timegm((y, g[0], g[1], g[2], g[3], g[4]))


def san_text(der):
    """Decoded GeneralNames of a SAN extension value, in order."""
    out = []
    try:
        seq = tlv(der, 0)
        for gn in inner(der, seq):
            tag, b = gn[0], content(der, gn)
            if tag == 0x82:
                out.append("DNS:" + b.decode("ascii", "replace"))
            elif tag == 0x81:
                out.append("email:" + b.decode("ascii", "replace"))
            elif tag == 0x86:
                out.append("URI:" + b.decode("ascii", "replace"))
            elif tag == 0x87:
                try:
                    out.append("IP:" + str(ipaddress.ip_address(b)))
                except ValueError:
                    out.append("IP:" + b.hex())
            else:
                out.append("[%#x]:%s" % (tag, b.hex()))
    except DerError as e:
        out.append("<bad SAN: %s>" % e)
    return out


def parse_extensions(data, seq):
    """[(oid, critical, value bytes)] of an Extensions SEQUENCE."""
    out = []
    for ext in inner(data, seq):
        parts = inner(data, ext)
        oid = oid_str(content(data, parts[0]))
        crit = False
        i = 1
        if parts[i][0] == 0x01:
            crit = content(data, parts[i]) != b"\x00"
            i += 1
        out.append((oid, crit, content(data, parts[i])))
    return out


def read_pem(path, labels):
    """DER of the first PEM block in path whose label is in labels."""
    with open(path, "rb") as f:
        text = f.read().decode("ascii", "replace")
    for m in re.finditer(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----",
                         text, re.S):
        if m.group(1) in labels:
            return base64.b64decode("".join(m.group(2).split()))
    raise DerError("%s: no %s PEM block" % (path, " or ".join(labels)))


class Cert:
    def __init__(self, path):
        self.path = path
        d = self.der = read_pem(path, ("CERTIFICATE",))
        top = tlv(d, 0)
        c = inner(d, top)
        if len(c) != 3:
            raise DerError("%s: Certificate is not a 3-element SEQUENCE" % path)
        self.outer_alg = raw(d, c[1])
        f = inner(d, c[0])
        i = 0
        self.version = 0
        if f[0][0] == 0xA0:
            self.version = int.from_bytes(content(d, inner(d, f[0])[0]), "big")
            i = 1
        self.serial = content(d, f[i])
        self.sigalg = raw(d, f[i + 1])
        self.issuer_t, self.subject_t = f[i + 2], f[i + 4]
        self.issuer = raw(d, f[i + 2])
        self.subject = raw(d, f[i + 4])
        nb, na = inner(d, f[i + 3])
        self.nb_enc, self.nb = parse_time(d, nb)
        self.na_enc, self.na = parse_time(d, na)
        spki = inner(d, f[i + 5])
        self.key_alg = raw(d, spki[0])
        self.key_bits = content(d, spki[1])[1:]  # drop the unused-bits byte
        self.exts = []
        for t in f[i + 6:]:
            if t[0] == 0xA3:
                self.exts = parse_extensions(d, inner(d, t)[0])


class Csr:
    def __init__(self, path):
        self.path = path
        d = self.der = read_pem(path, ("CERTIFICATE REQUEST",
                                       "NEW CERTIFICATE REQUEST"))
        c = inner(d, tlv(d, 0))
        if len(c) != 3:
            raise DerError("%s: CertificationRequest is not a 3-element "
                           "SEQUENCE" % path)
        self.sigalg = raw(d, c[1])
        f = inner(d, c[0])
        self.version = int.from_bytes(content(d, f[0]), "big")
        self.subject_t = f[1]
        self.subject = raw(d, f[1])
        spki = inner(d, f[2])
        self.key_alg = raw(d, spki[0])
        self.key_bits = content(d, spki[1])[1:]
        self.attrs = []
        self.exts = []
        if len(f) > 3 and f[3][0] == 0xA0:
            for a in inner(d, f[3]):
                parts = inner(d, a)
                oid = oid_str(content(d, parts[0]))
                self.attrs.append(oid)
                if oid == "1.2.840.113549.1.9.14":
                    for v in inner(d, parts[1]):
                        self.exts += parse_extensions(d, v)


# ------------------------------------------------------------ compare ---


class Report:
    def __init__(self, allow):
        self.allow = allow
        self.failed = 0
        self.allowed = 0

    def diff(self, keys, text):
        if any(k in self.allow for k in keys):
            print("allowed: " + text)
            self.allowed += 1
        else:
            print(text)
            self.failed += 1


def serial_check(rep, c, which):
    s = c.serial
    problems = []
    if not s or s[0] & 0x80:
        problems.append("not positive")
    elif int.from_bytes(s, "big") == 0:
        problems.append("zero")
    if len(s) > 20:
        problems.append("%d content bytes (> 20)" % len(s))
    if problems:
        rep.diff(["serial"], "serial: %s (%s): %s" % (which, s.hex(),
                                                    ", ".join(problems)))


def compare_subjectish(rep, key, a, b, ta, tb):
    if a.der[ta[1]:ta[3]] != b.der[tb[1]:tb[3]]:
        rep.diff([key], "%s: DER differs: A %s != B %s" %
                 (key, name_text(a.der, ta), name_text(b.der, tb)))


def alg_text(der):
    try:
        p = inner(der, tlv(der, 0))
        s = oname(oid_str(content(der, p[0])))
        if len(p) > 1:
            s += " params " + raw(der, p[1]).hex()
        return s
    except DerError:
        return der.hex()


def ext_value_text(oid, v):
    """Hex of an extension value, plus a decoded form for SAN, KU, EKU."""
    try:
        if oid == OID_SAN:
            return "[" + ", ".join(san_text(v)) + "]"
        if oid == OID_KU:
            b = content(v, tlv(v, 0))
            bits = int.from_bytes(b[1:], "big") if len(b) > 1 else 0
            n = 8 * (len(b) - 1)
            names = [KU_BITS[i] for i in range(min(n, len(KU_BITS)))
                     if bits >> (n - 1 - i) & 1]
            return "%s (%s)" % (v.hex(), ",".join(names))
        if oid == OID_EKU:
            names = [oid_str(content(v, t)) for t in inner(v, tlv(v, 0))]
            return "%s (%s)" % (v.hex(), ",".join(EKU_NAMES.get(o, o)
                                                  for o in names))
    except DerError:
        pass
    return v.hex()


def compare_exts(rep, a, b, same_key, ski_check):
    la = [(o, c) for o, c, _ in a.exts]
    lb = [(o, c) for o, c, _ in b.exts]
    if la == lb:
        pairs = list(zip(a.exts, b.exts))
    else:
        oa = [o for o, _ in la]
        ob = [o for o, _ in lb]
        for o in sorted(set(oa) | set(ob)):
            ca, cb = oa.count(o), ob.count(o)
            if ca != cb:
                rep.diff(["extensions", "ext:" + o],
                         "ext %s: present %d time(s) in A, %d in B" %
                         (oname(o), ca, cb))
        common_a = [x for x in a.exts if x[0] in ob]
        common_b = [x for x in b.exts if x[0] in oa]
        if [x[0] for x in common_a] != [x[0] for x in common_b]:
            rep.diff(["extensions", "ext-order"],
                     "extension order: A %s != B %s" %
                     ([oname(o) for o in oa], [oname(o) for o in ob]))
        # Pair same OIDs by occurrence for the value comparison.
        pairs = []
        used = set()
        for x in common_a:
            for j, y in enumerate(common_b):
                if j not in used and y[0] == x[0]:
                    used.add(j)
                    pairs.append((x, y))
                    break
    for (oa_, ca_, va), (_, cb_, vb) in pairs:
        if ca_ != cb_:
            rep.diff(["extensions", "ext:" + oa_],
                     "ext %s: critical %s in A, %s in B" %
                     (oname(oa_), ca_, cb_))
        if oa_ == OID_SKI and not same_key:
            continue
        if va != vb:
            rep.diff(["extensions", "ext:" + oa_],
                     "ext %s: value differs: A %s != B %s" %
                     (oname(oa_), ext_value_text(oa_, va),
                      ext_value_text(oa_, vb)))
    if ski_check:
        for which, c in (("A", a), ("B", b)):
            for o, _, v in c.exts:
                if o != OID_SKI:
                    continue
                want = hashlib.sha1(c.key_bits).digest()
                try:
                    got = content(v, tlv(v, 0))
                except DerError:
                    got = v
                if got != want:
                    rep.diff(["extensions", "ext:" + OID_SKI],
                             "ext %s: %s's value %s is not the SHA-1 of its "
                             "key (%s)" % (oname(o), which, got.hex(),
                                          want.hex()))


def nb_offsets(c, ran):
    """The offsets notBefore - run time c can have: (low, high)."""
    return (c.nb - ran[1], c.nb - ran[0])


def compare_certs(rep, a, b, same_key, ran=None):
    if a.version != b.version:
        rep.diff(["version"], "version: A v%d != B v%d" %
                 (a.version + 1, b.version + 1))
    serial_check(rep, a, "A")
    serial_check(rep, b, "B")
    if a.sigalg != b.sigalg:
        rep.diff(["signature"], "signature algorithm: A %s != B %s" %
                 (alg_text(a.sigalg), alg_text(b.sigalg)))
    for which, c in (("A", a), ("B", b)):
        if c.outer_alg != c.sigalg:
            rep.diff(["signature"], "signature algorithm: %s's outer %s != "
                     "its TBS %s" % (which, alg_text(c.outer_alg),
                                     alg_text(c.sigalg)))
    compare_subjectish(rep, "issuer", a, b, a.issuer_t, b.issuer_t)
    compare_subjectish(rep, "subject", a, b, a.subject_t, b.subject_t)
    if ran is not None:
        oa, ob = nb_offsets(a, ran[0:2]), nb_offsets(b, ran[2:4])
        gap = max(oa[0], ob[0]) - min(oa[1], ob[1])
        if gap > 60:
            rep.diff(["validity", "notBefore"],
                     "validity: notBefore - run time differs by %d s "
                     "(A %d..%d s, B %d..%d s)" %
                     (gap, oa[0], oa[1], ob[0], ob[1]))
    elif abs(a.nb - b.nb) > 60:
        rep.diff(["validity", "notBefore"],
                 "validity: notBefore differs by %d s (A %d, B %d)" %
                 (a.nb - b.nb, a.nb, b.nb))
    if a.na - a.nb != b.na - b.nb:
        rep.diff(["validity", "lifetime"],
                 "validity: lifetime A %d s != B %d s" %
                 (a.na - a.nb, b.na - b.nb))
    if (a.nb_enc, a.na_enc) != (b.nb_enc, b.na_enc):
        rep.diff(["validity", "time-encoding"],
                 "validity: encodings A %s/%s != B %s/%s" %
                 (a.nb_enc, a.na_enc, b.nb_enc, b.na_enc))
    compare_key(rep, a, b, same_key)
    compare_exts(rep, a, b, same_key, ski_check=True)


def compare_key(rep, a, b, same_key):
    if a.key_alg != b.key_alg:
        rep.diff(["publickey"], "public key algorithm: A %s != B %s" %
                 (alg_text(a.key_alg), alg_text(b.key_alg)))
    if same_key and a.key_bits != b.key_bits:
        rep.diff(["publickey"], "public key: bits differ (--same-key)")


def compare_csrs(rep, a, b, same_key):
    if a.version != b.version:
        rep.diff(["version"], "version: A %d != B %d" % (a.version, b.version))
    if a.sigalg != b.sigalg:
        rep.diff(["signature"], "signature algorithm: A %s != B %s" %
                 (alg_text(a.sigalg), alg_text(b.sigalg)))
    compare_subjectish(rep, "subject", a, b, a.subject_t, b.subject_t)
    compare_key(rep, a, b, same_key)
    if a.attrs != b.attrs:
        rep.diff(["attributes"], "attributes: A %s != B %s" %
                 ([oname(o) for o in a.attrs], [oname(o) for o in b.attrs]))
    compare_exts(rep, a, b, same_key, ski_check=False)


def extra_parse(path, der, csr):
    """Error text if the `cryptography` package rejects der, else None."""
    try:
        from cryptography import x509
    except ImportError:
        return None
    try:
        if csr:
            x509.load_der_x509_csr(der)
        else:
            c = x509.load_der_x509_certificate(der)
            c.extensions  # parses every extension
    except Exception as e:  # noqa: BLE001 -- any rejection is reported
        return "%s: cryptography rejects it: %s" % (path, e)
    return None


def show(c, csr):
    """Prints the fields of one parsed certificate or CSR."""
    print("version: %d" % c.version)
    if not csr:
        print("serial: %s" % c.serial.hex())
        print("issuer: %s" % name_text(c.der, c.issuer_t))
        print("notBefore: %d %s" % (c.nb, c.nb_enc))
        print("notAfter: %d %s" % (c.na, c.na_enc))
        print("lifetime: %d" % (c.na - c.nb))
    print("subject: %s" % name_text(c.der, c.subject_t))
    print("signature: %s" % alg_text(c.sigalg))
    print("publickey: %s" % alg_text(c.key_alg))
    for o, crit, v in c.exts:
        print("ext %s%s: %s" % (oname(o), " critical" if crit else "",
                                ext_value_text(o, v)))


def usage():
    sys.stderr.write("usage: certcmp.py [--csr] [--same-key] "
                     "[--allow FIELD ...] [--ran A0 A1 B0 B1] A.pem "
                     "B.pem\n"
                     "       certcmp.py [--csr] --show FILE\n")
    sys.exit(2)


def main(argv):
    allow = set()
    same_key = csr = do_show = False
    ran = None
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--same-key":
            same_key = True
        elif a == "--csr":
            csr = True
        elif a == "--show":
            do_show = True
        elif a == "--ran":
            if i + 4 >= len(argv):
                usage()
            try:
                ran = [int(x) for x in argv[i + 1:i + 5]]
            except ValueError:
                usage()
            if ran[0] > ran[1] or ran[2] > ran[3]:
                usage()
            i += 4
        elif a == "--allow":
            i += 1
            if i >= len(argv):
                usage()
            f = argv[i]
            if f.startswith("ext:") and f[4:] in ALIASES:
                f = "ext:" + ALIASES[f[4:]]
            if f == "validity":
                allow |= {"notBefore", "lifetime", "time-encoding"}
            allow.add(f)
        elif a.startswith("-") and len(a) > 1:
            usage()
        else:
            files.append(a)
        i += 1
    if len(files) != (1 if do_show else 2):
        usage()
    try:
        if do_show:
            show(Csr(files[0]) if csr else Cert(files[0]), csr)
            return 0
        if csr:
            a, b = Csr(files[0]), Csr(files[1])
        else:
            a, b = Cert(files[0]), Cert(files[1])
    except (OSError, DerError, IndexError, ValueError) as e:
        sys.stderr.write("certcmp.py: %s\n" % e)
        return 2
    rep = Report(allow)
    for c in (a, b):
        e = extra_parse(c.path, c.der, csr)
        if e:
            rep.diff(["parse"], "parse: " + e)
    if csr:
        compare_csrs(rep, a, b, same_key)
    else:
        compare_certs(rep, a, b, same_key, ran)
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
