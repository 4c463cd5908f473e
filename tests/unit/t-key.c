/*
 * t-key.c: keys (generation, every PEM form pki_key_load accepts, the
 * encodings, sig_md, SKI) and requests (pki_req_new's extension order,
 * pki_req_load's errors, pki_req_info_json).
 *
 * Encrypted keys, EC PARAMETERS blocks and the cfssl "Ed25519 PRIVATE
 * KEY" label are made here with OpenSSL's API, so the test needs no
 * external tool.  cfssl's own fixtures are read too when the shared
 * folder is present (a TAP skip otherwise).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <jansson.h>

#include "internal.h"
#include "x509priv.h"
#include "../tap.h"

static const char pub3072[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEAmyrFFyFKAz/10Cvy9ZNW\n"
    "XMtxUusm7NG8CtAuVgBM6QjXypcvIkXX2AxQnZNHIri8ZfuFBKWAd6wHlCeU/Mze\n"
    "OSRlcWVJLoBgXPGXnStsu/reSTcwESLmsoQ0YISqvP5PCy0j1Wi/i9YVt0qFPJSh\n"
    "ayqW8MJqe3m4AQ0S2ohyAoZ3rG/XdIkChlp2okVzEM4V8TJ5WdLry/zdBeXSFmSg\n"
    "B7QIimF7wxOhYaZWfUoZ5THgN0ht3qAPPpc3QtNl2LBaz7iMioV0dN51x6NWNbPK\n"
    "pL8gXjWYGtr4h3oqvLPZDFTq9JL3zN2RKjbcT0v/UD5bleKzFmtzalwn9ZrAyTLC\n"
    "N0JkB0fuXWuGjy8+wkAGuaTU8gpz26sMkP78vHg+BYPUxatygVM6J21j8v6bhWVX\n"
    "y26Kt/dJo/sIQVDpOswzoLXH8OpkkRPV4tN56DvAwAmjWrYWuBnNto91+++OvXAv\n"
    "MBH3EUulCoqoev5CF3YZWDfQQQvRt65kIDxGGZFU19STAgMBAAE=\n"
    "-----END PUBLIC KEY-----\n";
static const char pub4096[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAxGQw1gWHbEp6OAkPmztb\n"
    "0K6m9TD09+J51LeNjLQqJYLnsWiGtPLEiISeI8g8QWym47ddIg001cEn9fGFZBco\n"
    "r6qBMkg9Y4LXKocpLfi3pyHxx46972OzrRn+suQ4T1tiBOGqRVrKta7+hx4Il1qP\n"
    "wh6vdeLqmafSdIUtUlzTI66gBu+fm+Faj2Mea2G9zIVoX36HHZu40sXZCqJcoL6t\n"
    "eyI8u9HlxNOpL1lNiYDr1jLGJguLIRq9nwowfaSUhh/7kFkghQqzxYOT7bazCf60\n"
    "2UU/XA0k7P4Bz4rFFOtdUu0XLxExDXYSvoGTgWB3AZUDaWGUQdmd3gluKd3pIFm7\n"
    "Coj3FWPYhk1AUbG+zLcmSz/Kjimc3dWI8/dRkKoPon6NvVI1po815CKLvAcMgICt\n"
    "X8gZH8+6KqJg4gWzJTo7YmvN/9WeQeNUiVMcs1L5XrBCOZVKy7DkxUgECE87dQEF\n"
    "Ah2S9f/KG11FZNAj1+camVbxIh/HJQO/rx/ujJ8hRlBEcI6czquKjYCYZ+1ldh32\n"
    "KlqjSVwcHgTSvCFPBn30ia8kVI2qW6QVEzrk1Wi8eps9oB8adWskAB9kwfcLBU/H\n"
    "ffkDU0of+CoNmFKHVjhBDo2i9xErjZTIPlPYWeOfcHrfXN7H/CEOCrxFTlgRyjWj\n"
    "0alI3P69t/ccE6zl0Jo3TAECAwEAAQ==\n"
    "-----END PUBLIC KEY-----\n";

/* Writable copies of literals (the structs hold char *), freed at exit. */
static char	*pool[256];
static size_t	 npool;

static char *
D(const char *lit)
{
	char	*p = strdup(lit);

	if (p != NULL && npool < sizeof(pool) / sizeof(pool[0]))
		pool[npool++] = p;
	return p;
}

static void
pool_free(void)
{
	while (npool > 0)
		free(pool[--npool]);
}

/* The contents of a memory BIO as a malloc'ed string; frees the BIO. */
static char *
bio_take(BIO *b)
{
	char	*data, *s;
	long	 n;

	n = BIO_get_mem_data(b, &data);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL) {
		BIO_free(b);
		return NULL;
	}
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	BIO_free(b);
	return s;
}

