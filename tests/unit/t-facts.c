/*
 * t-facts.c: certificate facts (pki_cert_facts), drift against a CSR
 * JSON (pki_cert_drift), chain verification against a trust bundle
 * (pki_cert_verify_bundle) and the renewal timing arithmetic
 * (pki_renew_*).  pki_tls_peer_cert is exercised by tests/cli/t-status.sh
 * against openssl s_server.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "facts.h"
#include "der.h"
#include "tap.h"
#include "certs.h"

static struct pki_error	e;

static void	facts_der_same(const char *, const struct pki_cert *, char *,
		    size_t);

/* No libm: the few helpers the checks need. */
static double
dabs(double x)
{
	return x < 0 ? -x : x;
}

static long double
ldabs(long double x)
{
	return x < 0 ? -x : x;
}

static long long
lfloor(long double x)
{
	long long	i = (long long)x;

	return (long double)i > x ? i - 1 : i;
}

#define NOW_SEC		1790000000	/* 2026-09-21, pinned */
#define DAY		86400

static const char ca_json[] =
"{\"CN\":\"Test CA\",\"names\":[{\"O\":\"Example\"}],"
"\"key\":{\"algo\":\"ecdsa\",\"size\":256},\"ca\":{\"expiry\":\"87600h\"}}";
static const char ca2_json[] =
"{\"CN\":\"Other CA\",\"key\":{\"algo\":\"ecdsa\",\"size\":256},"
"\"ca\":{\"expiry\":\"87600h\"}}";
static const char leaf_json[] =
"{\"CN\":\"etcd1\",\"hosts\":[\"etcd1.example\",\"10.0.0.1\",\"::1\","
"\"a@b.example\",\"spiffe://x/y\"],\"names\":[{\"O\":\"Example\","
"\"OU\":\"etcd\"}],\"key\":{\"algo\":\"ecdsa\",\"size\":256}}";
static const char config_json[] =
"{\"signing\":{\"default\":{\"expiry\":\"1h\"},\"profiles\":{"
"\"peer\":{\"expiry\":\"2160h\",\"usages\":[\"signing\",\"key encipherment\","
"\"server auth\",\"client auth\"]}}}}";

static struct pki_cert *
make_leaf(const char *json, const struct pki_profile *p,
    const struct pki_cert *ca, const struct pki_key *cakey, time_t now)
{
	struct pki_csr		*csr = test_csr(json);
	struct pki_key		*key = NULL;
	struct pki_req		*req = NULL;
	struct pki_cert		*cert = NULL;
	struct pki_sign_request	 sr;

	memset(&sr, 0, sizeof(sr));
	if (csr == NULL || pki_key_generate(csr, &key, &e) != 0 ||
	    pki_req_new(csr, key, &req, &e) != 0)
		diag("leaf: %s", e.text);
	sr.req = req;
	sr.profile = p;
	sr.now_sec = now;
	if (req != NULL && pki_cert_sign(&sr, ca, cakey, &cert, &e) != 0)
		diag("leaf sign: %s", e.text);
	pki_req_free(req);
	pki_key_free(key);
	pki_csr_free(csr);
	return cert;
}

/* Does an ASN1_TIME equal Unix time t?  (Independent of timegm.) */
static int
time_is(const ASN1_TIME *a, int64_t t)
{
	ASN1_TIME	*b = ASN1_TIME_set(NULL, (time_t)t);
	int		 same = b != NULL && ASN1_TIME_compare(a, b) == 0;

	ASN1_TIME_free(b);
	return same;
}

/* SHA-256 of the SubjectPublicKeyInfo, through i2d_PUBKEY. */
static int
spki_is(const struct pki_cert *c, const unsigned char *md)
{
	unsigned char	*der = NULL, want[32];
	unsigned int	 len = 0;
	int		 n, same;

	n = i2d_PUBKEY(X509_get0_pubkey(c->x509), &der);
	same = n > 0 && EVP_Digest(der, (size_t)n, want, &len, EVP_sha256(),
	    NULL) == 1 && len == 32 && memcmp(want, md, 32) == 0;
	OPENSSL_free(der);
	return same;
}

