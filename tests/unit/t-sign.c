/*
 * t-sign.c: pki_cert_sign() and pki_cert_selfsign() against cfssl's
 * construction (serial, validity, extension order and DER, policy
 * checks), plus the certificate helpers of cert.c and certinfo.c.  Every
 * result is parsed back with OpenSSL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "../tap.h"

/* 2026-11-24T12:00:00Z */
#define T1200	((time_t)1795521600)

static struct pki_error	 e;
static int		 last_rc;
static struct pki_config *cfg;

static const char config_json[] =
"{\"signing\":{"
" \"default\":{\"usages\":[\"signing\",\"key encipherment\",\"server auth\","
"   \"client auth\"],\"expiry\":\"8760h\"},"
" \"profiles\":{"
"  \"ca\":{\"usages\":[\"cert sign\",\"crl sign\"],\"expiry\":\"87600h\","
"   \"ca_constraint\":{\"is_ca\":true}},"
"  \"ca-pl0\":{\"usages\":[\"cert sign\",\"crl sign\"],\"expiry\":\"8760h\","
"   \"ca_constraint\":{\"is_ca\":true,\"max_path_len\":0}},"
"  \"ca-pl0z\":{\"usages\":[\"cert sign\",\"crl sign\"],\"expiry\":\"8760h\","
"   \"ca_constraint\":{\"is_ca\":true,\"max_path_len\":0,"
"   \"max_path_len_zero\":true}},"
"  \"ca-pl1\":{\"usages\":[\"cert sign\",\"crl sign\"],\"expiry\":\"8760h\","
"   \"ca_constraint\":{\"is_ca\":true,\"max_path_len\":1}},"
"  \"server\":{\"usages\":[\"signing\",\"key encipherment\","
"   \"server auth\"],\"expiry\":\"1h\"},"
"  \"eku\":{\"usages\":[\"server auth\",\"client auth\","
"   \"email protection\",\"s/mime\"],\"expiry\":\"1h\"},"
"  \"backdate\":{\"usages\":[\"signing\"],\"expiry\":\"24h\","
"   \"backdate\":\"1h\"},"
"  \"cut\":{\"usages\":[\"signing\"],\"expiry\":\"1h\","
"   \"backdate\":\"1h\"},"
"  \"frac\":{\"usages\":[\"signing\"],\"expiry\":\"20s\","
"   \"backdate\":\"1.5s\"},"
"  \"fixed\":{\"usages\":[\"signing\"],\"expiry\":\"1h\","
"   \"not_before\":\"2030-01-02T03:04:05Z\","
"   \"not_after\":\"2031-01-02T03:04:05Z\"},"
"  \"long\":{\"usages\":[\"signing\"],\"expiry\":\"300000h\"},"
"  \"full\":{\"usages\":[\"signing\",\"key encipherment\",\"server auth\"],"
"   \"expiry\":\"1h\",\"ocsp_url\":\"http://ocsp.example\","
"   \"issuer_urls\":[\"http://ca.example/ca.crt\"],"
"   \"crl_url\":\"http://crl.example/ca.crl\",\"ocsp_no_check\":true,"
"   \"copy_extensions\":true,"
"   \"Policies\":[{\"ID\":\"1.2.3.4\",\"Qualifiers\":["
"    {\"Type\":\"id-qt-cps\",\"Value\":\"http://example.com/cps\"},"
"    {\"Type\":\"id-qt-unotice\",\"Value\":\"Do What Thou Wilt\"}]}]},"
"  \"wl\":{\"usages\":[\"signing\"],\"expiry\":\"1h\","
"   \"name_whitelist\":\"\\\\.example\\\\.com$\"},"
"  \"csrwl\":{\"usages\":[\"signing\"],\"expiry\":\"1h\","
"   \"CSRWhitelist\":{\"PublicKey\":true,\"IPAddresses\":true}},"
"  \"csrwl-nopk\":{\"usages\":[\"signing\"],\"expiry\":\"1h\","
"   \"CSRWhitelist\":{\"Subject\":true}},"
"  \"serials\":{\"usages\":[\"signing\"],\"expiry\":\"1h\","
"   \"ClientProvidesSerialNumbers\":true}"
" }}}";

/* The leaf request most tests sign: every SAN type, a CSR keyUsage. */
static const char leaf_json[] =
"{\"CN\":\"leaf.example.com\",\"names\":[{\"O\":\"Example\"}],"
" \"hosts\":[\"https://uri.example/x\",\"10.0.0.1\",\"user@example.com\","
"  \"leaf.example.com\"],"
" \"key\":{\"algo\":\"ecdsa\",\"size\":256},\"delegation_enabled\":true,"
" \"extensions\":["
"  {\"Id\":[1,2,3,4,5],\"Critical\":false,\"Value\":\"BAJoaQ==\"},"
"  {\"Id\":[2,5,29,15],\"Critical\":true,\"Value\":\"AwIHgA==\"}]}";

static const struct pki_profile *
prof(const char *name)
{
	const struct pki_profile	*p = NULL;

	if (pki_config_profile(cfg, name, &p, &e) != 0)
		diag("profile %s: %s", name, e.text);
	return p;
}

static struct pki_key *
key_new(const char *algo, int size)
{
	struct pki_csr	 c;
	struct pki_key	*k = NULL;
	char		 a[16];

	memset(&c, 0, sizeof(c));
	snprintf(a, sizeof(a), "%s", algo);
	c.key_algo = a;
	c.key_size = size;
	if (pki_key_generate(&c, &k, &e) != 0)
		diag("keygen %s-%d: %s", algo, size, e.text);
	return k;
}

static struct pki_csr *
csr_json(const char *json, int subject_only)
{
	struct pki_csr	*c = NULL;

	if (pki_csr_parse(json, strlen(json), "t.json", subject_only, NULL,
	    &c, &e) != 0)
		diag("csr: %s", e.text);
	return c;
}