static int
starts(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static struct pki_key *
gen(const char *algo, int size, int *rp, struct pki_error *err)
{
	struct pki_csr	 csr;
	struct pki_key	*key = NULL;

	memset(&csr, 0, sizeof(csr));
	csr.source = D("t.json");
	csr.key_algo = D(algo);
	csr.key_size = size;
	*rp = pki_key_generate(&csr, &key, err);
	return key;
}

static void
test_generate(void)
{
	static const struct {
		const char	*algo;
		int		 size;
		const char	*desc;
		const char	*label;
	} c[] = {
#define RSA_BEGIN	"-----BEGIN RSA PRIVATE KEY-----\n"
#define EC_BEGIN	"-----BEGIN EC PRIVATE KEY-----\n"
		{ "rsa", 2048, "rsa-2048", RSA_BEGIN },
		{ "ecdsa", 256, "ecdsa-256", EC_BEGIN },
		{ "ecdsa", 384, "ecdsa-384", EC_BEGIN },
		{ "ecdsa", 521, "ecdsa-521", EC_BEGIN },
		{ "ed25519", 0, "ed25519", "-----BEGIN PRIVATE KEY-----\n" },
	};
	struct pki_error	 err;
	struct pki_key		*key, *back;
	char			*pem, desc[32];
	size_t			 i, len;
	int			 r;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		key = gen(c[i].algo, c[i].size, &r, &err);
		if (!ok(r == 0 && key != NULL, "generate %s", c[i].desc)) {
			diag("%s", err.text);
			continue;
		}
		pki_key_desc(key, desc, sizeof(desc));
		is_str(desc, c[i].desc, "desc %s", c[i].desc);

		r = pki_key_encode(key, PKI_KEY_FMT_CFSSL, &pem, &len, &err);
		ok(r == 0 && starts(pem, c[i].label) && strlen(pem) == len,
		    "%s: cfssl format label", c[i].desc);
		back = NULL;
		r = pki_key_load(pem, len, "k.pem", NULL, &back, &err);
		ok(r == 0 && back != NULL &&
		    EVP_PKEY_eq(back->pkey, key->pkey) == 1,
		    "%s: cfssl format loads back", c[i].desc);
		pki_key_free(back);
		pki_secret_free(pem, len);

		r = pki_key_encode(key, PKI_KEY_FMT_PKCS8, &pem, &len, &err);
		ok(r == 0 && starts(pem, "-----BEGIN PRIVATE KEY-----\n"),
		    "%s: PKCS#8 label", c[i].desc);
		back = NULL;
		r = pki_key_load(pem, len, "k.pem", NULL, &back, &err);
		ok(r == 0 && back != NULL &&
		    EVP_PKEY_eq(back->pkey, key->pkey) == 1,
		    "%s: PKCS#8 loads back", c[i].desc);
		pki_key_free(back);
		pki_secret_free(pem, len);
		pki_key_free(key);
	}
}

static void
test_generate_errors(void)
{
	static const struct {
		const char	*algo;
		int		 size;
		const char	*msg;
	} c[] = {
		{ "rsa", 1024, "t.json: key.size: 1024 is too small for rsa "
		    "(2048..8192)" },
		{ "rsa", 8193, "t.json: key.size: 8193 is too large for rsa "
		    "(2048..8192)" },
		{ "ecdsa", 255, "t.json: key.size: 255 is not a valid ecdsa "
		    "curve size (256, 384, 521)" },
		{ "RSA", 2048, "t.json: key.algo: unknown algorithm \"RSA\" "
		    "(rsa, ecdsa, ed25519)" },
	};
	struct pki_error	 err;
	struct pki_key		*key;
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&err, 0, sizeof(err));
		key = gen(c[i].algo, c[i].size, &r, &err);
		ok(r == PKI_ERR_KEY && key == NULL && err.code == PKI_ERR_KEY,
		    "generate %s-%d refused", c[i].algo, c[i].size);
		is_str(err.text, c[i].msg, "generate %s-%d message", c[i].algo,
		    c[i].size);
	}
}

/* Loads s and checks it is the same key as want. */
static void
load_is(const char *s, const char *pw, const EVP_PKEY *want, const char *what)
{
	struct pki_error	 err;
	struct pki_key		*key = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	r = pki_key_load(s, strlen(s), "k.pem", pw, &key, &err);
	if (!ok(r == 0 && key != NULL && EVP_PKEY_eq(key->pkey, want) == 1,
	    "load %s", what))
		diag("r=%d %s", r, err.text);
	pki_key_free(key);
}

/* Loads s and checks the error code and message. */
static void
load_fails(const char *s, const char *pw, int code, const char *msg,
    const char *what)
{
	struct pki_error	 err;
	struct pki_key		*key = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	r = pki_key_load(s, strlen(s), "k.pem", pw, &key, &err);
	ok(r == code && key == NULL, "load %s fails", what);
	is_str(err.text, msg, "load %s message", what);
	pki_key_free(key);
}

static char *
encode(const EVP_PKEY *pkey, const char *structure)
{
	OSSL_ENCODER_CTX	*ectx;
	BIO			*b = BIO_new(BIO_s_mem());

	ectx = OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, "PEM",
	    structure, NULL);
	if (ectx == NULL || OSSL_ENCODER_to_bio(ectx, b) != 1) {
		OSSL_ENCODER_CTX_free(ectx);
		BIO_free(b);
		return NULL;
	}
	OSSL_ENCODER_CTX_free(ectx);
	return bio_take(b);
}

