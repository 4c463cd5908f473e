/*
 * key.c: private keys: generation as cfssl's KeyRequest.Generate, PEM
 * loading as helpers.ParsePrivateKeyPEMWithPassword (the label is not
 * trusted, EC PARAMETERS blocks are skipped), encoding, and the
 * signature digest and key identifier cfssl derives from a key.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "internal.h"
#include "x509priv.h"

/* The algorithms a CSR JSON may ask for (cfssl's KeyRequest). */
static const int ecdsa_sizes[] = { 256, 384, 521, 0 };

static const struct keyalg {
	const char	*algo;
	const char	*ossl;		/* OpenSSL key type */
	int		 min, max;	/* RSA: size range */
	const int	*sizes;		/* ECDSA: allowed sizes, 0-terminated */
} keyalgs[] = {
	{ "rsa",	"RSA",		PKI_RSA_MIN, PKI_RSA_MAX, NULL },
	{ "ecdsa",	"EC",		0, 0, ecdsa_sizes },
	{ "ed25519",	"ED25519",	0, 0, NULL },
};

/* The supported curves: OpenSSL group name, size, signature digest. */
static const struct curve {
	const char	*group;
	const char	*nist;
	int		 size;
} curves[] = {
	{ "prime256v1",	"P-256", 256 },
	{ "secp384r1",	"P-384", 384 },
	{ "secp521r1",	"P-521", 521 },
};
#define NCURVES	(sizeof(curves) / sizeof(curves[0]))

static const char *
src_name(const char *source)
{
	return source != NULL && *source != '\0' ? source : "key";
}

/* The curve of an EC key, or NULL (*name gets the group name if any). */
static const struct curve *
key_curve(const EVP_PKEY *pkey, char *name, size_t len)
{
	size_t	i;

	name[0] = '\0';
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    name, len, NULL) != 1) {
		ERR_clear_error();
		return NULL;
	}
	for (i = 0; i < NCURVES; i++)
		if (strcmp(name, curves[i].group) == 0 ||
		    strcmp(name, curves[i].nist) == 0)
			return &curves[i];
	return NULL;
}

int
pki_pkey_curve(const EVP_PKEY *pkey, char *name, size_t len)
{
	const struct curve	*c;

	if (!EVP_PKEY_is_a(pkey, "EC")) {
		name[0] = '\0';
		return 0;
	}
	c = key_curve(pkey, name, len);
	return c != NULL ? c->size : 0;
}

int
pki_pkey_explicit(const EVP_PKEY *pkey)
{
	char	enc[32];

	if (!EVP_PKEY_is_a(pkey, "EC"))
		return 0;
	/* A key the provider cannot tell about (a token's) is no finding. */
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING,
	    enc, sizeof(enc), NULL) != 1) {
		ERR_clear_error();
		return 0;
	}
	return strcmp(enc, OSSL_PKEY_EC_ENCODING_EXPLICIT) == 0;
}