static struct pki_req *
req_json(const char *json, const struct pki_key *k)
{
	struct pki_csr	*c;
	struct pki_req	*r = NULL;

	if ((c = csr_json(json, 0)) == NULL)
		return NULL;
	if (pki_req_new(c, k, &r, &e) != 0)
		diag("req: %s", e.text);
	pki_csr_free(c);
	return r;
}

/* A request with a hand-made subject and no extensions. */
static struct pki_req *
req_raw(const struct pki_key *k, X509_NAME *name)
{
	struct pki_req	*r;
	const EVP_MD	*md = NULL;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->req = X509_REQ_new()) == NULL ||
	    X509_REQ_set_subject_name(r->req, name) != 1 ||
	    X509_REQ_set_pubkey(r->req, k->pkey) != 1 ||
	    pki_key_sig_md(k->pkey, &md, &e) != 0 ||
	    X509_REQ_sign(r->req, k->pkey, md) <= 0)
		diag("req_raw failed");
	return r;
}

static struct pki_cert *
sign_at(const struct pki_req *req, const struct pki_profile *p,
    const struct pki_cert *ca, const struct pki_key *cakey, time_t sec,
    long nsec)
{
	struct pki_sign_request	 sr;
	struct pki_cert		*c = NULL;

	memset(&sr, 0, sizeof(sr));
	memset(&e, 0, sizeof(e));
	sr.req = req;
	sr.profile = p;
	sr.now_sec = sec;
	sr.now_nsec = nsec;
	if ((last_rc = pki_cert_sign(&sr, ca, cakey, &c, &e)) != 0)
		diag("sign: %s", e.text);
	return c;
}

static struct pki_cert *
sign(const struct pki_req *req, const char *pname,
    const struct pki_cert *ca, const struct pki_key *cakey)
{
	return sign_at(req, prof(pname), ca, cakey, T1200, 0);
}

/* "oid[!],oid[!],..." (! = critical) for every extension, in order. */
static const char *
ext_list(const struct pki_cert *c)
{
	static char		 buf[1024];
	X509_EXTENSION		*ext;
	char			 oid[80];
	size_t			 o = 0;
	int			 i;

	buf[0] = '\0';
	if (c == NULL)
		return "(no certificate)";
	for (i = 0; i < X509_get_ext_count(c->x509); i++) {
		ext = X509_get_ext(c->x509, i);
		OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(ext),
		    1);
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s%s",
		    i > 0 ? "," : "", oid,
		    X509_EXTENSION_get_critical(ext) ? "!" : "");
	}
	return buf;
}

static const char *
hex(const unsigned char *p, size_t n)
{
	static char	buf[4096];
	size_t		i;

	buf[0] = '\0';
	for (i = 0; i < n && i * 2 + 2 < sizeof(buf); i++)
		snprintf(buf + i * 2, 3, "%02x", p[i]);
	return buf;
}

/* The value of the extension with that OID as hex, or "(none)". */
static const char *
ext_hex(const struct pki_cert *c, const char *oidtxt)
{
	ASN1_OBJECT		*obj;
	X509_EXTENSION		*ext;
	const ASN1_OCTET_STRING	*v;
	int			 i;

	if (c == NULL)
		return "(no certificate)";
	obj = OBJ_txt2obj(oidtxt, 1);
	i = X509_get_ext_by_OBJ(c->x509, obj, -1);
	ASN1_OBJECT_free(obj);
	if (i < 0)
		return "(none)";
	ext = X509_get_ext(c->x509, i);
	v = X509_EXTENSION_get_data(ext);
	return hex(ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v));
}

/* "U:YYMMDDHHMMSSZ" or "G:YYYYMMDDHHMMSSZ". */
static const char *
tstr(const ASN1_TIME *t)
{
	static char	buf[2][64];
	static int	k;

	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "%c:%.*s",
	    ASN1_STRING_type(t) == V_ASN1_UTCTIME ? 'U' : 'G',
	    ASN1_STRING_length(t), (const char *)ASN1_STRING_get0_data(t));
	return buf[k];
}

static const char *
nb(const struct pki_cert *c)
{
	return c != NULL ? tstr(X509_get0_notBefore(c->x509)) : "(none)";
}

static const char *
na(const struct pki_cert *c)
{
	return c != NULL ? tstr(X509_get0_notAfter(c->x509)) : "(none)";
}

static const char *
subject(const struct pki_cert *c)
{
	static char	buf[512];

	if (c == NULL)
		return "(no certificate)";
	X509_NAME_oneline(X509_get_subject_name(c->x509), buf, sizeof(buf));
	return buf;
}

/* Content bytes of the serial INTEGER; *topbit: its first bit is set. */
static size_t
serial_len(const struct pki_cert *c, int *topbit)
{
	const ASN1_INTEGER	*s = X509_get0_serialNumber(c->x509);
	unsigned char		*der = NULL;
	int			 n;
	size_t			 len;

	n = i2d_ASN1_INTEGER(s, &der);
	/* 02 LL content (serials here are short enough for one length). */
	len = n > 2 ? (size_t)der[1] : 0;
	*topbit = n > 2 ? (der[2] & 0x80) != 0 : 1;
	OPENSSL_free(der);
	return len;
}

static int
check_ski(const struct pki_cert *c)
{
	const ASN1_OCTET_STRING	*ski;
	const unsigned char	*pk;
	unsigned char		 md[20];
	unsigned int		 mdlen = 0;
	int			 pklen;

	ski = X509_get0_subject_key_id(c->x509);
	if (ski == NULL || ASN1_STRING_length(ski) != 20)
		return 0;
	if (X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL,
	    X509_get_X509_PUBKEY(c->x509)) != 1 ||
	    EVP_Digest(pk, (size_t)pklen, md, &mdlen, EVP_sha1(), NULL) != 1)
		return 0;
	return memcmp(md, ASN1_STRING_get0_data(ski), 20) == 0;
}