/* Replaces every "from" by "to" (same length or shorter) in place. */
static char *
relabel(const char *s, const char *from, const char *to)
{
	char	*out = malloc(strlen(s) * 2 + 1), *o = out;
	size_t	 fl = strlen(from), tl = strlen(to);

	if (out == NULL)
		return NULL;
	while (*s != '\0') {
		if (strncmp(s, from, fl) == 0) {
			memcpy(o, to, tl);
			o += tl;
			s += fl;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return out;
}

static void
test_load(void)
{
	static const unsigned char	 pw[] = "s3cret";
	struct pki_error		 err;
	struct pki_key			*rsa, *ec, *ed;
	EVP_PKEY			*k1 = NULL;
	BIO				*b;
	char				*s, *t;
	int				 r;

	rsa = gen("rsa", 2048, &r, &err);
	ec = gen("ecdsa", 384, &r, &err);
	ed = gen("ed25519", 0, &r, &err);
	if (rsa == NULL || ec == NULL || ed == NULL) {
		diag("key generation failed");
		return;
	}

	/* PKCS#1, SEC1, PKCS#8 (made by OpenSSL's encoder, not ours) */
	s = encode(rsa->pkey, "type-specific");
	load_is(s, NULL, rsa->pkey, "RSA PRIVATE KEY (PKCS#1)");
	free(s);
	s = encode(ec->pkey, "type-specific");
	load_is(s, NULL, ec->pkey, "EC PRIVATE KEY (SEC1)");

	/* EC PARAMETERS block first, as "openssl ecparam -genkey" writes */
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_Parameters(b, ec->pkey);
	BIO_puts(b, s);
	free(s);
	s = bio_take(b);
	ok(starts(s, "-----BEGIN EC PARAMETERS-----"), "EC PARAMETERS first");
	load_is(s, NULL, ec->pkey, "EC PARAMETERS + EC PRIVATE KEY");
	free(s);

	s = encode(ed->pkey, "PrivateKeyInfo");
	load_is(s, NULL, ed->pkey, "PRIVATE KEY (PKCS#8 Ed25519)");
	t = relabel(s, "PRIVATE KEY-----", "Ed25519 PRIVATE KEY-----");
	ok(starts(t, "-----BEGIN Ed25519 PRIVATE KEY-----"),
	    "cfssl label made");
	load_is(t, NULL, ed->pkey, "cfssl's Ed25519 PRIVATE KEY label");
	free(t);
	free(s);

	/* the label is not trusted: PKCS#8 under "RSA PRIVATE KEY" */
	s = encode(ec->pkey, "PrivateKeyInfo");
	t = relabel(s, "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY");
	free(s);
	s = relabel(t, "END PRIVATE KEY", "END RSA PRIVATE KEY");
	free(t);
	load_is(s, NULL, ec->pkey, "PKCS#8 body under a PKCS#1 label");
	free(s);

	/* encrypted PKCS#8 */
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PKCS8PrivateKey(b, rsa->pkey, EVP_aes_256_cbc(),
	    (const char *)pw, (int)strlen((const char *)pw), NULL, NULL);
	s = bio_take(b);
	ok(starts(s, "-----BEGIN ENCRYPTED PRIVATE KEY-----"),
	    "encrypted PKCS#8 made");
	load_is(s, "s3cret", rsa->pkey, "ENCRYPTED PRIVATE KEY");
	load_fails(s, NULL, PKI_ERR_ENCRYPTED, "k.pem: private key is "
	    "encrypted; set CFSSL_CA_PK_PASSWORD or -ca-key-password",
	    "ENCRYPTED PRIVATE KEY without password");
	load_fails(s, "wrong", PKI_ERR_ENCRYPTED, "k.pem: cannot decrypt "
	    "private key (wrong password?)", "ENCRYPTED PRIVATE KEY, wrong "
	    "password");
	free(s);

	/* legacy Proc-Type: 4,ENCRYPTED */
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey_traditional(b, ec->pkey, EVP_aes_128_cbc(),
	    pw, (int)strlen((const char *)pw), NULL, NULL);
	s = bio_take(b);
	ok(s != NULL && strstr(s, "Proc-Type: 4,ENCRYPTED") != NULL,
	    "legacy encrypted PEM made");
	load_is(s, "s3cret", ec->pkey, "legacy encrypted EC PRIVATE KEY");
	load_fails(s, NULL, PKI_ERR_ENCRYPTED, "k.pem: private key is "
	    "encrypted; set CFSSL_CA_PK_PASSWORD or -ca-key-password",
	    "legacy encrypted without password");
	load_fails(s, "wrong", PKI_ERR_ENCRYPTED, "k.pem: cannot decrypt "
	    "private key (wrong password?)",
	    "legacy encrypted, wrong password");
	free(s);

	/* unsupported curve */
	k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	s = k1 != NULL ? encode(k1, "type-specific") : NULL;
	load_fails(s != NULL ? s : "", NULL, PKI_ERR_KEY,
	    "k.pem: unsupported EC curve secp256k1", "secp256k1");
	free(s);
	EVP_PKEY_free(k1);

	/* no PEM at all, or something else */
	load_fails("just text\n", NULL, PKI_ERR_PEM, "k.pem: no private key "
	    "found", "no PEM");
	load_fails("", NULL, PKI_ERR_PEM, "k.pem: no private key found",
	    "empty input");
	load_fails("-----BEGIN CERTIFICATE-----\nMAMCAQA=\n"
	    "-----END CERTIFICATE-----\n", NULL, PKI_ERR_KEY,
	    "k.pem: cannot parse private key (PEM block \"CERTIFICATE\")",
	    "a CERTIFICATE block");
	load_fails("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n"
	    "-----END EC PARAMETERS-----\n", NULL, PKI_ERR_PEM,
	    "k.pem: no private key found", "EC PARAMETERS alone");

	pki_key_free(rsa);
	pki_key_free(ec);
	pki_key_free(ed);
}

/* cfssl's own key fixtures, when the shared folder is there. */
static void
test_fixtures(void)
{
	static const struct {
		const char	*file;
		int		 code;
		const char	*desc;
	} c[] = {
		{ "priv_rsa_key.pem", 0, "rsa-2048" },
		{ "private_ecdsa_key.pem", PKI_ERR_KEY, "" },	/* P-224 */
		{ "openssl_secp384.pem", 0, "ecdsa-384" },
		{ "private_ed25519_key.pem", 0, "ed25519" },
		{ "secp256k1-key.pem", PKI_ERR_KEY, "" },
		{ "enc_priv_key.pem", PKI_ERR_ENCRYPTED, "" },
		{ "messed_up_priv_key.pem", -1, "" },
		{ "empty.pem", PKI_ERR_PEM, "" },
	};
	struct pki_error	 err;
	struct pki_key		*key;
	char			 path[512], desc[32], *buf;
	size_t			 i, len;
	int			 r;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(path, sizeof(path),
		    "../shared/fixtures/cfssl/helpers/testdata/%s", c[i].file);
		if ((buf = tap_slurp(tap_srcpath(path), &len)) == NULL) {
			skip("cfssl fixtures not found (%s)", path);
			continue;
		}
		key = NULL;
		r = pki_key_load(buf, len, c[i].file, NULL, &key, &err);
		if (c[i].code == 0) {
			pki_key_desc(key, desc, sizeof(desc));
			ok(r == 0 && strcmp(desc, c[i].desc) == 0,
			    "fixture %s loads as %s", c[i].file, c[i].desc);
		} else if (c[i].code == -1)
			ok(r != 0 && key == NULL, "fixture %s refused (%s)",
			    c[i].file, r != 0 ? err.text : "");
		else
			ok(r == c[i].code && key == NULL,
			    "fixture %s refused with %d", c[i].file, c[i].code);
		pki_key_free(key);
		free(buf);
	}
}

static EVP_PKEY *
pubkey(const char *pem)
{
	BIO		*b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY	*k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);

	BIO_free(b);
	return k;
}