static char *
hex(const unsigned char *md, size_t n, char *buf)
{
	size_t	i;

	for (i = 0; i < n; i++)
		sprintf(buf + 2 * i, "%02x", md[i]);
	return buf;
}

static void
test_facts(const struct pki_cert *ca, const struct pki_cert *leaf)
{
	struct pki_cert_facts	 f;
	BIGNUM			*bn = NULL;
	char			*dec = NULL, *bhex = NULL, buf[1024];
	size_t			 i;

	is_int(pki_cert_facts(leaf, &f, &e), 0, "facts of a new leaf");
	if (pki_cert_serial(leaf, &dec, &e) != 0)
		diag("serial: %s", e.text);
	is_str(f.serial, dec, "serial in decimal as pki_cert_serial");
	if (BN_dec2bn(&bn, dec) > 0 && (bhex = BN_bn2hex(bn)) != NULL)
		for (i = 0; bhex[i] != '\0'; i++)
			bhex[i] = (char)(bhex[i] >= 'A' && bhex[i] <= 'F' ?
			    bhex[i] - 'A' + 'a' : bhex[i]);
	is_str(f.serial_hex, bhex, "serial in lower-case hex");
	ok(time_is(X509_get0_notBefore(leaf->x509), f.not_before),
	    "not_before");
	ok(time_is(X509_get0_notAfter(leaf->x509), f.not_after), "not_after");
	is_int(f.not_after - f.not_before, 2160 * 3600,
	    "lifetime: the profile's expiry");
	is_int(f.not_before, NOW_SEC - 80 - 300,
	    "not_before: rounded to the minute, 5m backdated");
	is_str(f.subject, "O=Example,OU=etcd,CN=etcd1",
	    "subject one line, certificate order");
	is_str(f.subject_cn, "etcd1", "subject CN");
	is_str(f.issuer, "O=Example,CN=Test CA", "issuer one line");
	is_str(f.issuer_cn, "Test CA", "issuer CN");
	is_str(tap_join(f.sans, f.nsans, "|", buf, sizeof(buf)),
	    "DNS:etcd1.example|email:a@b.example|IP:10.0.0.1|IP:::1|"
	    "URI:spiffe://x/y", "SANs in certificate (Go) order");
	is_str(tap_join(f.ekus, f.nekus, "|", buf, sizeof(buf)),
	    "server auth|client auth", "EKUs as cfssl usage names");
	is_int(f.is_ca, 0, "a leaf is not a CA");
	ok(spki_is(leaf, f.spki_sha256), "SPKI SHA-256");
	pki_cert_facts_clear(&f);
	ok(f.subject == NULL && f.sans == NULL && f.nsans == 0,
	    "facts_clear empties");
	pki_cert_facts_clear(&f);
	OPENSSL_free(bhex);
	BN_free(bn);
	free(dec);

	is_int(pki_cert_facts(ca, &f, &e), 0, "facts of a CA");
	is_int(f.is_ca, 1, "CA: is_ca");
	is_int(f.nsans, 0, "CA: no SANs");
	is_int(f.nekus, 0, "CA: no EKUs");
	is_str(f.subject, f.issuer, "CA: self-issued");
	pki_cert_facts_clear(&f);
}

static struct pki_cert *
fixture(const char *rel)
{
	struct pki_cert	*c = NULL;
	char		 path[512], *buf;
	size_t		 len;

	snprintf(path, sizeof(path), "../shared/fixtures/cfssl/%s", rel);
	if ((buf = tap_slurp(tap_srcpath(path), &len)) == NULL)
		return NULL;
	if (pki_cert_load(buf, len, rel, &c, &e) != 0)
		diag("%s: %s", rel, e.text);
	free(buf);
	return c;
}