void
pki_key_free(struct pki_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

static int
key_wrap(EVP_PKEY **pkey, struct pki_key **out, struct pki_error *err)
{
	struct pki_key	*key;

	if ((key = calloc(1, sizeof(*key))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "key: out of memory");
	key->pkey = *pkey;
	*pkey = NULL;
	*out = key;
	return PKI_OK;
}

/* A key generator: one OpenSSL context, set up once (see pki.h). */
struct pki_keygen {
	EVP_PKEY_CTX	*ctx;
	char		 algo[16];
	int		 size;
	int		 own_rsa;	/* pki_rsa_generate makes the keys */
	char		 src[256];	/* the CSR JSON's name, for messages */
};

/* The key algorithm csr asks for (ecdsa when it names none). */
static const char *
csr_algo(const struct pki_csr *csr)
{
	return csr->key_algo != NULL ? csr->key_algo : "ecdsa";
}

int
pki_keygen_new(const struct pki_csr *csr, struct pki_keygen **out,
    struct pki_error *err)
{
	const struct keyalg	*ka = NULL;
	const char		*src = src_name(csr->source);
	const char		*algo = csr_algo(csr);
	struct pki_keygen	*kg = NULL;
	size_t			 i;
	int			 r = PKI_ERR_INTERNAL, size = csr->key_size;

	*out = NULL;
	for (i = 0; i < sizeof(keyalgs) / sizeof(keyalgs[0]); i++)
		if (strcmp(algo, keyalgs[i].algo) == 0)
			ka = &keyalgs[i];
	if (ka == NULL)
		return pki_err(err, PKI_ERR_KEY, "%s: key.algo: unknown "
		    "algorithm \"%s\" (rsa, ecdsa, ed25519)", src, algo);
	if (ka->min > 0 && size < ka->min)
		return pki_err(err, PKI_ERR_KEY, "%s: key.size: %d is too "
		    "small for %s (%d..%d)", src, size, ka->algo, ka->min,
		    ka->max);
	if (ka->max > 0 && size > ka->max)
		return pki_err(err, PKI_ERR_KEY, "%s: key.size: %d is too "
		    "large for %s (%d..%d)", src, size, ka->algo, ka->min,
		    ka->max);
	if (ka->sizes != NULL) {
		for (i = 0; ka->sizes[i] != 0 && ka->sizes[i] != size; i++)
			;
		if (ka->sizes[i] == 0)
			return pki_err(err, PKI_ERR_KEY, "%s: key.size: %d is "
			    "not a valid ecdsa curve size (256, 384, 521)",
			    src, size);
	}

	if ((kg = calloc(1, sizeof(*kg))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	snprintf(kg->algo, sizeof(kg->algo), "%s", ka->algo);
	kg->size = size;
	snprintf(kg->src, sizeof(kg->src), "%s", src);
	if ((kg->ctx = EVP_PKEY_CTX_new_from_name(NULL, ka->ossl,
	    NULL)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "%s: EVP_PKEY_CTX_new_from_name", src);
		goto out;
	}
	if (EVP_PKEY_keygen_init(kg->ctx) <= 0) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: EVP_PKEY_keygen_init",
		    src);
		goto out;
	}
	if (strcmp(ka->algo, "rsa") == 0)
		kg->own_rsa = pki_rsa_generator_applies(size);
	if (strcmp(ka->algo, "rsa") == 0 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(kg->ctx, size) <= 0) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "%s: EVP_PKEY_CTX_set_rsa_keygen_bits", src);
		goto out;
	}
	if (strcmp(ka->algo, "ecdsa") == 0) {
		for (i = 0; i < NCURVES && curves[i].size != size; i++)
			;
		if (i == NCURVES || EVP_PKEY_CTX_set_group_name(kg->ctx,
		    curves[i].group) <= 0) {
			r = pki_err_ssl(err, PKI_ERR_CRYPTO,
			    "%s: EVP_PKEY_CTX_set_group_name", src);
			goto out;
		}
	}
	*out = kg;
	kg = NULL;
	r = PKI_OK;
 out:
	pki_keygen_free(kg);
	return r;
}

int
pki_keygen_matches(const struct pki_keygen *kg, const struct pki_csr *csr)
{
	return kg != NULL && strcmp(kg->algo, csr_algo(csr)) == 0 &&
	    kg->size == csr->key_size;
}

int
pki_keygen_run(struct pki_keygen *kg, struct pki_key **out,
    struct pki_error *err)
{
	EVP_PKEY	*pkey = NULL;
	int		 r;

	*out = NULL;
	if (kg->own_rsa) {
		if ((r = pki_rsa_generate(kg->size, &pkey, err)) != PKI_OK) {
			pki_err_prefix(err, kg->src);
			return r;
		}
	} else if (EVP_PKEY_generate(kg->ctx, &pkey) <= 0)
		return pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "%s: EVP_PKEY_generate", kg->src);
	r = key_wrap(&pkey, out, err);
	EVP_PKEY_free(pkey);
	return r;
}

void
pki_keygen_free(struct pki_keygen *kg)
{
	if (kg == NULL)
		return;
	EVP_PKEY_CTX_free(kg->ctx);
	free(kg);
}

int
pki_key_generate(const struct pki_csr *csr, struct pki_key **out,
    struct pki_error *err)
{
	struct pki_keygen	*kg = NULL;
	int			 r;