static void
test_sig_md(void)
{
	struct pki_error	 err;
	struct pki_key		*k;
	EVP_PKEY		*p;
	const EVP_MD		*md;
	int			 r;

	p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	ok(p != NULL && pki_key_sig_md(p, &md, &err) == 0 &&
	    EVP_MD_get_type(md) == NID_sha1, "sig_md rsa-1024: SHA-1");
	EVP_PKEY_free(p);
	p = pubkey(pub3072);
	ok(p != NULL && pki_key_sig_md(p, &md, &err) == 0 &&
	    EVP_MD_get_type(md) == NID_sha384, "sig_md rsa-3072: SHA-384");
	EVP_PKEY_free(p);
	p = pubkey(pub4096);
	ok(p != NULL && pki_key_sig_md(p, &md, &err) == 0 &&
	    EVP_MD_get_type(md) == NID_sha512, "sig_md rsa-4096: SHA-512");
	EVP_PKEY_free(p);

	k = gen("rsa", 2048, &r, &err);
	ok(k != NULL && pki_key_sig_md(k->pkey, &md, &err) == 0 &&
	    EVP_MD_get_type(md) == NID_sha256, "sig_md rsa-2048: SHA-256");
	pki_key_free(k);
	k = gen("ecdsa", 256, &r, &err);
	ok(k != NULL && pki_key_sig_md(k->pkey, &md, &err) == 0 &&
	    EVP_MD_get_type(md) == NID_sha256, "sig_md P-256: SHA-256");
	pki_key_free(k);
	k = gen("ecdsa", 384, &r, &err);
	ok(k != NULL && pki_key_sig_md(k->pkey, &md, &err) == 0 &&
	    EVP_MD_get_type(md) == NID_sha384, "sig_md P-384: SHA-384");
	pki_key_free(k);
	k = gen("ecdsa", 521, &r, &err);
	ok(k != NULL && pki_key_sig_md(k->pkey, &md, &err) == 0 &&
	    EVP_MD_get_type(md) == NID_sha512, "sig_md P-521: SHA-512");
	pki_key_free(k);
	k = gen("ed25519", 0, &r, &err);
	md = EVP_sha1();
	ok(k != NULL && pki_key_sig_md(k->pkey, &md, &err) == 0 && md == NULL,
	    "sig_md Ed25519: none");
	pki_key_free(k);
	p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	ok(p != NULL && pki_key_sig_md(p, &md, &err) == PKI_ERR_KEY,
	    "sig_md secp256k1: refused");
	EVP_PKEY_free(p);
}

