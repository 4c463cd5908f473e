/*
 * t-signcaps.c: what sign takes from a request it did not make (issue 17,
 * finding 6): pki_policy_pubkey() on each kind of key, pki_req_check() on
 * PEM requests as sign loads them, pki_cert_sign() refusing those keys
 * and holding a request's SANs to the hosts caps, a CA certificate with
 * explicit EC parameters refused as an issuer, and an explicit private
 * key refused by pki_key_load().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki.h"
#include "internal.h"
#include "tap.h"
#include "certs.h"

static const char cfgjson[] = "{\"signing\":{\"default\":{\"expiry\":"
    "\"8760h\",\"usages\":[\"signing\",\"server auth\"]}}}";

/* An EC key on group, with explicit parameters if explicit. */
static EVP_PKEY *
ec_key(const char *group, int explicit)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*k = NULL;
	OSSL_PARAM	 p[3];
	char		 g[32], enc[32];

	snprintf(g, sizeof(g), "%s", group);
	snprintf(enc, sizeof(enc), "%s", explicit ?
	    OSSL_PKEY_EC_ENCODING_EXPLICIT : OSSL_PKEY_EC_ENCODING_GROUP);
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		return NULL;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, g,
	    0);
	p[1] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING,
	    enc, 0);
	p[2] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_params(ctx, p) <= 0 ||
	    EVP_PKEY_generate(ctx, &k) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/*
 * An RSA public key of bits bits (modulus 2^bits - 1: no key pair, but
 * what sign sees of a request is its public key).
 */