static int
contains(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

static void
t_validity(const struct pki_req *req, const struct pki_cert *ca,
    const struct pki_key *cakey)
{
	struct pki_cert	*c;

	c = sign_at(req, prof("server"), ca, cakey, T1200 + 29, 900000000);
	is_str(nb(c), "U:261124115500Z", "12:00:29.9 rounds down: notBefore "
	    "12:00 - 5m");
	is_str(na(c), "U:261124125500Z", "notAfter = notBefore + expiry");
	pki_cert_free(c);
	c = sign_at(req, prof("server"), ca, cakey, T1200 + 30, 0);
	is_str(nb(c), "U:261124115600Z", "12:00:30 rounds up: 12:01 - 5m");
	is_str(na(c), "U:261124125600Z", "expiry counted from the backdated "
	    "notBefore");
	pki_cert_free(c);
	c = sign_at(req, prof("backdate"), ca, cakey, T1200 + 30, 0);
	is_str(nb(c), "U:261124110100Z", "profile backdate 1h");
	is_str(na(c), "U:261125110100Z", "expiry 24h from the backdated "
	    "start");
	pki_cert_free(c);
	/* The policy: a backdate over a tenth of the expiry is cut. */
	c = sign_at(req, prof("cut"), ca, cakey, T1200 + 30, 0);
	is_str(nb(c), "U:261124115430Z", "backdate 1h, expiry 1h: cut to 6m, "
	    "from now unrounded (12:00:30 - 6m)");
	is_str(na(c), "U:261124125430Z", "backdate cut: expiry 1h from that "
	    "start");
	pki_cert_free(c);
	c = sign_at(req, prof("frac"), ca, cakey, T1200 + 30, 0);
	is_str(nb(c), "U:261124120058Z", "backdate 1.5s: 12:00:58.5 "
	    "truncated");
	is_str(na(c), "U:261124120118Z", "expiry 20s: 12:01:18.5 truncated");
	pki_cert_free(c);
	c = sign_at(req, prof("fixed"), ca, cakey, T1200 + 30, 0);
	is_str(nb(c), "U:300102030405Z", "profile not_before");
	is_str(na(c), "U:310102030405Z", "profile not_after");
	pki_cert_free(c);
	c = sign_at(req, prof("long"), ca, cakey, T1200 + 30, 0);
	is_str(nb(c), "U:261124115600Z", "long expiry: notBefore UTCTime");
	is_str(na(c), "G:20610213115600Z", "notAfter in 2061 is "
	    "GeneralizedTime");
	pki_cert_free(c);
}

static void
t_pathlen(const struct pki_key *k, const struct pki_cert *ca,
    const struct pki_key *cakey)
{
	struct pki_req	*r, *rca1, *rca0;
	struct pki_cert	*c, *i0z, *i1;
	struct pki_csr	*back = NULL;
	int64_t		 v;

	r = req_json("{\"CN\":\"Inter\",\"key\":{\"algo\":\"ecdsa\","
	    "\"size\":256}}", k);
	c = sign(r, "ca-pl0", ca, cakey);
	is_str(ext_hex(c, "2.5.29.19"), "30030101ff", "max_path_len 0 without "
	    "max_path_len_zero: no pathLen");
	ok(c != NULL && pki_cert_to_csr(c, 1, &back, &v, &e) == 0 &&
	    back->ca_pathlen == 0 && !back->ca_pathlenzero,
	    "pki_cert_to_csr: no pathLen");
	pki_csr_free(back);
	back = NULL;
	pki_cert_free(c);
	i0z = sign(r, "ca-pl0z", ca, cakey);
	is_str(ext_hex(i0z, "2.5.29.19"), "30060101ff020100",
	    "max_path_len_zero: pathLen 0");
	ok(i0z != NULL && pki_cert_to_csr(i0z, 1, &back, &v, &e) == 0 &&
	    back->ca_pathlen == 0 && back->ca_pathlenzero,
	    "pki_cert_to_csr: pathlen 0 and pathlenzero");
	pki_csr_free(back);
	back = NULL;
	i1 = sign(r, "ca-pl1", ca, cakey);
	is_str(ext_hex(i1, "2.5.29.19"), "30060101ff020101",
	    "max_path_len 1");
	ok(i1 != NULL && pki_cert_to_csr(i1, 1, &back, &v, &e) == 0 &&
	    back->ca_pathlen == 1 && !back->ca_pathlenzero &&
	    v == 8760 * PKI_NS_PER_HOUR && back->has_ca_expiry &&
	    back->ca_expiry == v, "pki_cert_to_csr: pathlen 1, expiry 8760h");
	pki_csr_free(back);
	back = NULL;

	/* Requests asking for a CA certificate. */
	rca1 = req_json("{\"CN\":\"Sub1\",\"key\":{\"algo\":\"ecdsa\","
	    "\"size\":256},\"ca\":{\"pathlen\":1}}", k);
	rca0 = req_json("{\"CN\":\"Sub0\",\"key\":{\"algo\":\"ecdsa\","
	    "\"size\":256},\"ca\":{\"pathlen\":0,\"pathlenzero\":true}}", k);
	c = sign(rca1, "server", ca, cakey);
	ok(c == NULL && last_rc == PKI_ERR_POLICY &&
	    contains(e.text, "policy disallows issuing CA certificate"),
	    "CSR asking for CA under a non-CA profile is refused");
	pki_cert_free(c);
	c = sign(rca1, "ca", i1, k);
	ok(c == NULL && last_rc == PKI_ERR_POLICY &&
	    contains(e.text, "MaxPathLen extending"),
	    "requested pathlen 1 under an issuer with pathlen 1 is refused");
	pki_cert_free(c);
	c = sign(rca0, "ca", i1, k);
	ok(c != NULL, "requested pathlen 0 under an issuer with pathlen 1");
	is_str(ext_hex(c, "2.5.29.19"), "30030101ff", "the profile, not the "
	    "CSR, decides the pathLen");
	pki_cert_free(c);
	c = sign(rca0, "ca", i0z, k);
	ok(c == NULL && last_rc == PKI_ERR_POLICY &&
	    contains(e.text, "disallows issuing CA certificate"),
	    "an issuer with pathlen 0 refuses CA requests");
	pki_cert_free(c);
	c = sign(r, "ca", i0z, k);
	ok(c != NULL, "an issuer with pathlen 0 signs a plain request under "
	    "a CA profile (as cfssl)");
	pki_cert_free(c);

	pki_cert_free(i0z);
	pki_cert_free(i1);
	pki_req_free(r);
	pki_req_free(rca1);
	pki_req_free(rca0);
}

static void
t_sigalg(const struct pki_req *req)
{
	static const struct {
		const char	*algo;
		int		 size;
		int		 nid;
	} t[] = {
		{ "rsa", 2048, NID_sha256WithRSAEncryption },
		{ "ecdsa", 384, NID_ecdsa_with_SHA384 },
		{ "ed25519", 0, NID_ED25519 },
	};
	struct pki_key	*k;
	struct pki_req	*r;
	struct pki_cert	*ca, *c;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		k = key_new(t[i].algo, t[i].size);
		r = req_json("{\"CN\":\"Algo CA\",\"key\":{}}", k);
		ca = sign(r, "ca", NULL, k);
		c = sign(req, "server", ca, k);
		ok(ca != NULL && X509_get_signature_nid(ca->x509) == t[i].nid,
		    "%s CA self-signs with %s", t[i].algo, OBJ_nid2sn(t[i].nid));
		ok(c != NULL && X509_get_signature_nid(c->x509) == t[i].nid,
		    "%s issuer signs with %s", t[i].algo, OBJ_nid2sn(t[i].nid));
		ok(c != NULL && X509_verify(c->x509,
		    X509_get0_pubkey(ca->x509)) == 1, "signature verifies");
		pki_cert_free(c);
		pki_cert_free(ca);
		pki_req_free(r);
		pki_key_free(k);
	}
}