/* SHA-1 of the subjectPublicKey bits, computed independently. */
static void
test_ski(void)
{
	struct pki_error	 err;
	struct pki_key		*k;
	unsigned char		 ski[20], want[20], raw[1024], *der = NULL;
	size_t			 rawlen;
	int			 r, len;

	k = gen("ecdsa", 256, &r, &err);
	rawlen = 0;
	if (k != NULL)
		EVP_PKEY_get_octet_string_param(k->pkey,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, raw, sizeof(raw),
		    &rawlen);
	EVP_Digest(raw, rawlen, want, NULL, EVP_sha1(), NULL);
	ok(k != NULL && rawlen == 65 && raw[0] == 0x04 &&
	    pki_key_ski(k->pkey, ski, &err) == 0 &&
	    memcmp(ski, want, 20) == 0, "SKI P-256: SHA-1 of the point");
	pki_key_free(k);

	k = gen("rsa", 2048, &r, &err);
	len = k != NULL ? i2d_PublicKey(k->pkey, &der) : -1;
	if (len > 0)
		EVP_Digest(der, (size_t)len, want, NULL, EVP_sha1(), NULL);
	ok(len > 0 && pki_key_ski(k->pkey, ski, &err) == 0 &&
	    memcmp(ski, want, 20) == 0, "SKI RSA: SHA-1 of RSAPublicKey");
	OPENSSL_free(der);
	pki_key_free(k);

	k = gen("ed25519", 0, &r, &err);
	rawlen = sizeof(raw);
	if (k == NULL ||
	    EVP_PKEY_get_raw_public_key(k->pkey, raw, &rawlen) != 1)
		rawlen = 0;
	EVP_Digest(raw, rawlen, want, NULL, EVP_sha1(), NULL);
	ok(rawlen == 32 && pki_key_ski(k->pkey, ski, &err) == 0 &&
	    memcmp(ski, want, 20) == 0, "SKI Ed25519: SHA-1 of the 32 bytes");
	pki_key_free(k);
}

/* ---- requests -------------------------------------------------------- */

/* "oid[!]:hexvalue" for each requested extension, comma-separated. */
static char *
dump_exts(X509_REQ *req)
{
	static char			 buf[2048];
	STACK_OF(X509_EXTENSION)	*exts;
	X509_EXTENSION			*e;
	const ASN1_OCTET_STRING		*v;
	char				 oid[80];
	size_t				 off = 0;
	int				 i, j;

	buf[0] = '\0';
	exts = X509_REQ_get_extensions(req);
	for (i = 0; exts != NULL && i < sk_X509_EXTENSION_num(exts); i++) {
		e = sk_X509_EXTENSION_value(exts, i);
		OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(e), 1);
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s%s:",
		    i ? "," : "", oid,
		    X509_EXTENSION_get_critical(e) ? "!" : "");
		v = X509_EXTENSION_get_data(e);
		for (j = 0; j < ASN1_STRING_length(v) && off < sizeof(buf); j++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off,
			    "%02x", ASN1_STRING_get0_data(v)[j]);
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return buf;
}

/* The DER of the first PEM block of pem. */
static int
req_load_der(const char *pem, unsigned char **der, size_t *len)
{
	BIO	*b = BIO_new_mem_buf(pem, -1);
	char	*name = NULL, *header = NULL;
	long	 dlen = 0;
	int	 ok1;

	*der = NULL;
	ok1 = b != NULL && PEM_read_bio(b, &name, &header, der, &dlen) == 1 &&
	    dlen > 0;
	*len = (size_t)dlen;
	OPENSSL_free(name);
	OPENSSL_free(header);
	BIO_free(b);
	return ok1;
}

static void
csr_init(struct pki_csr *csr)
{
	memset(csr, 0, sizeof(*csr));
	csr->source = D("req.json");
	csr->key_algo = D("ecdsa");
	csr->key_size = 256;
}