static void
test_fixtures(void)
{
	struct pki_cert_facts	 f;
	struct pki_cert		*c;
	char			 buf[128];
	int			 i;

	if ((c = fixture("helpers/testdata/cert.pem")) == NULL) {
		for (i = 0; i < 14 + 13 + 13; i++)
			skip("cfssl fixtures not found");
		return;
	}
	is_int(pki_cert_facts(c, &f, &e), 0, "fixture cert.pem: facts");
	is_str(f.serial, "1437831234705890233", "fixture: serial");
	is_str(f.serial_hex, "13f433e3d79b1bb9", "fixture: serial hex");
	is_int(f.not_before, 1495569104, "fixture: not_before");
	is_int(f.not_after, 1503453404, "fixture: not_after");
	is_str(f.subject, "C=US,ST=California,L=San Francisco,O=acme.co",
	    "fixture: subject");
	is_str(f.subject_cn, "", "fixture: no CN");
	is_str(tap_join(f.ekus, f.nekus, "|", buf, sizeof(buf)),
	    "server auth|client auth", "fixture: EKUs");
	is_str(hex(f.spki_sha256, 32, buf),
	    "10129536f31c9718a385effea63b4740538adfffb009582489212b823f9167bd",
	    "fixture: SPKI SHA-256 (openssl pkey | sha256sum)");
	pki_cert_facts_clear(&f);
	facts_der_same("fixture cert.pem", c, NULL, 0);
	pki_cert_free(c);

	if ((c = fixture("helpers/testdata/ca.pem")) == NULL) {
		for (i = 0; i < 5 + 13; i++)
			skip("cfssl fixture ca.pem not found");
		return;
	}
	is_int(pki_cert_facts(c, &f, &e), 0, "fixture ca.pem: facts");
	is_str(f.serial_hex, "c4af341832a7069a490e62", "fixture CA: serial");
	is_str(f.serial, "237776835753300991597416034",
	    "fixture CA: decimal serial");
	is_str(f.subject, "C=US,ST=California,L=San Francisco,O=CFSSL TEST,"
	    "CN=CFSSL TEST Root CA,emailAddress=test@test.local",
	    "fixture CA: subject with emailAddress");
	is_int(f.is_ca, 1, "fixture CA: is_ca");
	pki_cert_facts_clear(&f);
	facts_der_same("fixture CA", c, NULL, 0);
	pki_cert_free(c);
}

/* Lower-case hex of an OCTET STRING ("" for NULL). */
static const char *
os_hex(const ASN1_OCTET_STRING *os, char *buf)
{
	int	i;

	buf[0] = '\0';
	for (i = 0; os != NULL && i < ASN1_STRING_length(os); i++)
		sprintf(buf + 2 * i, "%02x", ASN1_STRING_get0_data(os)[i]);
	return buf;
}

/* pki_cert_facts_der of c's DER gives pki_cert_facts of c, field by field. */
static void
facts_der_same(const char *label, const struct pki_cert *c, char *keyid,
    size_t keyidsize)
{
	struct pki_cert_facts	 f, g;
	unsigned char		*der = NULL;
	char			 b1[1024], b2[1024];
	int			 len;

	len = i2d_X509(c->x509, &der);
	is_int(pki_cert_facts(c, &f, &e), 0, "%s: facts", label);
	is_int(pki_cert_facts_der(der, (size_t)(len > 0 ? len : 0), &g, keyid,
	    keyidsize, &e), 0, "%s: facts from DER", label);
	is_str(g.serial, f.serial, "%s: DER: serial", label);
	is_str(g.serial_hex, f.serial_hex, "%s: DER: serial hex", label);
	ok(g.not_before == f.not_before && g.not_after == f.not_after,
	    "%s: DER: validity", label);
	is_str(g.subject, f.subject, "%s: DER: subject", label);
	is_str(g.subject_cn, f.subject_cn, "%s: DER: subject CN", label);
	is_str(g.issuer, f.issuer, "%s: DER: issuer", label);
	is_str(g.issuer_cn, f.issuer_cn, "%s: DER: issuer CN", label);
	is_str(tap_join(g.sans, g.nsans, "|", b1, sizeof(b1)),
	    tap_join(f.sans, f.nsans, "|", b2, sizeof(b2)), "%s: DER: SANs",
	    label);
	is_str(tap_join(g.ekus, g.nekus, "|", b1, sizeof(b1)),
	    tap_join(f.ekus, f.nekus, "|", b2, sizeof(b2)), "%s: DER: EKUs",
	    label);
	is_int(g.is_ca, f.is_ca, "%s: DER: is_ca", label);
	if (keyid != NULL) {
		pki_cert_keyid(c, b1, sizeof(b1));
		is_str(keyid, b1, "%s: DER: keyid as pki_cert_keyid's", label);
	}
	ok(memcmp(g.spki_sha256, f.spki_sha256, 32) == 0,
	    "%s: DER: SPKI SHA-256", label);
	pki_cert_facts_clear(&f);
	pki_cert_facts_clear(&g);
	OPENSSL_free(der);
}