static void
t_selfsign(const struct pki_key *k, const struct pki_req *req)
{
	struct pki_sign_request	 sr;
	struct pki_cert		*c = NULL;
	struct pki_key		*other;
	int			 top, i, rc;
	size_t			 max = 0, n;

	memset(&sr, 0, sizeof(sr));
	sr.req = req;
	sr.profile = prof("server");
	sr.now_sec = T1200 + 29;
	sr.now_nsec = 900000000;
	rc = pki_cert_selfsign(&sr, k, &c, &e);
	ok(rc == 0, "selfsign: %s", rc == 0 ? "ok" : e.text);
	is_str(nb(c), "U:261124115529Z", "selfsign notBefore = now - 5m, not "
	    "rounded");
	is_str(na(c), "U:261124130029Z", "selfsign notAfter = now + expiry");
	is_str(ext_list(c), "2.5.29.37,2.5.29.19!,2.5.29.14,2.5.29.17,"
	    "1.3.6.1.4.1.44363.44,1.2.3.4.5,2.5.29.15!", "selfsign: Go's own "
	    "(no AKI), then every CSR extension; the CSR's keyUsage replaces "
	    "Go's");
	is_str(ext_hex(c, "2.5.29.15"), "03020780", "selfsign: the CSR's "
	    "keyUsage value");
	pki_cert_free(c);
	c = NULL;
	for (i = 0; i < 8; i++) {
		if (pki_cert_selfsign(&sr, k, &c, &e) != 0)
			break;
		n = serial_len(c, &top);
		if (n > max)
			max = n;
		if (top)
			max = 99;
		pki_cert_free(c);
		c = NULL;
	}
	ok(max > 0 && max <= 8, "selfsign serials have at most 8 bytes, "
	    "positive (got %zu)", max);
	other = key_new("ecdsa", 256);
	rc = pki_cert_selfsign(&sr, other, &c, &e);
	is_int(rc, PKI_ERR_MISMATCH, "selfsign with another key: mismatch");
	pki_cert_free(c);
	pki_key_free(other);
}