static void
test_req(void)
{
	static const unsigned char	 extval[] = { 0x04, 0x02, 'h', 'i' };
	struct pki_nameent		 names[1];
	struct pki_ext			 ext[1];
	struct pki_csr			 csr;
	struct pki_error		 err;
	struct pki_key			*key, *ed;
	struct pki_req			*req = NULL, *back = NULL;
	json_t				*j, *v;
	char				*pem = NULL, *pem2 = NULL, *json = NULL;
	char				*bad;
	unsigned char			*der;
	size_t				 len, len2, derlen;
	int				 r;

	key = gen("ecdsa", 256, &r, &err);
	ed = gen("ed25519", 0, &r, &err);
	if (key == NULL || ed == NULL) {
		diag("key generation failed");
		return;
	}
	csr_init(&csr);
	memset(names, 0, sizeof(names));
	names[0].o = D("A&B Ltd");
	names[0].c = D("US");
	csr.cn = D("etcd1");
	csr.names = names;
	csr.nnames = 1;
	if (pki_strv_push(&csr.hosts, "b.example.com") != 0 ||
	    pki_strv_push(&csr.hosts, "10.0.0.1") != 0 ||
	    pki_strv_push(&csr.hosts, "a@b.com") != 0 ||
	    pki_strv_push(&csr.hosts, "spiffe://x/y") != 0)
		diag("strv_push failed");
	csr.has_ca = 1;
	csr.ca_pathlen = 2;
	csr.delegation_enabled = 1;
	ext[0].oid = D("1.2.3.4.5");
	ext[0].critical = 1;
	ext[0].value = (unsigned char *)D("\x04\x02hi");
	ext[0].len = sizeof(extval);
	csr.exts = ext;
	csr.nexts = 1;

	r = pki_req_new(&csr, key, &req, &err);
	if (!ok(r == 0 && req != NULL, "req_new"))
		diag("%s", err.text);
	if (req == NULL)
		goto out;
	is_int(X509_REQ_get_version(req->req), 0, "req: version 0 (v1)");
	is_str(dump_exts(req->req),
	    "2.5.29.17:302c820d622e6578616d706c652e636f6d8107614062"
	    "2e636f6d87040a000001860c7370696666653a2f2f782f79,"
	    "2.5.29.19!:30060101ff020102,"
	    "1.3.6.1.4.1.44363.44:0500,"
	    "1.2.3.4.5!:04026869",
	    "req: SAN, BC critical, Delegation, user extension, in order");
	ok(X509_REQ_verify(req->req, X509_REQ_get0_pubkey(req->req)) == 1,
	    "req: self-signature verifies");
	is_str(pki_sigalg_name(X509_REQ_get_signature_nid(req->req)),
	    "ECDSAWithSHA256", "req: P-256 signs with SHA-256");

	r = pki_req_encode(req, &pem, &len, &err);
	ok(r == 0 && starts(pem, "-----BEGIN CERTIFICATE REQUEST-----\n") &&
	    strlen(pem) == len, "req_encode label");
	r = pki_req_load(pem, len, "r.csr", &back, &err);
	ok(r == 0 && back != NULL, "req_load of our own output");
	r = back != NULL ? pki_req_encode(back, &pem2, &len2, &err) : -1;
	ok(r == 0 && len2 == len && memcmp(pem, pem2, len) == 0,
	    "req_load + req_encode round trip");
	pki_req_free(back);
	back = NULL;
	free(pem2);

	/* certinfo -csr JSON */
	r = pki_req_info_json(req, &json, &err);
	ok(r == 0 && json != NULL, "req_info_json");
	ok(json != NULL && strstr(json, "A\\u0026B Ltd") != NULL &&
	    strchr(json, '&') == NULL, "req_info_json: & escaped as Go does");
	j = json != NULL ? json_loads(json, 0, NULL) : NULL;
	v = json_object_get(json_object_get(j, "subject"), "common_name");
	is_str(json_string_value(v), "etcd1", "info: subject.common_name");
	v = json_object_get(json_object_get(j, "subject"), "organization");
	is_str(json_string_value(v), "A&B Ltd", "info: subject.organization");
	v = json_object_get(j, "sans");
	ok(json_array_size(v) == 2 &&
	    strcmp(json_string_value(json_array_get(v, 0)), "b.example.com") ==
	    0 && strcmp(json_string_value(json_array_get(v, 1)), "10.0.0.1") ==
	    0, "info: sans = DNS then IP");
	is_str(json_string_value(json_array_get(json_object_get(j, "emails"),
	    0)), "a@b.com", "info: emails");
	is_str(json_string_value(json_array_get(json_object_get(j, "uris"),
	    0)), "spiffe://x/y", "info: uris");
	is_str(json_string_value(json_object_get(j, "public_key_algorithm")),
	    "ECDSA", "info: public_key_algorithm");
	is_str(json_string_value(json_object_get(j, "key")), "ecdsa-256",
	    "info: key");
	is_str(json_string_value(json_object_get(j, "sigalg")),
	    "ECDSAWithSHA256", "info: sigalg");
	is_str(json_string_value(json_object_get(j, "pem")), pem, "info: pem");
	ok(json != NULL && starts(json, "{\n  \"subject\": {\n"),
	    "info: two-space indentation, subject first");
	json_decref(j);
	free(json);
	pki_req_free(req);
	req = NULL;

	j = json_pack("{s:s}", "k", "<a>&\b\f\x1f\xe2\x80\xa8\\\"/");
	json = j != NULL ? pki_json_dump_go(j) : NULL;
	is_str(json, "{\n  \"k\": \"\\u003ca\\u003e\\u0026\\u0008\\u000c"
	    "\\u001f\\u2028\\\\\\\"/\"\n}", "json_dump_go: Go's escaping");
	free(json);
	json_decref(j);

	/* BasicConstraints pathlen forms; an extension that is a SAN */
	csr.delegation_enabled = 0;
	csr.ca_pathlen = 0;
	csr.ca_pathlenzero = 0;
	ext[0].oid = D("2.5.29.17");
	ext[0].critical = 0;
	ext[0].value = (unsigned char *)D("\x30\x03\x82\x01x");
	ext[0].len = 5;
	r = pki_req_new(&csr, key, &req, &err);
	is_str(r == 0 ? dump_exts(req->req) : err.text,
	    "2.5.29.19!:30030101ff,2.5.29.17:3003820178",
	    "req: pathlen 0 omitted; a user SAN replaces the hosts' SAN");
	pki_req_free(req);
	req = NULL;
	csr.ca_pathlenzero = 1;
	csr.nexts = 0;
	pki_strv_clear(&csr.hosts);
	r = pki_req_new(&csr, key, &req, &err);
	is_str(r == 0 ? dump_exts(req->req) : err.text,
	    "2.5.29.19!:30060101ff020100", "req: pathlenzero writes pathlen 0");
	pki_req_free(req);
	req = NULL;

	/* no extension at all: no attribute */
	csr.has_ca = 0;
	r = pki_req_new(&csr, ed, &req, &err);
	ok(r == 0 && X509_REQ_get_attr_count(req->req) == 0,
	    "req: no extensions, no attributes");
	is_str(r == 0 ? pki_sigalg_name(X509_REQ_get_signature_nid(req->req)) :
	    "", "Ed25519", "req: Ed25519 signature");
	ok(r == 0 && X509_REQ_verify(req->req, X509_REQ_get0_pubkey(req->req))
	    == 1, "req: Ed25519 signature verifies");

	/* non-ASCII host */
	if (pki_strv_push(&csr.hosts, "\xc3\xa9.com") != 0)
		diag("strv_push failed");
	memset(&err, 0, sizeof(err));
	back = (struct pki_req *)1;
	r = pki_req_new(&csr, key, &back, &err);
	ok(r == PKI_ERR_INPUT && back == NULL, "req: non-ASCII host refused");
	is_str(err.text, "req.json: hosts: \"\xc3\xa9.com\" is not ASCII",
	    "req: non-ASCII host message");
	back = NULL;

	/* pki_req_load errors */
	memset(&err, 0, sizeof(err));
	r = pki_req_load("nothing here\n", 13, "r.csr", &back, &err);
	ok(r == PKI_ERR_PEM && back == NULL, "req_load: no PEM");
	is_str(err.text, "r.csr: no PEM-encoded certificate request found",
	    "req_load: no PEM message");
	bad = D("-----BEGIN CERTIFICATE-----\nMAMCAQA=\n"
	    "-----END CERTIFICATE-----\n");
	r = pki_req_load(bad, strlen(bad), "r.csr", &back, &err);
	ok(r == PKI_ERR_PEM, "req_load: first block not a CSR");
	is_str(err.text, "r.csr: not a CSR (PEM block \"CERTIFICATE\")",
	    "req_load: not a CSR message");
	bad = relabel(pem, "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");
	r = pki_req_load(bad, strlen(bad), "r.csr", &back, &err);
	ok(r == 0 && back != NULL, "req_load: NEW CERTIFICATE REQUEST label");
	pki_req_free(back);
	back = NULL;
	free(bad);
	/* flip a bit in the last byte of the signature */
	bad = NULL;
	if (req_load_der(pem, &der, &derlen)) {
		BIO	*b = BIO_new(BIO_s_mem());

		der[derlen - 1] ^= 0x01;
		PEM_write_bio(b, "CERTIFICATE REQUEST", "", der, (long)derlen);
		bad = bio_take(b);
		OPENSSL_free(der);
	}
	memset(&err, 0, sizeof(err));
	r = bad != NULL ? pki_req_load(bad, strlen(bad), "r.csr", &back, &err) :
	    -1;
	ok(r == PKI_ERR_SIGNATURE && back == NULL,
	    "req_load: tampered signature refused");
	is_str(err.text, "r.csr: CSR signature does not verify",
	    "req_load: signature message");
	free(bad);
 out:
	free(pem);
	pki_req_free(req);
	pki_strv_clear(&csr.hosts);
	pki_key_free(key);
	pki_key_free(ed);
}