	*out = NULL;
	if ((r = pki_keygen_new(csr, &kg, err)) == PKI_OK)
		r = pki_keygen_run(kg, out, err);
	pki_keygen_free(kg);
	return r;
}

/*
 * Checks that a loaded key is one cfssl can use: RSA, ECDSA on P-256,
 * P-384 or P-521 named as such (Go's ParseECPrivateKey takes no explicit
 * curve parameters), or Ed25519.
 */
static int
key_check(const EVP_PKEY *pkey, const char *src, struct pki_error *err)
{
	char		 group[80];
	const char	*tn;

	if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "ED25519"))
		return PKI_OK;
	if (EVP_PKEY_is_a(pkey, "EC")) {
		if (key_curve(pkey, group, sizeof(group)) != NULL &&
		    !pki_pkey_explicit(pkey))
			return PKI_OK;
		if (group[0] == '\0' || pki_pkey_explicit(pkey))
			return pki_err(err, PKI_ERR_KEY, "%s: unsupported EC "
			    "key (explicit curve parameters)", src);
		return pki_err(err, PKI_ERR_KEY, "%s: unsupported EC curve %s",
		    src, group);
	}
	tn = EVP_PKEY_get0_type_name(pkey);
	return pki_err(err, PKI_ERR_KEY, "%s: unsupported key type %s", src,
	    tn != NULL ? tn : "(unknown)");
}

/* Decodes a DER private key of the given structure and type, or NULL. */
static EVP_PKEY *
der_decode(const unsigned char *der, size_t len, const char *structure,
    const char *keytype)
{
	OSSL_DECODER_CTX	*dctx;
	EVP_PKEY		*pkey = NULL;
	const unsigned char	*p = der;
	size_t			 left = len;

	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", structure, keytype,
	    EVP_PKEY_KEYPAIR, NULL, NULL);
	if (dctx == NULL)
		return NULL;
	if (OSSL_DECODER_from_data(dctx, &p, &left) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_DECODER_CTX_free(dctx);
	return pkey;
}

/*
 * derhelpers.ParsePrivateKeyDER: PKCS#8, then PKCS#1 RSA, then SEC1 EC
 * (PKCS#8 also covers cfssl's Ed25519 keys).  Returns NULL if none fits.
 * The structure the PEM label names is tried first: each try sets up
 * OpenSSL's decoders anew, and the label is nearly always right.  A DER
 * text is at most one of the three (they differ in their second
 * element), so the order does not change the result.
 */
static EVP_PKEY *
parse_key_der(const unsigned char *der, size_t len, const char *label)
{
	static const struct {
		const char	*label;
		const char	*structure;
		const char	*type;
	} forms[] = {
		{ "PRIVATE KEY",	"PrivateKeyInfo",	NULL },
		{ "RSA PRIVATE KEY",	"type-specific",	"RSA" },
		{ "EC PRIVATE KEY",	"type-specific",	"EC" },
	};
	EVP_PKEY	*pkey = NULL;
	size_t		 i, first = 0;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (label != NULL && strcmp(label, forms[i].label) == 0)
			first = i;
	ERR_set_mark();
	pkey = der_decode(der, len, forms[first].structure, forms[first].type);
	for (i = 0; pkey == NULL && i < sizeof(forms) / sizeof(forms[0]); i++)
		if (i != first)
			pkey = der_decode(der, len, forms[i].structure,
			    forms[i].type);
	ERR_pop_to_mark();
	return pkey;
}

/* Decrypts a PKCS#8 EncryptedPrivateKeyInfo; see the error codes below. */
static int
parse_encrypted_pkcs8(const unsigned char *der, size_t len,
    const char *password, const char *src, EVP_PKEY **out,
    struct pki_error *err)
{
	X509_SIG		*p8 = NULL;
	PKCS8_PRIV_KEY_INFO	*inf = NULL;
	const unsigned char	*p = der;
	int			 r;