/* A self-signed root: CA profile, only IP SANs, no AKI. */
static struct pki_cert *
t_ca(struct pki_key *cakey)
{
	struct pki_req	*r;
	struct pki_cert	*ca;
	struct pki_csr	*back = NULL;
	int64_t		 v;

	r = req_json("{\"CN\":\"Test CA\",\"names\":[{\"C\":\"US\","
	    "\"ST\":\"CA\",\"O\":\"Org\",\"OU\":\"Unit\"},{\"O\":\"Org2\"}],"
	    "\"hosts\":[\"ca.example.com\",\"192.0.2.1\"],"
	    "\"key\":{\"algo\":\"ecdsa\",\"size\":256}}", cakey);
	ca = sign(r, "ca", NULL, cakey);
	ok(ca != NULL, "self-signed CA");
	is_str(ext_list(ca), "2.5.29.15!,2.5.29.19!,2.5.29.14,2.5.29.17",
	    "CA extensions: KU, BC, SKI, SAN; no EKU, no AKI");
	is_str(ext_hex(ca, "2.5.29.15"), "03020106", "CA keyUsage: cert sign "
	    "+ crl sign");
	is_str(ext_hex(ca, "2.5.29.19"), "30030101ff", "CA basicConstraints");
	is_str(ext_hex(ca, "2.5.29.17"), "30068704c0000201", "a CA keeps only "
	    "its IP SANs");
	ok(ca != NULL && X509_check_issued(ca->x509, ca->x509) == X509_V_OK,
	    "issuer = subject");
	ok(ca != NULL && pki_cert_is_ca(ca) && pki_cert_has_san(ca) &&
	    pki_cert_matches_key(ca, cakey), "is_ca, has_san, matches_key");
	ok(ca != NULL && pki_cert_to_csr(ca, 1, &back, &v, &e) == 0,
	    "pki_cert_to_csr on the CA");
	if (back != NULL) {
		is_str(back->cn, "Test CA", "to_csr: CN");
		is_int((long long)back->nnames, 2, "to_csr: one names entry "
		    "per value position");
		is_str(back->names[0].c, "US", "to_csr: names[0].C");
		is_str(back->names[0].o, "Org", "to_csr: names[0].O");
		is_str(back->names[1].o, "Org2", "to_csr: names[1].O");
		ok(back->hosts.n == 1 && strcmp(back->hosts.v[0],
		    "192.0.2.1") == 0, "to_csr: hosts");
		ok(back->has_ca && back->ca_pathlen == 0 &&
		    !back->ca_pathlenzero && v == 87600 * PKI_NS_PER_HOUR,
		    "to_csr: CA section, validity 87600h");
		is_str(back->key_algo, "ecdsa", "to_csr: key algo");
		is_int(back->key_size, 256, "to_csr: key size");
		{
			struct pki_subject	 subj;
			X509_NAME		*n2 = NULL;

			memset(&subj, 0, sizeof(subj));
			ok(pki_subject_from_csr(back, &subj, &e) == 0 &&
			    pki_subject_to_name(&subj, &n2, &e) == 0 &&
			    X509_NAME_cmp(n2, X509_get_subject_name(
			    ca->x509)) == 0, "to_csr: the subject re-encodes "
			    "to the same DER");
			X509_NAME_free(n2);
			pki_subject_clear(&subj);
		}
		pki_csr_free(back);
	}
	pki_req_free(r);
	return ca;
}

/* The leaf: extensions, identifiers, serials, certinfo, load errors. */
static void
t_leaf(struct pki_req *req, struct pki_key *k, struct pki_cert *ca,
    struct pki_key *cakey)
{
	struct pki_cert		*c, *c2;
	struct pki_csr		*back = NULL;
	const ASN1_OCTET_STRING	*ski, *aki;
	const char		*badpem = "-----BEGIN CERTIFICATE-----\n"
				    "MAMCAQE=\n-----END CERTIFICATE-----\n";
	char			*s, *s2;
	size_t			 len, max;
	int64_t			 v;
	int			 i, top, rc;

	c = sign(req, "server", ca, cakey);
	ok(c != NULL, "leaf signed");
	is_str(ext_list(c), "2.5.29.15!,2.5.29.37,2.5.29.19!,2.5.29.14,"
	    "2.5.29.35,2.5.29.17,1.3.6.1.4.1.44363.44", "leaf extension order; "
	    "DelegationUsage always copied, nothing else without "
	    "copy_extensions");
	is_str(ext_hex(c, "2.5.29.19"), "3000", "leaf basicConstraints is "
	    "30 00");
	is_str(ext_hex(c, "2.5.29.15"), "030205a0", "KU signing + key "
	    "encipherment is 03 02 05 a0");
	is_str(ext_hex(c, "2.5.29.37"), "300a06082b06010505070301",
	    "EKU server auth");
	is_str(ext_hex(c, "1.3.6.1.4.1.44363.44"), "0500", "DelegationUsage "
	    "value");
	is_str(ext_hex(c, "2.5.29.17"), "30418210"
	    "6c6561662e6578616d706c652e636f6d"
	    "8110" "75736572406578616d706c652e636f6d"
	    "87040a000001"
	    "8615" "68747470733a2f2f7572692e6578616d706c652f78",
	    "SAN in Go's order: DNS, email, IP, URI");
	ok(c != NULL && check_ski(c), "SKI is the SHA-1 of the public key");
	ski = X509_get0_subject_key_id(ca->x509);
	aki = c != NULL ? X509_get0_authority_key_id(c->x509) : NULL;
	ok(ski != NULL && aki != NULL && ASN1_STRING_cmp(ski, aki) == 0,
	    "AKI keyid = issuer SKI");
	is_str(subject(c), "/O=Example/CN=leaf.example.com", "leaf subject");
	ok(c != NULL && X509_verify(c->x509, X509_get0_pubkey(ca->x509)) == 1,
	    "leaf signature verifies with the CA key");
	ok(c != NULL && X509_get_version(c->x509) == X509_VERSION_3,
	    "version 3");
	ok(c != NULL && X509_NAME_cmp(X509_get_issuer_name(c->x509),
	    X509_get_subject_name(ca->x509)) == 0, "issuer = CA subject");
	ok(c != NULL && !pki_cert_is_ca(c) && pki_cert_has_san(c) &&
	    pki_cert_matches_key(c, k) && !pki_cert_matches_key(c, cakey),
	    "leaf: not CA, has SAN, matches its key only");
	rc = c != NULL ? pki_cert_to_csr(c, 1, &back, &v, &e) : -1;
	ok(rc == PKI_ERR_INPUT && contains(e.text, "not a CA cert"),
	    "pki_cert_to_csr refuses a leaf");
	pki_csr_free(back);
	back = NULL;
	rc = c != NULL ? pki_cert_to_csr(c, 0, &back, &v, &e) : -1;
	ok(rc == 0 && back != NULL && !back->has_ca && back->hosts.n > 0,
	    "pki_cert_to_csr of a leaf without ca_only: no ca section, hosts");
	pki_csr_free(back);
	back = NULL;