/*
 * A self-signed certificate of key without an authorityKeyIdentifier,
 * with a subjectKeyIdentifier, and a keyUsage when ku is not NULL.
 */
static struct pki_cert *
self_no_aki(const struct pki_key *key, const char *ku)
{
	struct pki_cert	*c;
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	X509		*x = X509_new();
	X509_NAME	*n = X509_NAME_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"Go root", -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, NULL);
	X509_time_adj_ex(X509_getm_notAfter(x), 1, 0, NULL);
	X509_set_pubkey(x, key->pkey);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier,
	    "hash");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (ku != NULL) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage, ku);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(x, key->pkey, EVP_sha256());
	X509_NAME_free(n);
	c = calloc(1, sizeof(*c));
	c->x509 = x;
	return c;
}

/* pki_der_read, and pki_cert_facts_der against pki_cert_facts. */
static void
test_facts_der(const struct pki_cert *ca, const struct pki_key *cakey,
    const struct pki_cert *leaf)
{
	static const unsigned char	 good[] = { 0x30, 0x81, 0x80 },
					 nonmin[] = { 0x30, 0x81, 0x05, 1, 2,
					     3, 4, 5 },
					 indef[] = { 0x30, 0x80, 0, 0 },
					 lead0[] = { 0x04, 0x82, 0x00, 0x90 },
					 past[] = { 0x04, 0x03, 1, 2 };
	struct pki_der_in		 in, v, tlv;
	struct pki_cert_facts		 f;
	struct pki_cert			*c;
	unsigned char			*der = NULL, *bad;
	char				 kid[129], want[129];
	int				 len;

	in.p = (const unsigned char *)"\x02\x01\x05\x04\x00";
	in.len = 5;
	is_int(pki_der_read(&in, 0x04, &v, NULL), 0, "der_read: other tag");
	is_int((int)in.len, 5, "der_read: other tag leaves in as it was");
	ok(pki_der_read(&in, 0x02, &v, &tlv) == 1 && v.len == 1 &&
	    v.p[0] == 5 && tlv.len == 3 && in.len == 2, "der_read: INTEGER 5");
	ok(pki_der_read(&in, 0x04, &v, NULL) == 1 && v.len == 0 &&
	    in.len == 0, "der_read: empty OCTET STRING");
	is_int(pki_der_read(&in, 0x04, &v, NULL), 0, "der_read: at the end");
	in.p = good;
	in.len = sizeof(good);
	is_int(pki_der_read(&in, 0x30, &v, NULL), -1,
	    "der_read: 128 bytes announced, none there");
	in.p = nonmin;
	in.len = sizeof(nonmin);
	is_int(pki_der_read(&in, 0x30, &v, NULL), -1,
	    "der_read: long form for a short length (not DER)");
	in.p = indef;
	in.len = sizeof(indef);
	is_int(pki_der_read(&in, 0x30, &v, NULL), -1,
	    "der_read: indefinite length");
	in.p = lead0;
	in.len = sizeof(lead0);
	is_int(pki_der_read(&in, 0x04, &v, NULL), -1,
	    "der_read: length with a leading zero octet");
	in.p = past;
	in.len = sizeof(past);
	is_int(pki_der_read(&in, 0x04, &v, NULL), -1,
	    "der_read: element runs past the end");

	facts_der_same("leaf", leaf, kid, sizeof(kid));
	is_str(kid, os_hex(X509_get0_subject_key_id(ca->x509), want),
	    "leaf: keyid is the CA's subjectKeyIdentifier (its AKI)");
	facts_der_same("CA", ca, kid, sizeof(kid));
	is_str(kid, os_hex(X509_get0_authority_key_id(ca->x509) != NULL ?
	    X509_get0_authority_key_id(ca->x509) :
	    X509_get0_subject_key_id(ca->x509), want),
	    "CA: keyid is its AKI, else its SKI");

	c = self_no_aki(cakey, NULL);
	facts_der_same("self-signed, no AKI", c, kid, sizeof(kid));
	is_str(kid, os_hex(X509_get0_subject_key_id(c->x509), want),
	    "self-signed without AKI: keyid is its own SKI");
	pki_cert_free(c);
	c = self_no_aki(cakey, "keyCertSign,cRLSign");
	facts_der_same("self-signed, keyCertSign", c, kid, sizeof(kid));
	is_str(kid, os_hex(X509_get0_subject_key_id(c->x509), want),
	    "self-signed with keyCertSign: keyid is its own SKI");
	pki_cert_free(c);
	c = self_no_aki(cakey, "digitalSignature");
	facts_der_same("self-signed, no keyCertSign", c, kid, sizeof(kid));
	is_str(kid, "", "self-signed without keyCertSign: no keyid");
	pki_cert_free(c);

	/* DER this reader refuses: the caller falls back to d2i_X509. */
	len = i2d_X509(leaf->x509, &der);
	bad = malloc((size_t)len + 1);
	/* 30 82 LL LL -> 30 83 00 LL LL: a BER length d2i_X509 takes. */
	bad[0] = 0x30;
	bad[1] = 0x83;
	bad[2] = 0;
	memcpy(bad + 3, der + 2, (size_t)len - 2);
	is_int(der[1], 0x82, "leaf DER: two length octets");
	is_int(pki_cert_facts_der(bad, (size_t)len + 1, &f, kid, sizeof(kid),
	    &e), PKI_ERR_UNSUPPORTED, "non-minimal outer length: unsupported");
	is_int(pki_cert_facts_der(der, (size_t)len - 1, &f, NULL, 0, &e),
	    PKI_ERR_UNSUPPORTED, "truncated certificate: unsupported");
	is_int(pki_cert_facts_der(der + 4, (size_t)len - 4, &f, NULL, 0, &e),
	    PKI_ERR_UNSUPPORTED, "TBSCertificate alone: unsupported");
	free(bad);
	OPENSSL_free(der);
}