static EVP_PKEY *
rsa_pub(int bits)
{
	OSSL_PARAM_BLD	*b = NULL;
	OSSL_PARAM	*p = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*k = NULL;
	BIGNUM		*n = BN_new(), *e = BN_new();

	if (n == NULL || e == NULL || BN_set_bit(n, bits) != 1 ||
	    BN_sub_word(n, 1) != 1 || BN_set_word(e, 65537) != 1 ||
	    (b = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (p = OSSL_PARAM_BLD_to_param(b)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	BN_free(n);
	BN_free(e);
	return k;
}

/*
 * A PEM request for key (signed with it when it is a key pair), CN x and
 * nsans DNS names (the first one label bytes long when label > 0), loaded
 * as sign loads it: source "x.csr".  Unsigned requests are wrapped
 * directly (pki_req_load checks the signature).
 */
static struct pki_req *
request(EVP_PKEY *key, int sign, int nsans, int label)
{
	struct pki_error	 e;
	struct pki_req		*out = NULL;
	X509_REQ		*req = X509_REQ_new();
	X509_NAME		*name = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	GENERAL_NAMES		*gens = GENERAL_NAMES_new();
	GENERAL_NAME		*g;
	ASN1_IA5STRING		*s;
	BIO			*bio = NULL;
	char			 h[300], *pem;
	long			 len;
	int			 i;

	if (req == NULL || name == NULL || exts == NULL || gens == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"x", -1, -1, 0) != 1 ||
	    X509_REQ_set_subject_name(req, name) != 1 ||
	    X509_REQ_set_pubkey(req, key) != 1)
		goto out;
	for (i = 0; i < nsans; i++) {
		if (i == 0 && label > 0)
			snprintf(h, sizeof(h), "%0*d.example.com", label, 0);
		else
			snprintf(h, sizeof(h), "h%d.example.com", i);
		if ((g = GENERAL_NAME_new()) == NULL ||
		    (s = ASN1_IA5STRING_new()) == NULL ||
		    ASN1_STRING_set(s, h, -1) != 1)
			goto out;
		GENERAL_NAME_set0_value(g, GEN_DNS, s);
		if (sk_GENERAL_NAME_push(gens, g) <= 0)
			goto out;
	}
	if (nsans > 0 && (X509V3_add1_i2d(&exts, NID_subject_alt_name, gens,
	    0, 0) != 1 || X509_REQ_add_extensions(req, exts) != 1))
		goto out;
	if (!sign) {
		if ((out = calloc(1, sizeof(*out))) != NULL) {
			out->req = req;
			out->source = strdup("x.csr");
			req = NULL;
		}
		goto out;
	}
	if (X509_REQ_sign(req, key, EVP_sha256()) <= 0 ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509_REQ(bio, req) != 1 ||
	    (len = BIO_get_mem_data(bio, &pem)) <= 0)
		goto out;
	memset(&e, 0, sizeof(e));
	if (pki_req_load(pem, (size_t)len, "x.csr", &out, &e) != 0)
		diag("pki_req_load: %s", e.text);
 out:
	BIO_free(bio);
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return out;
}

static void
test_pubkey(void)
{
	static const struct {
		const char	*what;
		int		 rsa;		/* bits, or 0: EC */
		const char	*group;
		int		 explicit;
		const char	*want;		/* NULL: accepted */
	} t[] = {
		{ "RSA-512", 512, NULL, 0, "RSA key of 512 bits, fewer than "
		    "2048: it can be factored" },
		{ "RSA-1024", 1024, NULL, 0, "RSA key of 1024 bits, fewer "
		    "than 2048: it can be factored" },
		{ "RSA-2047", 2047, NULL, 0, "RSA key of 2047 bits, fewer "
		    "than 2048: it can be factored" },
		{ "RSA-2048", 2048, NULL, 0, NULL },
		{ "RSA-8192", 8192, NULL, 0, NULL },
		{ "RSA-8193", 8193, NULL, 0, "RSA key of 8193 bits, more than "
		    "8192: Go's TLS (etcd) refuses it" },
		{ "P-256", 0, "P-256", 0, NULL },
		{ "P-384", 0, "P-384", 0, NULL },
		{ "P-521", 0, "P-521", 0, NULL },
		{ "P-256, explicit", 0, "P-256", 1, "EC key with explicit "
		    "curve parameters (RFC 5480 allows a named curve only; Go "
		    "cannot parse it)" },
		{ "P-384, explicit", 0, "P-384", 1, "EC key with explicit "
		    "curve parameters (RFC 5480 allows a named curve only; Go "
		    "cannot parse it)" },
		{ "P-224", 0, "P-224", 0, "EC key on curve secp224r1 (Go's "
		    "TLS takes P-256, P-384 and P-521 only)" },
		{ "secp256k1", 0, "secp256k1", 0, "EC key on curve secp256k1 "
		    "(Go's TLS takes P-256, P-384 and P-521 only)" },
	};
	EVP_PKEY	*k;
	const char	*why;
	char		 buf[128];
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		k = t[i].rsa != 0 ? rsa_pub(t[i].rsa) :
		    ec_key(t[i].group, t[i].explicit);
		if (!ok(k != NULL, "%s: a key to check", t[i].what))
			continue;
		why = pki_policy_pubkey(k, buf, sizeof(buf));
		if (t[i].want == NULL)
			ok(why == NULL, "%s: accepted%s%s", t[i].what,
			    why != NULL ? ": " : "", why != NULL ? why : "");
		else
			is_str(why, t[i].want, "%s: refused", t[i].what);
		EVP_PKEY_free(k);
	}
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ok(k != NULL && pki_policy_pubkey(k, buf, sizeof(buf)) == NULL,
	    "Ed25519: accepted");
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	is_str(k != NULL ? pki_policy_pubkey(k, buf, sizeof(buf)) : NULL,
	    "unsupported key type X25519 (RSA, EC and Ed25519 are)",
	    "X25519: refused");
	EVP_PKEY_free(k);
}

/* pki_req_check on requests as sign loads them, through PEM. */
static void
test_req_check(void)
{
	static const struct {
		const char	*what;
		int		 rsa;		/* bits, or 0: explicit P-256 */
		const char	*want;
	} t[] = {
		{ "explicit P-256", 0, "x.csr: the request's public key: EC "
		    "key with explicit curve parameters (RFC 5480 allows a "
		    "named curve only; Go cannot parse it)" },
		{ "RSA-512", 512, "x.csr: the request's public key: RSA key "
		    "of 512 bits, fewer than 2048: it can be factored" },
	};
	struct pki_error	 e;
	struct pki_req		*req;
	EVP_PKEY		*k;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		k = t[i].rsa != 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    (size_t)t[i].rsa) : ec_key("P-256", 1);
		req = k != NULL ? request(k, 1, 0, 0) : NULL;
		memset(&e, 0, sizeof(e));
		if (ok(req != NULL, "a PEM %s request loads", t[i].what)) {
			is_int(pki_req_check(req, 1, NULL, &e), PKI_ERR_KEY,
			    "%s: refused", t[i].what);
			is_str(e.text, t[i].want, "... one line naming the "
			    "file and the problem");
		}
		pki_req_free(req);
		EVP_PKEY_free(k);
	}
	k = ec_key("P-256", 0);
	req = k != NULL ? request(k, 1, 3, 0) : NULL;
	memset(&e, 0, sizeof(e));
	ok(req != NULL && pki_req_check(req, 1, NULL, &e) == 0,
	    "a named P-256 request with 3 SANs passes %s", e.text);
	pki_req_free(req);
	EVP_PKEY_free(k);
}