	/* Serials: positive, at most 20 bytes, top bit clear. */
	max = 0;
	for (i = 0; i < 8; i++) {
		c2 = sign(req, "server", ca, cakey);
		if (c2 == NULL)
			break;
		len = serial_len(c2, &top);
		if (len > max)
			max = len;
		if (top)
			max = 99;
		pki_cert_free(c2);
	}
	ok(max >= 17 && max <= 20, "serials: positive, <= 20 bytes (max %zu)",
	    max);
	if (c != NULL && pki_cert_serial(c, &s, &e) == 0) {
		BIGNUM	*bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(
			    c->x509), NULL);
		char	*d = BN_bn2dec(bn);

		is_str(s, d, "pki_cert_serial is the decimal serial");
		OPENSSL_free(d);
		BN_free(bn);
		free(s);
	} else
		ok(0, "pki_cert_serial");

	/* certinfo of the leaf: sans are DNS names then IPs. */
	s = NULL;
	ok(c != NULL && pki_cert_info_json(c, &s, &e) == 0 &&
	    contains(s, "\n  \"sans\": [\n    \"leaf.example.com\",\n    "
	    "\"10.0.0.1\"\n  ],\n  \"not_before\": \"2026-11-24T11:55:00Z\","
	    "\n  \"not_after\": \"2026-11-24T12:55:00Z\",\n  \"sigalg\": "
	    "\"ECDSAWithSHA256\",\n"), "certinfo: sans, times, sigalg");
	free(s);

	/* Encode / load round trip; load errors. */
	s = NULL;
	c2 = NULL;
	ok(c != NULL && pki_cert_encode(c, &s, &len, &e) == 0 &&
	    len == strlen(s) && pki_cert_load(s, len, "leaf.pem", &c2, &e) == 0 &&
	    X509_cmp(c->x509, c2->x509) == 0, "encode + load round trip");
	pki_cert_free(c2);
	c2 = NULL;
	if (s != NULL) {
		/* A non-certificate block first is skipped. */
		s2 = malloc(len + 64);
		snprintf(s2, len + 64, "-----BEGIN FOO-----\nAAAA\n"
		    "-----END FOO-----\n%s", s);
		ok(pki_cert_load(s2, strlen(s2), "two.pem", &c2, &e) == 0,
		    "load skips a leading non-CERTIFICATE block");
		pki_cert_free(c2);
		c2 = NULL;
		free(s2);
	}
	free(s);
	rc = pki_cert_load("hello\n", 6, "x.pem", &c2, &e);
	ok(rc == PKI_ERR_PEM && strcmp(e.text,
	    "x.pem: no PEM-encoded certificate found") == 0 && c2 == NULL,
	    "no PEM block: %s", e.text);
	rc = pki_cert_load(badpem, strlen(badpem), "bad.pem", &c2, &e);
	ok(rc == PKI_ERR_PEM && contains(e.text, "bad.pem: cannot parse "
	    "certificate") && c2 == NULL, "bad DER: %s", e.text);
	pki_cert_free(c);
}

/* The optional extensions, crl_override, EKU order. */
static void
t_extensions(struct pki_req *req, struct pki_cert *ca, struct pki_key *cakey)
{
	struct pki_sign_request	 sr;
	struct pki_cert		*c;
	int			 rc;

	/* All the optional extensions, in order. */
	c = sign(req, "full", ca, cakey);
	is_str(ext_list(c), "2.5.29.15!,2.5.29.37,2.5.29.19!,2.5.29.14,"
	    "2.5.29.35,1.3.6.1.5.5.7.1.1,2.5.29.17,2.5.29.31,"
	    "1.3.6.1.4.1.44363.44,1.2.3.4.5,2.5.29.32,1.3.6.1.5.5.7.48.1.5",
	    "full profile: Go's extensions, then the extras");
	is_str(ext_hex(c, "2.5.29.15"), "030205a0", "copy_extensions does not "
	    "copy the CSR's keyUsage");
	is_str(ext_hex(c, "1.2.3.4.5"), "04026869", "copy_extensions copies a "
	    "custom extension verbatim");
	is_str(ext_hex(c, "1.3.6.1.5.5.7.1.1"), "3047"
	    "301f06082b060105050730018613687474703a2f2f6f6373702e6578616d706c65"
	    "302406082b060105050730028618"
	    "687474703a2f2f63612e6578616d706c652f63612e637274",
	    "AIA: OCSP first, then caIssuers");
	is_str(ext_hex(c, "2.5.29.31"), "3021301fa01da01b8619"
	    "687474703a2f2f63726c2e6578616d706c652f63612e63726c",
	    "CRL distribution point");
	is_str(ext_hex(c, "2.5.29.32"), "304e304c06032a03043045302206082b0601"
	    "0505070201161668747470"
	    "3a2f2f6578616d706c652e636f6d2f637073301f06082b0601050507020230"
	    "130c11446f20576861742054686f752057696c74",
	    "certificatePolicies DER as cfssl's test vector");
	is_str(ext_hex(c, "1.3.6.1.5.5.7.48.1.5"), "0500", "OCSP no-check");
	pki_cert_free(c);

	/* crl_override wins over the profile's crl_url. */
	memset(&sr, 0, sizeof(sr));
	sr.req = req;
	sr.profile = prof("full");
	sr.crl_override = "http://other/x.crl";
	c = NULL;
	rc = pki_cert_sign(&sr, ca, cakey, &c, &e);
	is_str(ext_hex(c, "2.5.29.31"), "301a3018a016a0148612"
	    "687474703a2f2f6f746865722f782e63726c", "crl_override");
	pki_cert_free(c);

	/* EKU in profile order, duplicates kept. */
	c = sign(req, "eku", ca, cakey);
	is_str(ext_hex(c, "2.5.29.37"), "302806082b0601050507030106082b060105"
	    "0507030206082b0601050507030406082b06010505070304",
	    "EKU order with duplicates");
	is_str(ext_list(c), "2.5.29.37,2.5.29.19!,2.5.29.14,2.5.29.35,"
	    "2.5.29.17,1.3.6.1.4.1.44363.44", "no keyUsage when the profile "
	    "has none");
	pki_cert_free(c);
	(void)rc;
}