	*out = NULL;
	if (len > LONG_MAX ||
	    (p8 = d2i_X509_SIG(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return PKI_ERR_PEM;	/* not one either */
	}
	if (password == NULL) {
		r = pki_err(err, PKI_ERR_ENCRYPTED, "%s: private key is "
		    "encrypted; set CFSSL_CA_PK_PASSWORD or -ca-key-password",
		    src);
		goto out;
	}
	if ((inf = PKCS8_decrypt_ex(p8, password, (int)strlen(password), NULL,
	    NULL)) == NULL) {
		r = pki_err(err, PKI_ERR_ENCRYPTED, "%s: cannot decrypt "
		    "private key (wrong password?)", src);
		goto out;
	}
	if ((*out = EVP_PKCS82PKEY_ex(inf, NULL, NULL)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_KEY,
		    "%s: cannot parse private key", src);
		goto out;
	}
	r = PKI_OK;
 out:
	PKCS8_PRIV_KEY_INFO_free(inf);
	X509_SIG_free(p8);
	return r;
}

/* The argument of pem_pass_cb. */
struct pwarg {
	const char	*pw;
};

/* The password callback for legacy PEM encryption (never prompts). */
static int
pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
	const struct pwarg	*pa = u;
	const char		*pw = pa != NULL ? pa->pw : NULL;
	size_t			 len;

	if (pw == NULL || size <= 0)
		return -1;
	len = strlen(pw);
	if (len > (size_t)size)
		len = (size_t)size;
	memcpy(buf, pw, len);
	return (int)len;
}

int
pki_key_load(const char *buf, size_t len, const char *source,
    const char *password, struct pki_key **out, struct pki_error *err)
{
	const char		*src = src_name(source);
	BIO			*bio = NULL;
	EVP_CIPHER_INFO		 cipher;
	struct pwarg		 pa;
	EVP_PKEY		*pkey = NULL;
	char			*name = NULL, *header = NULL;
	unsigned char		*data = NULL;
	long			 dlen = 0;
	unsigned long		 e;
	int			 r = PKI_ERR_INTERNAL, decrypted = 0;

	*out = NULL;
	if (len > INT_MAX)
		return pki_err(err, PKI_ERR_TOO_BIG, "%s: key file too large",
		    src);
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "%s: BIO_new_mem_buf", src);
		goto out;
	}
	/* The first PEM block that is not EC PARAMETERS, whatever its label. */
	for (;;) {
		if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				r = pki_err(err, PKI_ERR_PEM,
				    "%s: no private key found", src);
			else
				r = pki_err_ssl(err, PKI_ERR_PEM,
				    "%s: malformed PEM", src);
			goto out;
		}
		if (strcmp(name, "EC PARAMETERS") != 0)
			break;
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(data, (size_t)dlen);
		name = header = NULL;
		data = NULL;
	}

	/* Legacy "Proc-Type: 4,ENCRYPTED" PEM encryption. */
	if (strstr(header, "ENCRYPTED") != NULL) {
		if (password == NULL) {
			r = pki_err(err, PKI_ERR_ENCRYPTED, "%s: private key "
			    "is encrypted; set CFSSL_CA_PK_PASSWORD or "
			    "-ca-key-password", src);
			goto out;
		}
		if (PEM_get_EVP_CIPHER_INFO(header, &cipher) != 1) {
			r = pki_err_ssl(err, PKI_ERR_PEM,
			    "%s: unsupported PEM encryption", src);
			goto out;
		}
		pa.pw = password;
		if (PEM_do_header(&cipher, data, &dlen, pem_pass_cb,
		    &pa) != 1) {
			r = pki_err(err, PKI_ERR_ENCRYPTED, "%s: cannot "
			    "decrypt private key (wrong password?)", src);
			goto out;
		}
		decrypted = 1;
	}

	if ((pkey = parse_key_der(data, (size_t)dlen, name)) == NULL) {
		r = parse_encrypted_pkcs8(data, (size_t)dlen, password, src,
		    &pkey, err);
		if (r == PKI_ERR_PEM) {
			if (decrypted)
				r = pki_err(err, PKI_ERR_ENCRYPTED,
				    "%s: cannot decrypt private key "
				    "(wrong password?)", src);
			else
				r = pki_err(err, PKI_ERR_KEY,
				    "%s: cannot parse private key "
				    "(PEM block \"%s\")", src, name);
		}
		if (r != PKI_OK)
			goto out;
	}
	if ((r = key_check(pkey, src, err)) != 0)
		goto out;
	if ((r = key_wrap(&pkey, out, err)) != PKI_OK)
		goto out;
	/* PKCS#8 where cfssl would write PKCS#1 or SEC1: -key-format pkcs8. */
	(*out)->encrypted = decrypted || strcmp(name, "ENCRYPTED PRIVATE "
	    "KEY") == 0;
	if ((EVP_PKEY_is_a((*out)->pkey, "RSA") ||
	    EVP_PKEY_is_a((*out)->pkey, "EC")) &&
	    (strcmp(name, "PRIVATE KEY") == 0 ||
	    strcmp(name, "ENCRYPTED PRIVATE KEY") == 0))
		(*out)->fmt = PKI_KEY_FMT_PKCS8;
 out:
	EVP_PKEY_free(pkey);
	OPENSSL_free(name);
	OPENSSL_free(header);
	if (data != NULL)
		OPENSSL_clear_free(data, (size_t)dlen);
	BIO_free(bio);
	if (r == PKI_OK)
		ERR_clear_error();
	return r;
}