static void
drift_case(const char *label, const struct pki_cert *leaf, const char *json,
    const char *add, const char *rm, int subject, const char *want)
{
	struct pki_csr		*csr = test_csr(json);
	struct pki_drift	 d;
	char			 buf[512];

	is_int(pki_cert_drift(leaf, csr, &d, &e), 0, "%s: drift runs", label);
	is_str(tap_join(d.add, d.nadd, "|", buf, sizeof(buf)), add, "%s: add",
	    label);
	is_str(tap_join(d.remove, d.nremove, "|", buf, sizeof(buf)), rm,
	    "%s: remove", label);
	is_int(d.subject, subject, "%s: subject differs", label);
	is_str(d.want_subject, want, "%s: wanted subject", label);
	is_int(pki_drift_any(&d), *add != '\0' || *rm != '\0' || subject,
	    "%s: drift_any", label);
	pki_drift_clear(&d);
	ok(d.add == NULL && d.want_subject == NULL, "%s: cleared", label);
	pki_csr_free(csr);
}

static void
test_drift(const struct pki_cert *leaf)
{
	drift_case("same", leaf, leaf_json, "", "", 0, NULL);
	drift_case("hosts reordered", leaf,
	    "{\"CN\":\"etcd1\",\"hosts\":[\"spiffe://x/y\",\"::1\","
	    "\"10.0.0.1\",\"a@b.example\",\"etcd1.example\",\"::1\"],"
	    "\"names\":[{\"O\":\"Example\",\"OU\":\"etcd\"}]}", "", "", 0,
	    NULL);
	drift_case("SAN added and removed", leaf,
	    "{\"CN\":\"etcd1\",\"hosts\":[\"etcd1.example\",\"etcd1.new\","
	    "\"::1\",\"a@b.example\",\"spiffe://x/y\",\"10.0.0.2\"],"
	    "\"names\":[{\"O\":\"Example\",\"OU\":\"etcd\"}]}",
	    "DNS:etcd1.new|IP:10.0.0.2", "IP:10.0.0.1", 0, NULL);
	drift_case("subject", leaf,
	    "{\"CN\":\"etcd-one\",\"hosts\":[\"etcd1.example\",\"10.0.0.1\","
	    "\"::1\",\"a@b.example\",\"spiffe://x/y\"],"
	    "\"names\":[{\"O\":\"Example\",\"OU\":\"etcd\"}]}", "", "", 1,
	    "O=Example,OU=etcd,CN=etcd-one");
}