/* -hostname, the SUBJECT override, Go's subject order, no subject. */
static void
t_names(struct pki_req *req, struct pki_key *k, struct pki_cert *ca,
    struct pki_key *cakey)
{
	struct pki_sign_request	 sr;
	struct pki_req		*r;
	struct pki_cert		*c;
	struct pki_csr		*sub;
	X509_NAME		*xn;
	const char		*hosts[] = { "override.example.com",
				    "10.1.2.3" };
	int			 rc;

	/* -hostname: replaces the CSR's SANs, or removes them. */
	memset(&sr, 0, sizeof(sr));
	sr.req = req;
	sr.profile = prof("server");
	sr.hosts = hosts;
	sr.nhosts = 2;
	sr.hosts_set = 1;
	c = NULL;
	rc = pki_cert_sign(&sr, ca, cakey, &c, &e);
	is_str(ext_hex(c, "2.5.29.17"), "301c82146f766572726964652e6578616d70"
	    "6c652e636f6d87040a010203", "hosts override the CSR's SANs");
	pki_cert_free(c);
	sr.nhosts = 0;
	c = NULL;
	rc = pki_cert_sign(&sr, ca, cakey, &c, &e);
	is_str(ext_hex(c, "2.5.29.17"), "(none)", "empty hosts override: no "
	    "SAN");
	pki_cert_free(c);

	/* The sign SUBJECT override. */
	sub = csr_json("{\"CN\":\"override\",\"names\":[{\"OU\":\"Unit\"}]}",
	    1);
	memset(&sr, 0, sizeof(sr));
	sr.req = req;
	sr.profile = prof("server");
	sr.subject = sub;
	c = NULL;
	rc = pki_cert_sign(&sr, ca, cakey, &c, &e);
	is_str(subject(c), "/O=Example/OU=Unit/CN=override", "subject "
	    "override: CN and OU replaced, O kept");
	pki_cert_free(c);
	pki_csr_free(sub);

	/* An out-of-order request subject is re-encoded in Go's order. */
	xn = X509_NAME_new();
	X509_NAME_add_entry_by_txt(xn, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"x.example.com", -1, -1, 0);
	X509_NAME_add_entry_by_txt(xn, "O", MBSTRING_UTF8,
	    (const unsigned char *)"Org", -1, -1, 0);
	r = req_raw(k, xn);
	X509_NAME_free(xn);
	c = sign(r, "server", ca, cakey);
	is_str(subject(c), "/O=Org/CN=x.example.com", "subject re-encoded: O "
	    "before CN");
	pki_cert_free(c);
	pki_req_free(r);

	/* An empty subject makes the SAN critical. */
	r = req_json("{\"hosts\":[\"x.example.com\"],\"key\":{}}", k);
	c = sign(r, "server", ca, cakey);
	is_str(ext_list(c), "2.5.29.15!,2.5.29.37,2.5.29.19!,2.5.29.14,"
	    "2.5.29.35,2.5.29.17!", "empty subject: critical SAN");
	pki_cert_free(c);
	pki_req_free(r);
	(void)rc;
}

/* name_whitelist, CSRWhitelist, pathLen and the other refusals. */
static void
t_refusals(struct pki_req *req, struct pki_key *k, struct pki_cert *ca,
    struct pki_key *cakey)
{
	struct pki_req		*r;
	struct pki_cert		*c;
	struct pki_key		*k2;
	struct pki_profile	 hp;
	char			 rem[] = "remote", pn[] = "hand";

	/* name_whitelist. */
	r = req_json("{\"CN\":\"ok.example.com\",\"hosts\":[\"a.example.com\","
	    "\"10.0.0.1\"],\"key\":{}}", k);
	c = sign(r, "wl", ca, cakey);
	ok(c != NULL, "name_whitelist: matching CN and DNS names");
	pki_cert_free(c);
	pki_req_free(r);
	r = req_json("{\"CN\":\"ok.example.com\",\"hosts\":[\"a.example.org\"],"
	    "\"key\":{}}", k);
	c = sign(r, "wl", ca, cakey);
	ok(c == NULL && last_rc == PKI_ERR_POLICY && strcmp(e.text,
	    "name \"a.example.org\" does not match the profile's "
	    "name_whitelist") == 0, "name_whitelist refusal: %s", e.text);
	pki_cert_free(c);
	pki_req_free(r);

	/* A leaf request with a pathLen fails as in Go. */
	r = req_json("{\"CN\":\"x\",\"key\":{},\"extensions\":[{\"Id\":"
	    "[2,5,29,19],\"Critical\":true,\"Value\":\"MAMCAQI=\"}]}", k);
	c = sign(r, "server", ca, cakey);
	ok(c == NULL && last_rc == PKI_ERR_INPUT && contains(e.text,
	    "only CAs are allowed to specify MaxPathLen"),
	    "CA:FALSE with a pathLen is refused");
	pki_cert_free(c);
	pki_req_free(r);