/* Signs req with ca under p; the certificate, or NULL and *r set. */
static struct pki_cert *
sign(struct pki_req *req, const struct pki_profile *p,
    const struct pki_cert *ca, const struct pki_key *cakey,
    const struct pki_parse_opts *po, int *r, struct pki_error *e)
{
	struct pki_sign_request	 sr;
	struct pki_cert		*cert = NULL;

	memset(&sr, 0, sizeof(sr));
	memset(e, 0, sizeof(*e));
	tap_warnings[0] = '\0';
	sr.req = req;
	sr.profile = p;
	sr.opts = po;
	*r = req != NULL ? pki_cert_sign(&sr, ca, cakey, &cert, e) :
	    PKI_ERR_INTERNAL;
	return cert;
}

/* The number of lines in tap_warnings. */
static int
nwarnings(void)
{
	const char	*s;
	int		 n = 0;

	for (s = tap_warnings; (s = strchr(s, '\n')) != NULL; s++)
		n++;
	return n;
}

static void
test_sign(const struct pki_profile *p, const struct pki_cert *ca,
    const struct pki_key *cakey)
{
	struct pki_parse_opts	 po, strict;
	struct pki_error	 e;
	struct pki_req		*req;
	static const char *const what[] = { "RSA-1024", "explicit P-256" };
	struct pki_cert		*c;
	EVP_PKEY		*k;
	int			 i, r;

	memset(&po, 0, sizeof(po));
	po.warn = tap_collect;
	strict = po;
	strict.strict = 1;

	/* Keys (an RSA public key alone: a request nobody signed). */
	for (i = 0; i < 2; i++) {
		k = i == 0 ? rsa_pub(1024) : ec_key("P-256", 1);
		req = k != NULL ? request(k, i, 0, 0) : NULL;
		c = sign(req, p, ca, cakey, &po, &r, &e);
		is_int(r, PKI_ERR_KEY, "pki_cert_sign: %s refused", what[i]);
		ok(c == NULL && strstr(e.text, "x.csr: the request's public "
		    "key: ") == e.text, "... no certificate: %s", e.text);
		pki_cert_free(c);
		pki_req_free(req);
		EVP_PKEY_free(k);
	}

	/* SANs: 1025 warned, 1024 not; -strict refuses. */
	k = ec_key("P-256", 0);
	req = k != NULL ? request(k, 1, 1025, 0) : NULL;
	c = sign(req, p, ca, cakey, &po, &r, &e);
	ok(r == 0 && c != NULL, "1025 SANs: signed (cfssl keeps them) %s",
	    e.text);
	is_str(tap_warnings, "x.csr: subjectAltName: 1025 entries, more than "
	    "1024; kept, as cfssl keeps them\n", "... one warning naming the "
	    "file");
	pki_cert_free(c);
	c = sign(req, p, ca, cakey, &strict, &r, &e);
	is_int(r, PKI_ERR_INPUT, "1025 SANs, -strict: refused");
	ok(c == NULL && strcmp(e.text, "x.csr: subjectAltName: 1025 entries, "
	    "more than 1024; kept, as cfssl keeps them") == 0,
	    "... no certificate, the same line: %s", e.text);
	pki_cert_free(c);
	pki_req_free(req);
	req = k != NULL ? request(k, 1, 1024, 0) : NULL;
	c = sign(req, p, ca, cakey, &strict, &r, &e);
	ok(r == 0 && c != NULL && tap_warnings[0] == '\0',
	    "1024 SANs, -strict: signed, no warning %s", e.text);
	pki_cert_free(c);
	pki_req_free(req);

	/* A 64-byte label: warned; -hostname replacing the SANs: not. */
	req = k != NULL ? request(k, 1, 2, 64) : NULL;
	c = sign(req, p, ca, cakey, &po, &r, &e);
	ok(r == 0 && c != NULL && nwarnings() == 1 && strstr(tap_warnings,
	    "x.csr: subjectAltName \"0000") == tap_warnings &&
	    strstr(tap_warnings, "...\": DNS label of 64 bytes, longer than "
	    "63: no name in DNS can match it; kept, as cfssl keeps it\n") !=
	    NULL, "a 64-byte DNS label: signed, one warning: %s",
	    tap_warnings);
	pki_cert_free(c);
	pki_req_free(req);
	EVP_PKEY_free(k);
}

/*
 * A copy of ca whose key is written with explicit parameters, signed
 * again with cakey (whose key EVP_PKEY_eq still finds equal).
 */