static void
test_verify(const struct pki_cert *ca, const struct pki_cert *ca2,
    const struct pki_cert *leaf, const struct pki_cert *old)
{
	char	*pem = NULL, *pem2 = NULL, *both = NULL;
	size_t	 len = 0, len2 = 0;

	if (pki_cert_encode(ca, &pem, &len, &e) != 0 ||
	    pki_cert_encode(ca2, &pem2, &len2, &e) != 0)
		diag("encode: %s", e.text);
	if (asprintf(&both, "%s%s", pem2, pem) == -1)
		both = NULL;
	is_int(pki_cert_verify_bundle(leaf, pem, len, "ca.pem", NOW_SEC, &e),
	    0, "verify: leaf against its CA");
	is_int(pki_cert_verify_bundle(leaf, both, strlen(both), "bundle.pem",
	    NOW_SEC, &e), 0, "verify: bundle of two CAs");
	is_int(pki_cert_verify_bundle(leaf, pem2, len2, "other.pem", NOW_SEC,
	    &e), PKI_ERR_SIGNATURE, "verify: wrong CA");
	is_str(e.text, "other.pem: does not verify: unable to get local "
	    "issuer certificate", "verify: wrong CA message");
	is_int(pki_cert_verify_bundle(old, pem, len, "ca.pem", NOW_SEC, &e),
	    PKI_ERR_SIGNATURE, "verify: expired leaf");
	is_str(e.text, "ca.pem: does not verify: certificate has expired",
	    "verify: expired message");
	is_int(pki_cert_verify_bundle(old, pem, len, "ca.pem",
	    NOW_SEC - 150 * DAY, &e), 0, "verify: at a time it was valid");
	is_int(pki_cert_verify_bundle(leaf, pem, len, "ca.pem",
	    NOW_SEC - 3600, &e), PKI_ERR_SIGNATURE,
	    "verify: before the leaf's notBefore");
	is_int(pki_cert_verify_bundle(leaf, "", 0, "empty.pem", NOW_SEC, &e),
	    PKI_ERR_PEM, "verify: empty bundle");
	is_int(pki_cert_verify_bundle(leaf, "hello\n", 6, "junk.pem", NOW_SEC,
	    &e), PKI_ERR_PEM, "verify: no certificate in the bundle");
	is_str(e.text, "junk.pem: no PEM-encoded certificate found",
	    "verify: no certificate message");
	free(pem);
	free(pem2);
	free(both);
}

/*
 * FNV-1a 64 and MurmurHash3's fmix64 written out again, scaled by 2^-64
 * in long double.
 */
static long double
offset_ref(const char *s)
{
	unsigned long long	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdULL;
	h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (long double)h / 18446744073709551616.0L;
}