	/* CSRWhitelist. */
	c = sign(req, "csrwl", ca, cakey);
	is_str(subject(c), "", "CSRWhitelist without Subject: empty subject");
	is_str(ext_list(c), "2.5.29.15!,2.5.29.19!,2.5.29.14,2.5.29.35,"
	    "2.5.29.17!", "CSRWhitelist: no CSR extensions, critical SAN");
	is_str(ext_hex(c, "2.5.29.17"), "30068704" "0a000001",
	    "CSRWhitelist: only the IP SAN");
	pki_cert_free(c);
	c = sign(req, "csrwl-nopk", ca, cakey);
	ok(c == NULL && last_rc == PKI_ERR_CONFIG && contains(e.text,
	    "CSRWhitelist without PublicKey cannot sign"),
	    "CSRWhitelist without PublicKey");
	pki_cert_free(c);

	/* Other refusals. */
	c = sign(req, "serials", ca, cakey);
	is_int(last_rc, PKI_ERR_UNSUPPORTED, "ClientProvidesSerialNumbers");
	pki_cert_free(c);
	k2 = key_new("ecdsa", 256);
	c = sign(req, "server", ca, k2);
	ok(c == NULL && last_rc == PKI_ERR_MISMATCH && strcmp(e.text,
	    "CA key does not match CA certificate") == 0,
	    "CA key mismatch: %s", e.text);
	pki_cert_free(c);
	c = sign(req, "server", NULL, k);
	is_int(last_rc, PKI_ERR_POLICY, "self-signing needs a CA profile");
	pki_cert_free(c);
	c = sign(req, "ca", NULL, k2);
	is_int(last_rc, PKI_ERR_MISMATCH, "self-signing with a foreign key");
	pki_cert_free(c);
	pki_key_free(k2);
	memset(&hp, 0, sizeof(hp));
	hp.name = pn;
	hp.expiry = PKI_NS_PER_HOUR;
	c = sign_at(req, &hp, ca, cakey, T1200, 0);
	ok(c == NULL && last_rc == PKI_ERR_POLICY && contains(e.text,
	    "no key usage available"), "a profile without usages");
	pki_cert_free(c);
	hp.ku = KU_DIGITAL_SIGNATURE;
	hp.remote = rem;
	c = sign_at(req, &hp, ca, cakey, T1200, 0);
	ok(c == NULL && last_rc == PKI_ERR_UNSUPPORTED && contains(e.text,
	    "remote signing is not implemented"), "a remote profile");
	pki_cert_free(c);
}

/* certinfo of a known certificate (cfssl's initca test data). */
static void
t_certinfo_fixture(void)
{
	struct pki_cert	*c;
	const char	*end = "-----END CERTIFICATE-----\\n\"\n}";
	char		*s, *s2, *path;
	size_t		 len;

	path = strdup(tap_srcpath(
	    "../shared/fixtures/cfssl/initca/testdata/5min-ecdsa.pem"));
	s = tap_slurp(path, &len);
	if (s == NULL)
		skip("fixture %s not found", path);
	else {
		c = NULL;
		s2 = NULL;
		ok(pki_cert_load(s, len, path, &c, &e) == 0 &&
		    pki_cert_info_json(c, &s2, &e) == 0, "certinfo on a "
		    "fixture");
		if (s2 != NULL) {
			static const char *const keys[] = {
				"{\n  \"subject\": {\n",
				"\n  \"issuer\": {\n",
				"\n  \"serial_number\": \"8777040194462904534\",",
				"\n  \"not_before\": \"2015-10-08T23:01:00Z\",",
				"\n  \"not_after\": \"2015-10-08T23:06:00Z\",",
				"\n  \"sigalg\": \"ECDSAWithSHA256\",",
				"\n  \"authority_key_id\": \"3A:4B:85:22:81:37:"
				"79:E3:7D:BE:9C:5D:00:9D:44:BC:C2:66:DD:19\",",
				"\n  \"subject_key_id\": \"3A:4B:85:22:81:37:"
				"79:E3:7D:BE:9C:5D:00:9D:44:BC:C2:66:DD:19\",",
				"\n  \"pem\": \"-----BEGIN CERTIFICATE-----\\n"
				"MIICUDCCAfagAwIBAgIIec5PjdpJcNYw",
			};
			const char	*prev = s2, *at;
			size_t		 j;
			int		 inorder = 1;

			for (j = 0; j < sizeof(keys) / sizeof(keys[0]); j++) {
				if ((at = strstr(s2, keys[j])) == NULL ||
				    at < prev) {
					diag("missing or out of order: %s",
					    keys[j]);
					inorder = 0;
				} else
					prev = at;
			}
			ok(inorder, "certinfo keys in order, key ids "
			    "zero-padded");
			ok(strstr(s2, "\"sans\"") == NULL, "no sans key "
			    "without SANs");
			len = strlen(s2);
			ok(len > strlen(end) &&
			    strcmp(s2 + len - strlen(end), end) == 0,
			    "ends with the PEM and \"}\", no newline");
		}
		free(s2);
		pki_cert_free(c);
		free(s);
	}
	free(path);
}

int
main(void)
{
	struct pki_key		*cakey, *k;
	struct pki_req		*req;
	struct pki_cert		*ca;

	if (pki_config_parse(config_json, strlen(config_json), "cfg.json",
	    NULL, &cfg, &e) != 0) {
		diag("config: %s", e.text);
		return 1;
	}
	cakey = key_new("ecdsa", 256);
	ca = t_ca(cakey);
	k = key_new("ecdsa", 256);
	req = req_json(leaf_json, k);
	t_leaf(req, k, ca, cakey);
	t_extensions(req, ca, cakey);
	t_names(req, k, ca, cakey);
	t_refusals(req, k, ca, cakey);
	t_validity(req, ca, cakey);
	t_pathlen(k, ca, cakey);
	t_sigalg(req);
	t_selfsign(k, req);
	t_certinfo_fixture();

	pki_req_free(req);
	pki_key_free(k);
	pki_cert_free(ca);
	pki_key_free(cakey);
	pki_config_free(cfg);
	return done_testing();
}