/* Keys written encrypted and their format kept (issue 19). */
static void
test_encrypted(void)
{
	static const struct {
		const char	*algo;
		int		 size, fmt;
		const char	*begin, *header;
	} c[] = {
		{ "ecdsa", 256, PKI_KEY_FMT_CFSSL, "-----BEGIN EC PRIVATE KEY",
		  "DEK-Info: AES-256-CBC," },
		{ "rsa", 2048, PKI_KEY_FMT_CFSSL, "-----BEGIN RSA PRIVATE KEY",
		  "Proc-Type: 4,ENCRYPTED" },
		{ "ecdsa", 384, PKI_KEY_FMT_PKCS8,
		  "-----BEGIN ENCRYPTED PRIVATE KEY", NULL },
		{ "ed25519", 0, PKI_KEY_FMT_CFSSL,
		  "-----BEGIN ENCRYPTED PRIVATE KEY", NULL },
	};
	struct pki_error	 err;
	struct pki_key		*key, *back;
	const char		*from;
	char			*pem, *pw, path[] = "/tmp/t-key-pw.XXXXXX";
	size_t			 len, pwlen, i;
	int			 r, fd;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&err, 0, sizeof(err));
		pem = NULL;
		back = NULL;
		key = gen(c[i].algo, c[i].size, &r, &err);
		r = key == NULL ? r : pki_key_encode_encrypted(key, c[i].fmt,
		    "s3cret", 6, &pem, &len, &err);
		ok(r == 0 && starts(pem, c[i].begin) && (c[i].header == NULL ||
		    strstr(pem, c[i].header) != NULL), "encrypted %s-%d: %s",
		    c[i].algo, c[i].size, c[i].begin + 16);
		ok(pem != NULL && pki_key_load(pem, len, "k.pem", NULL, &back,
		    &err) == PKI_ERR_ENCRYPTED, "... needs its password");
		ok(pem != NULL && pki_key_load(pem, len, "k.pem", "wrong",
		    &back, &err) == PKI_ERR_ENCRYPTED, "... refuses another");
		ok(pem != NULL && pki_key_load(pem, len, "k.pem", "s3cret",
		    &back, &err) == 0 && back != NULL &&
		    pki_key_encrypted(back) &&
		    pki_key_format(back) == (strcmp(c[i].algo, "ed25519") ==
		    0 ? PKI_KEY_FMT_CFSSL : c[i].fmt),
		    "... loads with it, encrypted, in its format (%s)",
		    err.text);
		pki_key_free(back);
		pki_secret_free(pem, len);
		pki_key_free(key);
	}
	/* Unencrypted PKCS#8 is recognised too. */
	key = gen("ecdsa", 256, &r, &err);
	pem = NULL;
	back = NULL;
	ok(key != NULL && pki_key_encode(key, PKI_KEY_FMT_PKCS8, &pem, &len,
	    &err) == 0 && pki_key_load(pem, len, "k.pem", NULL, &back,
	    &err) == 0 && pki_key_format(back) == PKI_KEY_FMT_PKCS8 &&
	    !pki_key_encrypted(back), "PKCS#8 key: format pkcs8, not encrypted");
	pki_key_free(back);
	pki_secret_free(pem, len);
	pki_key_free(key);

	/* The password's sources, in order. */
	unsetenv("CFSSL_CA_PK_PASSWORD");
	unsetenv("CREDENTIALS_DIRECTORY");
	ok(pki_ca_password(NULL, &pw, &pwlen, &from, &err) == 0 && pw == NULL,
	    "password: none");
	ok(pki_ca_password("plain", &pw, &pwlen, &from, &err) == PKI_ERR_ARG,
	    "password: a bare value is refused");
	setenv("T_PW", "from-flag", 1);
	setenv("CFSSL_CA_PK_PASSWORD", "from-env", 1);
	r = pki_ca_password("env:T_PW", &pw, &pwlen, &from, &err);
	ok(r == 0 && pw != NULL && strcmp(pw, "from-flag") == 0 &&
	    strcmp(from, "-ca-key-password") == 0, "password: the flag first");
	pki_secret_free(pw, pwlen);
	r = pki_ca_password(NULL, &pw, &pwlen, &from, &err);
	ok(r == 0 && pw != NULL && strcmp(pw, "from-env") == 0,
	    "password: then CFSSL_CA_PK_PASSWORD");
	pki_secret_free(pw, pwlen);
	unsetenv("CFSSL_CA_PK_PASSWORD");
	if ((fd = mkstemp(path)) != -1) {
		(void)unlink(path);
		(void)close(fd);
	}
	if (mkdir(path, 0700) == 0) {
		char	cred[sizeof(path) + 32];
		FILE	*f;

		snprintf(cred, sizeof(cred), "%s/" PKI_CA_PASSWORD_CRED, path);
		if ((f = fopen(cred, "w")) != NULL) {
			fputs("from-cred\n", f);
			fclose(f);
		}
		setenv("CREDENTIALS_DIRECTORY", path, 1);
		r = pki_ca_password(NULL, &pw, &pwlen, &from, &err);
		ok(r == 0 && pw != NULL && strcmp(pw, "from-cred") == 0 &&
		    pwlen == 9, "password: then the systemd credential, "
		    "without its newline");
		pki_secret_free(pw, pwlen);
		(void)unlink(cred);
		r = pki_ca_password(NULL, &pw, &pwlen, &from, &err);
		ok(r == 0 && pw == NULL, "password: a unit without the "
		    "credential has none");
		(void)rmdir(path);
		unsetenv("CREDENTIALS_DIRECTORY");
	} else
		ok(0, "password: a credentials directory (%s)", path);
}

int
main(void)
{
	plan(5 * 6 + 8 + 30 + 8 + 9 + 3 + 35 + 4 * 4 + 1 + 6);
	test_generate();
	test_generate_errors();
	test_load();
	test_fixtures();
	test_sig_md();
	test_ski();
	test_req();
	test_encrypted();
	pool_free();
	return done_testing();
}