static struct pki_cert *
explicit_ca(const struct pki_cert *ca, const struct pki_key *cakey)
{
	struct pki_cert	*c;
	EVP_PKEY	*pk = NULL;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->x509 = X509_dup(ca->x509)) == NULL ||
	    (pk = EVP_PKEY_dup(cakey->pkey)) == NULL ||
	    EVP_PKEY_set_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_ENCODING,
	    OSSL_PKEY_EC_ENCODING_EXPLICIT) != 1 ||
	    X509_set_pubkey(c->x509, pk) != 1 ||
	    X509_sign(c->x509, cakey->pkey, EVP_sha256()) <= 0) {
		pki_cert_free(c);
		c = NULL;
	}
	EVP_PKEY_free(pk);
	return c;
}

static void
test_issuer(const struct pki_profile *p, const struct pki_cert *ca,
    const struct pki_key *cakey)
{
	struct pki_parse_opts	 po;
	struct pki_error	 e;
	struct pki_cert		*eca, *c;
	struct pki_req		*req = NULL;
	EVP_PKEY		*k;
	int			 r;

	memset(&po, 0, sizeof(po));
	po.warn = tap_collect;
	eca = explicit_ca(ca, cakey);
	if (!ok(eca != NULL && pki_pkey_explicit(X509_get0_pubkey(eca->x509))
	    && pki_cert_matches_key(eca, cakey), "a CA certificate with "
	    "explicit parameters, matching the CA key"))
		goto out;
	k = ec_key("P-256", 0);
	req = k != NULL ? request(k, 1, 1, 0) : NULL;
	EVP_PKEY_free(k);
	c = sign(req, p, eca, cakey, &po, &r, &e);
	is_int(r, PKI_ERR_POLICY, "explicit-parameter issuer: refused");
	ok(c == NULL && strstr(e.text, "issuer: the CA certificate's key: EC "
	    "key with explicit curve parameters (RFC 5480 allows a named "
	    "curve only; Go cannot parse it): what it signs does not verify")
	    == e.text, "... no certificate, the problem named: %s", e.text);
	pki_cert_free(c);
	c = sign(req, p, ca, cakey, &po, &r, &e);
	ok(r == 0 && c != NULL, "the same CA, named curve: signed %s",
	    e.text);
	pki_cert_free(c);
 out:
	pki_req_free(req);
	pki_cert_free(eca);
}

/* pki_key_load of an explicit-parameter EC private key (cfssl refuses). */
static void
test_private(void)
{
	struct pki_error	 e;
	struct pki_key		*key = NULL;
	EVP_PKEY		*k = ec_key("P-256", 1);
	BIO			*bio = BIO_new(BIO_s_mem());
	char			*pem = NULL;
	long			 len = 0;

	memset(&e, 0, sizeof(e));
	if (!ok(k != NULL && bio != NULL && PEM_write_bio_PrivateKey_traditional(
	    bio, k, NULL, NULL, 0, NULL, NULL) == 1 &&
	    (len = BIO_get_mem_data(bio, &pem)) > 0 &&
	    strstr(pem, "BEGIN EC PRIVATE KEY") != NULL, "an explicit "
	    "EC PRIVATE KEY"))
		goto out;
	is_int(pki_key_load(pem, (size_t)len, "k.pem", NULL, &key, &e),
	    PKI_ERR_KEY, "explicit private key: refused");
	is_str(e.text, "k.pem: unsupported EC key (explicit curve "
	    "parameters)", "... naming the file");
 out:
	pki_key_free(key);
	BIO_free(bio);
	EVP_PKEY_free(k);
}

int
main(void)
{
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*p = NULL;
	struct pki_cert			*ca;
	struct pki_key			*cakey = NULL;
	struct pki_error		 e;

	test_pubkey();
	test_req_check();
	test_private();
	memset(&e, 0, sizeof(e));
	ca = test_ca("{\"CN\":\"Caps CA\",\"key\":{\"algo\":\"ecdsa\","
	    "\"size\":256}}", 0, &cakey);
	if (pki_config_parse(cfgjson, strlen(cfgjson), "c.json", NULL, &cfg,
	    &e) != 0 || pki_config_profile(cfg, NULL, &p, &e) != 0)
		diag("config: %s", e.text);
	if (ok(ca != NULL && p != NULL, "a CA and a profile")) {
		test_sign(p, ca, cakey);
		test_issuer(p, ca, cakey);
	}
	pki_cert_free(ca);
	pki_key_free(cakey);
	pki_config_free(cfg);
	return done_testing();
}