int
pki_key_format(const struct pki_key *key)
{
	return key->fmt;
}

int
pki_key_encrypted(const struct pki_key *key)
{
	return key->encrypted;
}

int
pki_key_encode(const struct pki_key *key, int fmt, char **pem, size_t *len,
    struct pki_error *err)
{
	return pki_key_encode_encrypted(key, fmt, NULL, 0, pem, len, err);
}

int
pki_key_encode_encrypted(const struct pki_key *key, int fmt, const char *pw,
    size_t pwlen, char **pem, size_t *len, struct pki_error *err)
{
	OSSL_ENCODER_CTX	*ectx = NULL;
	BIO			*bio = NULL;
	const char		*structure;
	char			*data;
	long			 n;
	int			 r = PKI_ERR_INTERNAL;

	*pem = NULL;
	*len = 0;
	if (fmt != PKI_KEY_FMT_CFSSL && fmt != PKI_KEY_FMT_PKCS8)
		return pki_err(err, PKI_ERR_ARG,
		    "key: unknown output format %d", fmt);
	/*
	 * cfssl writes PKCS#1 for RSA and SEC1 for ECDSA; Ed25519 goes out
	 * as standard PKCS#8 rather than cfssl's "Ed25519 PRIVATE KEY".
	 */
	if (fmt == PKI_KEY_FMT_CFSSL && (EVP_PKEY_is_a(key->pkey, "RSA") ||
	    EVP_PKEY_is_a(key->pkey, "EC")))
		structure = "type-specific";
	else
		structure = "PrivateKeyInfo";
	if ((ectx = OSSL_ENCODER_CTX_new_for_pkey(key->pkey, EVP_PKEY_KEYPAIR,
	    "PEM", structure, NULL)) == NULL ||
	    OSSL_ENCODER_CTX_get_num_encoders(ectx) == 0) {
		r = pki_err_ssl(err, PKI_ERR_KEY, "key: no PEM encoder for %s",
		    EVP_PKEY_get0_type_name(key->pkey));
		goto out;
	}
	/*
	 * Encrypted: PKCS#8 with PBES2 (PBKDF2, AES-256-CBC), or for RSA and
	 * ECDSA in cfssl's format the legacy "Proc-Type: 4,ENCRYPTED" PEM
	 * (AES-256-CBC), the only encryption cfssl itself can read.
	 */
	if (pw != NULL && (OSSL_ENCODER_CTX_set_cipher(ectx, "AES-256-CBC",
	    NULL) != 1 || OSSL_ENCODER_CTX_set_passphrase(ectx,
	    (const unsigned char *)pw, pwlen) != 1)) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "key: cannot set up "
		    "encryption");
		goto out;
	}
	if ((bio = BIO_new(BIO_s_secmem())) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "key: BIO_new");
		goto out;
	}
	if (OSSL_ENCODER_to_bio(ectx, bio) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "key: OSSL_ENCODER_to_bio");
		goto out;
	}
	if ((n = BIO_get_mem_data(bio, &data)) <= 0) {
		r = pki_err(err, PKI_ERR_CRYPTO, "key: empty PEM output");
		goto out;
	}
	if ((*pem = malloc((size_t)n + 1)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "key: out of memory");
		goto out;
	}
	memcpy(*pem, data, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;
	r = PKI_OK;
 out:
	BIO_free(bio);		/* secure memory: wiped on free */
	OSSL_ENCODER_CTX_free(ectx);
	return r;
}