static void
test_timing(void)
{
	struct pki_renew_policy	p;
	const int64_t		nb = NOW_SEC, life = 90 * DAY, na = nb + life;
	int64_t			at;
	long double		off;

	pki_renew_policy_default(&p);
	ok(dabs(p.fraction - 1.0 / 3) < 1e-12 && p.before == 0 &&
	    dabs(p.stagger - 0.05) < 1e-12, "default policy: 1/3, 5%%");

	off = offset_ref("etcd1");
	ok(ldabs((long double)pki_renew_offset("etcd1") - off) < 1e-15L,
	    "offset(etcd1) is fmix64(FNV-1a 64) / 2^64");
	ok(ldabs(off - 0.47718208448596655L) < 1e-12L,
	    "offset(etcd1) = 0.47718208448596...");
	ok(dabs(pki_renew_offset("etcd2") - pki_renew_offset("etcd1")) > 0.1 &&
	    dabs(pki_renew_offset("etcd3") - pki_renew_offset("etcd2")) > 0.1,
	    "etcd1, etcd2, etcd3: offsets spread out (not FNV-1a alone)");
	ok(pki_renew_offset("") >= 0 && pki_renew_offset("") < 1,
	    "offset of \"\" in [0, 1)");

	p.stagger = 0;
	is_int(pki_renew_at(nb, na, "etcd1", &p, &at, &e), 0, "renew_at runs");
	is_int(at, na - 30 * DAY, "90d, 1/3 left, no stagger: 30d before");
	p.stagger = 0.05;
	is_int(pki_renew_at(nb, na, "etcd1", &p, &at, &e), 0,
	    "renew_at with stagger");
	is_int(at, (int64_t)lfloor((long double)na -
	    (1.0L / 3 + off * 0.05L) * life),
	    "90d, 1/3 + offset(etcd1) * 5%%");
	is_int(at, na - 2592000 - 185529, "... = 30d + 185529s before (floor of 185528.39 more)");

	is_int(pki_renew_before_parse("720h", "-renew-before", &p, &e), 0,
	    "-renew-before 720h");
	is_int(p.before, 720 * 3600, "720h = 2592000s");
	p.stagger = 0;
	is_int(pki_renew_at(nb, na, "etcd1", &p, &at, &e), 0, "720h renew_at");
	is_int(at, na - 720 * 3600, "720h before, no stagger");
	p.stagger = 0.05;
	is_int(pki_renew_at(nb, na, "etcd1", &p, &at, &e), 0,
	    "720h with stagger");
	is_int(at, na - 2592000 - 185529, "720h + offset * 5%% of 90d");
	is_int(pki_renew_before_parse("2160h", "-renew-before", &p, &e), 0,
	    "-renew-before 2160h parses");
	is_int(pki_renew_at(nb, na, "etcd1", &p, &at, &e), PKI_ERR_ARG,
	    "2160h >= 90d lifetime: PKI_ERR_ARG");
	is_str(e.text, "renew before 2160h0m0s is not shorter than the "
	    "certificate's lifetime (2160h0m0s)", "message names both");
	is_int(pki_renew_at(na, na, "x", &p, &at, &e), PKI_ERR_ARG,
	    "zero lifetime: PKI_ERR_ARG");

	pki_renew_policy_default(&p);
	is_int(pki_renew_before_parse("33%", "-renew-before", &p, &e), 0,
	    "33%% accepted");
	ok(dabs(p.fraction - 0.33) < 1e-12 && p.before == 0, "33%% = 0.33");
	is_int(pki_renew_before_parse("0.5%", "-renew-before", &p, &e), 0,
	    "0.5%% accepted (decimals)");
	ok(dabs(p.fraction - 0.005) < 1e-12, "0.5%% = 0.005");
	p.stagger = 0;
	is_int(pki_renew_at(0, 1000, "x", &p, &at, &e), 0, "0.5%% renew_at");
	is_int(at, 995, "0.5%% of 1000s left: 995");
	is_int(pki_renew_before_parse("100%", "-renew-before", &p, &e),
	    PKI_ERR_ARG, "100%% rejected");
	is_str(e.text, "-renew-before: 100%: must be between 0% and 100%",
	    "100%% message");
	is_int(pki_renew_before_parse("0%", "-renew-before", &p, &e),
	    PKI_ERR_ARG, "0%% rejected");
	is_int(pki_renew_before_parse("abc", "-renew-before", &p, &e),
	    PKI_ERR_ARG, "abc rejected");
	is_str(e.text, "-renew-before: abc: not a percentage (N%) or a "
	    "duration (720h)", "abc message");
	is_int(pki_renew_before_parse("-5%", "-renew-before", &p, &e),
	    PKI_ERR_ARG, "-5%% rejected");
	is_int(pki_renew_before_parse("1e1%", "-renew-before", &p, &e),
	    PKI_ERR_ARG, "1e1%% rejected");
	is_int(pki_renew_before_parse("500ms", "-renew-before", &p, &e),
	    PKI_ERR_ARG, "500ms rejected (< 1s)");
	is_int(pki_renew_before_parse("-1h", "-renew-before", &p, &e),
	    PKI_ERR_ARG, "-1h rejected");

	is_int(pki_renew_stagger_parse("0%", "-stagger", &p, &e), 0,
	    "stagger 0%% accepted");
	ok(p.stagger == 0, "stagger 0");
	is_int(pki_renew_stagger_parse("12.5%", "-stagger", &p, &e), 0,
	    "stagger 12.5%%");
	ok(dabs(p.stagger - 0.125) < 1e-12, "stagger 0.125");
	is_int(pki_renew_stagger_parse("100%", "-stagger", &p, &e),
	    PKI_ERR_ARG, "stagger 100%% rejected");
	is_int(pki_renew_stagger_parse("5", "-stagger", &p, &e), PKI_ERR_ARG,
	    "stagger without %% rejected");
	is_str(e.text, "-stagger: 5: not a percentage (N%)",
	    "stagger message");
}