void
pki_pkey_desc(const EVP_PKEY *pkey, char *buf, size_t len)
{
	const struct curve	*c;
	char			 group[80];

	if (len == 0)
		return;
	if (pkey == NULL)
		snprintf(buf, len, "unknown");
	else if (EVP_PKEY_is_a(pkey, "RSA"))
		snprintf(buf, len, "rsa-%d", EVP_PKEY_get_bits(pkey));
	else if (EVP_PKEY_is_a(pkey, "EC")) {
		if ((c = key_curve(pkey, group, sizeof(group))) != NULL)
			snprintf(buf, len, "ecdsa-%d", c->size);
		else
			snprintf(buf, len, "ecdsa-%d", EVP_PKEY_get_bits(pkey));
	} else if (EVP_PKEY_is_a(pkey, "ED25519"))
		snprintf(buf, len, "ed25519");
	else
		snprintf(buf, len, "unknown");
}

void
pki_key_desc(const struct pki_key *key, char *buf, size_t len)
{
	pki_pkey_desc(key != NULL ? key->pkey : NULL, buf, len);
}

const char *
pki_pkey_alg_name(const EVP_PKEY *pkey)
{
	if (pkey == NULL)
		return "Unknown";
	if (EVP_PKEY_is_a(pkey, "RSA"))
		return "RSA";
	if (EVP_PKEY_is_a(pkey, "EC"))
		return "ECDSA";
	if (EVP_PKEY_is_a(pkey, "ED25519"))
		return "Ed25519";
	return "Unknown";
}

int
pki_key_sig_md(const EVP_PKEY *pkey, const EVP_MD **md, struct pki_error *err)
{
	const struct curve	*c;
	char			 group[80];
	int			 bits;

	*md = NULL;
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		bits = EVP_PKEY_get_bits(pkey);
		if (bits >= 4096)
			*md = EVP_sha512();
		else if (bits >= 3072)
			*md = EVP_sha384();
		else if (bits >= 2048)
			*md = EVP_sha256();
		else
			*md = EVP_sha1();
		return PKI_OK;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		if ((c = key_curve(pkey, group, sizeof(group))) == NULL)
			return pki_err(err, PKI_ERR_KEY,
			    "key: unsupported EC curve %s",
			    group[0] != '\0' ? group : "(explicit)");
		*md = c->size == 256 ? EVP_sha256() :
		    c->size == 384 ? EVP_sha384() : EVP_sha512();
		return PKI_OK;
	}
	if (EVP_PKEY_is_a(pkey, "ED25519"))
		return PKI_OK;
	return pki_err(err, PKI_ERR_KEY, "key: unsupported key type %s",
	    EVP_PKEY_get0_type_name(pkey) != NULL ?
	    EVP_PKEY_get0_type_name(pkey) : "(unknown)");
}

int
pki_key_ski(const EVP_PKEY *pkey, unsigned char ski[20],
    struct pki_error *err)
{
	X509_PUBKEY		*xpk = NULL;
	const unsigned char	*pk, *p;
	unsigned char		*der = NULL;
	unsigned int		 mdlen = 0;
	int			 derlen, pklen, r = PKI_ERR_INTERNAL;

	if ((derlen = i2d_PUBKEY(pkey, &der)) <= 0) {
		r = pki_err_ssl(err, PKI_ERR_KEY, "key: i2d_PUBKEY");
		goto out;
	}
	p = der;
	if ((xpk = d2i_X509_PUBKEY(NULL, &p, derlen)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "key: d2i_X509_PUBKEY");
		goto out;
	}
	if (X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, xpk) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "key: X509_PUBKEY_get0_param");
		goto out;
	}
	if (EVP_Digest(pk, (size_t)pklen, ski, &mdlen, EVP_sha1(), NULL) != 1 ||
	    mdlen != 20) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "key: EVP_Digest");
		goto out;
	}
	r = PKI_OK;
 out:
	X509_PUBKEY_free(xpk);
	OPENSSL_free(der);
	return r;
}