static void
test_cluster_access(void)
{
	static const char	 desc[] =
	    "{\"name\":\"t\",\"members\":[{\"name\":\"etcd1\","
	    "\"ips\":[\"10.0.0.1\"]}],\"clients\":[{\"name\":\"admin\"}]}";
	struct pki_cluster		*cl = NULL;
	struct pki_cluster_leaf_info	 li;
	int				 r;

	r = pki_cluster_parse(desc, strlen(desc), "d.json", NULL, &cl, &e);
	if (r != 0) {
		diag("cluster: %s", e.text);
		skip("cluster description did not parse");
		skip("cluster description did not parse");
		skip("cluster description did not parse");
		return;
	}
	is_int((long long)pki_cluster_nleaves(cl), 2, "cluster: two leaves");
	pki_cluster_leaf(cl, 0, &li);
	ok(strcmp(li.name, "etcd1") == 0 && strcmp(li.dir, "etcd1") == 0 &&
	    li.member == 1 && li.csr != NULL && li.profile != NULL,
	    "cluster: leaf 0 is member etcd1");
	pki_cluster_leaf(cl, 1, &li);
	ok(strcmp(li.name, "admin") == 0 && strcmp(li.dir, "clients/admin") ==
	    0 && li.member == 0 && li.csr != NULL,
	    "cluster: leaf 1 is client admin");
	pki_cluster_free(cl);
}

int
main(void)
{
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*peer = NULL;
	struct pki_key			*cakey = NULL, *ca2key = NULL;
	struct pki_cert			*ca, *ca2, *leaf = NULL, *old = NULL;

	ca = test_ca(ca_json, NOW_SEC - 400 * DAY, &cakey);
	ca2 = test_ca(ca2_json, NOW_SEC - 400 * DAY, &ca2key);
	if (pki_config_parse(config_json, strlen(config_json), "c", NULL,
	    &cfg, &e) != 0 || pki_config_profile(cfg, "peer", &peer, &e) != 0)
		diag("config: %s", e.text);
	if (ca != NULL && peer != NULL) {
		leaf = make_leaf(leaf_json, peer, ca, cakey, NOW_SEC - 60);
		old = make_leaf(leaf_json, peer, ca, cakey,
		    NOW_SEC - 200 * DAY);
	}
	if (leaf == NULL || old == NULL || ca2 == NULL) {
		plan(1);
		ok(0, "cannot build test certificates: %s", e.text);
		return done_testing();
	}
	test_facts(ca, leaf);
	test_facts_der(ca, cakey, leaf);
	test_fixtures();
	test_drift(leaf);
	test_verify(ca, ca2, leaf, old);
	test_timing();
	test_cluster_access();

	pki_cert_free(leaf);
	pki_cert_free(old);
	pki_cert_free(ca);
	pki_cert_free(ca2);
	pki_key_free(cakey);
	pki_key_free(ca2key);
	pki_config_free(cfg);
	return done_testing();
}
