/*
 * crl.c: certificate revocation lists: the CRL "cfssl gencrl" makes (Go's
 * x509.CreateCRL: v2, the issuer's subject, thisUpdate, nextUpdate, the
 * entries, an Authority Key Identifier) and the cluster's CRL, which adds
 * a CRL Number and reason codes; loading and reading one back; gencrl's
 * two inputs (the serial list and TIME); revocation reasons as cfssl
 * names them.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "facts.h"

struct pki_crl {
	X509_CRL	*crl;
};

/* Longest decimal serial accepted: far beyond RFC 5280's 20 octets. */
#define CRL_SERIAL_MAX	60

/* ---- reasons -------------------------------------------------------- */

static const char *const reason_names[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", NULL,
	"removeFromCRL", "privilegeWithdrawn", "aACompromise"
};
#define NREASONS	(sizeof(reason_names) / sizeof(reason_names[0]))

const char *
pki_crl_reason_name(int code)
{
	if (code == PKI_REASON_NONE)
		return "";
	if (code < 0 || (size_t)code >= NREASONS || reason_names[code] == NULL)
		return "unknown";
	return reason_names[code];
}

/* Refuses the reasons a full CRL cannot carry. */
static int
reason_check(int code, struct pki_error *err)
{
	if (code == 7)
		return pki_err(err, PKI_ERR_INPUT, "reason 7 is not assigned "
		    "(RFC 5280 5.3.1)");
	if (code == PKI_REASON_REMOVE_FROM_CRL)
		return pki_err(err, PKI_ERR_INPUT, "removeFromCRL (8) belongs "
		    "in delta CRLs only, and a revocation cannot be undone");
	return PKI_OK;
}

int
pki_crl_reason_parse(const char *s, int *code, struct pki_error *err)
{
	size_t	i;
	char	*end;
	long	v;

	*code = PKI_REASON_UNSPECIFIED;
	if (s == NULL || *s == '\0')
		return PKI_OK;
	for (i = 0; i < NREASONS; i++)
		if (reason_names[i] != NULL &&
		    strcasecmp(s, reason_names[i]) == 0)
			return reason_check(*code = (int)i, err);
	if (isdigit((unsigned char)*s)) {
		v = strtol(s, &end, 10);
		if (*end == '\0' && v >= 0 && (size_t)v < NREASONS) {
			*code = (int)v;
			return reason_check(*code, err);
		}
	}
	return pki_err(err, PKI_ERR_INPUT, "unknown reason \"%s\" (expected "
	    "unspecified, keyCompromise, cACompromise, affiliationChanged, "
	    "superseded, cessationOfOperation, certificateHold, "
	    "privilegeWithdrawn, aACompromise or the number 0..10)", s);
}

/* ---- making a CRL ----------------------------------------------------- */

/*
 * The digest Go's x509.CreateCRL signs with: SHA-256 for RSA whatever its
 * size, by curve for ECDSA (as for certificates), none for Ed25519.
 */
static int
crl_md(const EVP_PKEY *pkey, const EVP_MD **md, struct pki_error *err)
{
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		*md = EVP_sha256();
		return PKI_OK;
	}
	return pki_key_sig_md(pkey, md, err);
}

/* A decimal serial as an ASN1_INTEGER (new); NULL after err. */
static ASN1_INTEGER *
serial_integer(const char *dec, struct pki_error *err)
{
	ASN1_INTEGER	*ai = NULL;
	BIGNUM		*bn = NULL;
	size_t		 len = strlen(dec);

	if (len == 0 || len > CRL_SERIAL_MAX ||
	    strspn(dec, "0123456789") != len) {
		pki_err(err, PKI_ERR_INPUT, "serial \"%s\": not a decimal "
		    "serial number", dec);
		return NULL;
	}
	if (BN_dec2bn(&bn, dec) == 0 ||
	    (ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
		pki_err_ssl(err, PKI_ERR_CRYPTO, "BN_to_ASN1_INTEGER");
	BN_free(bn);
	return ai;
}

/* Adds one revoked entry to crl. */
static int
add_entry(X509_CRL *crl, const struct pki_crl_entry *e,
    struct pki_error *err)
{
	X509_REVOKED		*rev = NULL;
	ASN1_INTEGER		*serial = NULL;
	ASN1_TIME		*when = NULL;
	ASN1_ENUMERATED		*rc = NULL;
	int			 r = PKI_ERR_INTERNAL;

	if ((serial = serial_integer(e->serial, err)) == NULL)
		return err != NULL ? err->code : PKI_ERR_INPUT;
	if ((rev = X509_REVOKED_new()) == NULL ||
	    (when = ASN1_TIME_set(NULL, (time_t)e->revoked_at)) == NULL ||
	    X509_REVOKED_set_serialNumber(rev, serial) != 1 ||
	    X509_REVOKED_set_revocationDate(rev, when) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_REVOKED");
		goto out;
	}
	/* RFC 5280 5.3.1: unspecified is left out rather than written. */
	if (e->reason > PKI_REASON_UNSPECIFIED) {
		if ((r = reason_check(e->reason, err)) != PKI_OK)
			goto out;
		if ((rc = ASN1_ENUMERATED_new()) == NULL ||
		    ASN1_ENUMERATED_set(rc, e->reason) != 1 ||
		    X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, rc, 0,
		    X509V3_ADD_DEFAULT) != 1) {
			r = pki_err_ssl(err, PKI_ERR_CRYPTO,
			    "X509_REVOKED_add1_ext_i2d");
			goto out;
		}
	}
	if (X509_CRL_add0_revoked(crl, rev) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_CRL_add0_revoked");
		goto out;
	}
	rev = NULL;
	r = PKI_OK;
 out:
	X509_REVOKED_free(rev);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(when);
	ASN1_ENUMERATED_free(rc);
	return r;
}

/* The CRL extensions: AKI (the CA's SKI, when it has one), CRL Number. */
static int
add_extensions(X509_CRL *crl, X509 *ca, const char *number,
    struct pki_error *err)
{
	const ASN1_OCTET_STRING	*ski;
	AUTHORITY_KEYID		*akid = NULL;
	ASN1_INTEGER		*num = NULL;
	int			 r = PKI_ERR_INTERNAL;

	if ((ski = X509_get0_subject_key_id(ca)) != NULL) {
		if ((akid = AUTHORITY_KEYID_new()) == NULL ||
		    (akid->keyid = ASN1_OCTET_STRING_dup(ski)) == NULL ||
		    X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier,
		    akid, 0, X509V3_ADD_DEFAULT) != 1) {
			r = pki_err_ssl(err, PKI_ERR_CRYPTO,
			    "authorityKeyIdentifier");
			goto out;
		}
	}
	if (number != NULL) {
		if ((num = serial_integer(number, err)) == NULL) {
			r = err != NULL ? err->code : PKI_ERR_INPUT;
			goto out;
		}
		if (X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0,
		    X509V3_ADD_DEFAULT) != 1) {
			r = pki_err_ssl(err, PKI_ERR_CRYPTO, "cRLNumber");
			goto out;
		}
	}
	r = PKI_OK;
 out:
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(num);
	return r;
}

/* *out takes *crl over (*crl NULL after success). */
static int
crl_wrap(X509_CRL **crl, struct pki_crl **out, struct pki_error *err)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	(*out)->crl = *crl;
	*crl = NULL;
	return PKI_OK;
}

int
pki_crl_new(const struct pki_crl_request *q, struct pki_crl **out,
    struct pki_error *err)
{
	X509_CRL	*crl = NULL;
	ASN1_TIME	*tu = NULL, *nu = NULL;
	EVP_MD_CTX	*mctx = NULL;
	const EVP_MD	*md = NULL;
	size_t		 i;
	int		 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if (q->ca == NULL || q->cakey == NULL)
		return pki_err(err, PKI_ERR_ARG, "pki_crl_new: no CA");
	if (!pki_cert_matches_key(q->ca, q->cakey))
		return pki_err(err, PKI_ERR_MISMATCH, "the CA key does not "
		    "match the CA certificate");
	if ((r = crl_md(q->cakey->pkey, &md, err)) != PKI_OK)
		return r;
	if ((crl = X509_CRL_new()) == NULL ||
	    X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl,
	    X509_get_subject_name(q->ca->x509)) != 1 ||
	    (tu = ASN1_TIME_set(NULL, (time_t)q->this_update)) == NULL ||
	    (nu = ASN1_TIME_set(NULL, (time_t)q->next_update)) == NULL ||
	    X509_CRL_set1_lastUpdate(crl, tu) != 1 ||
	    X509_CRL_set1_nextUpdate(crl, nu) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_CRL");
		goto out;
	}
	for (i = 0; i < q->nentries; i++)
		if ((r = add_entry(crl, &q->entries[i], err)) != PKI_OK)
			goto out;
	if ((r = add_extensions(crl, q->ca->x509, q->number, err)) != PKI_OK)
		goto out;
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mctx, NULL, md, NULL, q->cakey->pkey) != 1 ||
	    X509_CRL_sign_ctx(crl, mctx) <= 0) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_CRL_sign_ctx");
		goto out;
	}
	r = crl_wrap(&crl, out, err);
 out:
	EVP_MD_CTX_free(mctx);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	X509_CRL_free(crl);
	ERR_clear_error();
	return r;
}

void
pki_crl_free(struct pki_crl *crl)
{
	if (crl == NULL)
		return;
	X509_CRL_free(crl->crl);
	free(crl);
}

/* ---- reading one ------------------------------------------------------ */

int
pki_crl_load(const char *buf, size_t len, const char *source,
    struct pki_crl **out, struct pki_error *err)
{
	X509_CRL		*crl = NULL;
	BIO			*bio = NULL;
	const unsigned char	*p = (const unsigned char *)buf;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if (source == NULL)
		source = "";
	pki_err_source(err, source);
	if (buf == NULL || len == 0)
		return pki_err(err, PKI_ERR_PEM, "%s: empty", source);
	if (len > INT_MAX)
		return pki_err(err, PKI_ERR_TOO_BIG, "%s: input too large",
		    source);
	if (memmem(buf, len, "-----BEGIN X509 CRL-----", 24) != NULL) {
		if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
		    (crl = PEM_read_bio_X509_CRL(bio, NULL, NULL,
		    NULL)) == NULL) {
			r = pki_err_ssl(err, PKI_ERR_PEM, "%s: bad PEM CRL",
			    source);
			goto out;
		}
	} else {
		if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) == NULL) {
			r = pki_err_ssl(err, PKI_ERR_PEM, "%s: neither a PEM "
			    "nor a DER CRL", source);
			goto out;
		}
		if (p != (const unsigned char *)buf + len) {
			r = pki_err(err, PKI_ERR_PEM, "%s: trailing data "
			    "after the CRL", source);
			goto out;
		}
	}
	r = crl_wrap(&crl, out, err);
 out:
	BIO_free(bio);
	X509_CRL_free(crl);
	ERR_clear_error();
	return r;
}

int
pki_crl_encode(const struct pki_crl *crl, int fmt, char **out, size_t *len,
    struct pki_error *err)
{
	BIO		*bio = NULL;
	unsigned char	*der = NULL;
	char		*data;
	long		 n;
	int		 dlen, r = PKI_ERR_INTERNAL;

	*out = NULL;
	*len = 0;
	if (fmt != PKI_CRL_PEM) {
		if ((dlen = i2d_X509_CRL(crl->crl, &der)) <= 0)
			return pki_err_ssl(err, PKI_ERR_CRYPTO,
			    "i2d_X509_CRL");
		if (fmt == PKI_CRL_BASE64)
			*out = pki_b64_encode(der, (size_t)dlen);
		else if ((*out = malloc((size_t)dlen + 1)) != NULL) {
			memcpy(*out, der, (size_t)dlen);
			(*out)[dlen] = '\0';
		}
		OPENSSL_free(der);
		if (*out == NULL)
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		*len = fmt == PKI_CRL_BASE64 ? strlen(*out) : (size_t)dlen;
		return PKI_OK;
	}
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509_CRL(bio, crl->crl) != 1 ||
	    (n = BIO_get_mem_data(bio, &data)) <= 0) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "PEM_write_bio_X509_CRL");
		goto out;
	}
	if ((*out = malloc((size_t)n + 1)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	memcpy(*out, data, (size_t)n);
	(*out)[n] = '\0';
	*len = (size_t)n;
	r = PKI_OK;
 out:
	BIO_free(bio);
	return r;
}

/* An ASN1_INTEGER in decimal into buf ("" when it does not fit). */
static int
integer_dec(const ASN1_INTEGER *ai, char *buf, size_t size,
    struct pki_error *err)
{
	BIGNUM	*bn = NULL;
	char	*dec = NULL;
	int	 r = PKI_OK;

	buf[0] = '\0';
	if ((bn = ASN1_INTEGER_to_BN(ai, NULL)) == NULL ||
	    (dec = BN_bn2dec(bn)) == NULL)
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "BN_bn2dec");
	else if (strlen(dec) >= size)
		r = pki_err(err, PKI_ERR_INPUT, "serial number too long");
	else
		snprintf(buf, size, "%s", dec);
	OPENSSL_free(dec);
	BN_free(bn);
	return r;
}

int
pki_crl_info(const struct pki_crl *crl, struct pki_crl_info *info,
    struct pki_error *err)
{
	const STACK_OF(X509_REVOKED)	*revs;
	AUTHORITY_KEYID			*akid = NULL;
	ASN1_INTEGER			*num = NULL;
	const ASN1_TIME			*nu;
	int				 crit = 0, r = PKI_ERR_INTERNAL;

	memset(info, 0, sizeof(*info));
	if ((r = pki_asn1_time_unix(X509_CRL_get0_lastUpdate(crl->crl),
	    &info->this_update, "thisUpdate", err)) != PKI_OK)
		goto out;
	if ((nu = X509_CRL_get0_nextUpdate(crl->crl)) != NULL &&
	    (r = pki_asn1_time_unix(nu, &info->next_update, "nextUpdate",
	    err)) != PKI_OK)
		goto out;
	if ((num = X509_CRL_get_ext_d2i(crl->crl, NID_crl_number, &crit,
	    NULL)) != NULL) {
		if ((r = integer_dec(num, info->number, sizeof(info->number),
		    err)) != PKI_OK)
			goto out;
	} else if (crit != -1) {
		r = pki_err(err, PKI_ERR_PEM, "unreadable CRL Number");
		goto out;
	}
	crit = 0;
	if ((akid = X509_CRL_get_ext_d2i(crl->crl,
	    NID_authority_key_identifier, &crit, NULL)) != NULL) {
		pki_octets_hex(akid->keyid, info->aki, sizeof(info->aki));
	} else if (crit != -1) {
		r = pki_err(err, PKI_ERR_PEM, "unreadable CRL Authority Key "
		    "Identifier");
		goto out;
	}
	if ((r = pki_name_oneline(X509_CRL_get_issuer(crl->crl), &info->issuer,
	    NULL, err)) != PKI_OK)
		goto out;
	revs = X509_CRL_get_REVOKED(crl->crl);
	info->nentries = revs != NULL ?
	    (size_t)sk_X509_REVOKED_num(revs) : 0;
	r = PKI_OK;
 out:
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(num);
	ERR_clear_error();
	if (r != PKI_OK)
		pki_crl_info_clear(info);
	return r;
}

void
pki_crl_info_clear(struct pki_crl_info *info)
{
	free(info->issuer);
	memset(info, 0, sizeof(*info));
}

int
pki_crl_entry(const struct pki_crl *crl, size_t i, struct pki_crl_entry *e,
    struct pki_error *err)
{
	const STACK_OF(X509_REVOKED)	*revs;
	const X509_REVOKED		*rev;
	ASN1_ENUMERATED			*rc = NULL;
	int				 crit = 0, r;

	memset(e, 0, sizeof(*e));
	e->reason = PKI_REASON_NONE;
	revs = X509_CRL_get_REVOKED(crl->crl);
	if (revs == NULL || i >= (size_t)sk_X509_REVOKED_num(revs))
		return pki_err(err, PKI_ERR_ARG, "no CRL entry %zu", i);
	rev = sk_X509_REVOKED_value(revs, (int)i);
	if ((r = integer_dec(X509_REVOKED_get0_serialNumber(rev), e->serial,
	    sizeof(e->serial), err)) != PKI_OK ||
	    (r = pki_asn1_time_unix(X509_REVOKED_get0_revocationDate(rev),
	    &e->revoked_at, "revocationDate", err)) != PKI_OK)
		return r;
	if ((rc = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit,
	    NULL)) != NULL) {
		e->reason = (int)ASN1_ENUMERATED_get(rc);
		ASN1_ENUMERATED_free(rc);
	} else if (crit != -1)
		return pki_err(err, PKI_ERR_PEM, "CRL entry %s: unreadable "
		    "reason code", e->serial);
	return PKI_OK;
}

int
pki_crl_verify(const struct pki_crl *crl, const struct pki_cert *ca,
    struct pki_error *err)
{
	EVP_PKEY	*pk;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl->crl),
	    X509_get_subject_name(ca->x509)) != 0)
		return pki_err(err, PKI_ERR_SIGNATURE, "issued by another CA "
		    "(the issuer is not the CA's subject)");
	if ((pk = X509_get0_pubkey(ca->x509)) == NULL ||
	    X509_CRL_verify(crl->crl, pk) != 1)
		return pki_err_ssl(err, PKI_ERR_SIGNATURE, "the signature "
		    "does not verify with the CA's key");
	return PKI_OK;
}

/* ---- cfssl gencrl -------------------------------------------------------- */

int
pki_crl_gencrl(const struct pki_gencrl *g, char **out, size_t *len,
    struct pki_error *err)
{
	struct pki_crl_request	 q;
	struct pki_crl_entry	*v = NULL;
	struct pki_crl		*crl = NULL;
	char			**serials = NULL;
	size_t			 i, n = 0;
	time_t			 now = g->now != 0 ? g->now : time(NULL);
	int			 r;

	*out = NULL;
	*len = 0;
	if ((r = pki_crl_serials_parse(g->serials, g->len, g->source, g->opts,
	    &serials, &n, err)) != PKI_OK)
		return r;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		snprintf(v[i].serial, sizeof(v[i].serial), "%s", serials[i]);
		v[i].revoked_at = now;
		v[i].reason = PKI_REASON_NONE;
	}
	memset(&q, 0, sizeof(q));
	q.ca = g->ca;
	q.cakey = g->cakey;
	q.entries = v;
	q.nentries = n;
	q.this_update = now;
	/* cfssl: 0 (or no TIME) is a week. */
	q.next_update = now + (g->expiry != 0 ? g->expiry : 7 * 86400);
	if ((r = pki_crl_new(&q, &crl, err)) == PKI_OK)
		r = pki_crl_encode(crl, g->fmt, out, len, err);
 out:
	pki_crl_free(crl);
	pki_strv_free(serials, n);
	free(v);
	return r;
}

/* ---- gencrl's inputs ---------------------------------------------------- */

/* s without surrounding white space: [*b, *e). */
static void
trim(const char *s, size_t len, const char **b, const char **e)
{
	*b = s;
	*e = s + len;
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

int
pki_crl_serials_parse(const char *buf, size_t len, const char *source,
    const struct pki_parse_opts *opts, char ***serials, size_t *n,
    struct pki_error *err)
{
	struct pki_strv	 sv;
	const char	*p = buf, *end = buf + len, *nl, *b, *e;
	char		 dec[CRL_SERIAL_MAX + 1], text[512];
	size_t		 line = 0, i, l;
	int		 r = PKI_ERR_INTERNAL;

	*serials = NULL;
	*n = 0;
	memset(&sv, 0, sizeof(sv));
	pki_err_source(err, source);
	for (; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		trim(p, (size_t)(nl - p), &b, &e);
		if (b == e)
			continue;
		if (*b == '+')
			b++;
		l = (size_t)(e - b);
		if (l == 0 || l > CRL_SERIAL_MAX ||
		    strspn(b, "0123456789") < l) {
			r = pki_err(err, PKI_ERR_INPUT, "%s: line %zu: "
			    "\"%.*s\" is not a decimal serial number (cfssl "
			    "would revoke another serial)", source, line,
			    (int)((size_t)(e - b) > 64 ? 64 : e - b), b);
			goto out;
		}
		/* Leading zeros name the same number. */
		while (l > 1 && *b == '0') {
			b++;
			l--;
		}
		memcpy(dec, b, l);
		dec[l] = '\0';
		for (i = 0; i < sv.n && strcmp(sv.v[i], dec) != 0; i++)
			;
		if (i < sv.n) {
			if (opts != NULL && opts->strict) {
				r = pki_err(err, PKI_ERR_INPUT, "%s: line %zu: "
				    "serial %s is listed twice", source, line,
				    dec);
				goto out;
			}
			snprintf(text, sizeof(text), "%s: line %zu: serial %s "
			    "is listed twice; listed once", source, line, dec);
			if (opts != NULL && opts->warn != NULL)
				opts->warn(opts->warn_arg, text);
			continue;
		}
		if ((r = pki_strv_push(&sv, dec)) != PKI_OK) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	*serials = sv.v;
	*n = sv.n;
	memset(&sv, 0, sizeof(sv));
	r = PKI_OK;
 out:
	pki_strv_clear(&sv);
	return r;
}

/* The value of digit c in base, or -1. */
static int
digit_value(int c, int base)
{
	int	v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'z')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'Z')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? v : -1;
}

int
pki_crl_expiry_parse(const char *s, int64_t *sec, struct pki_error *err)
{
	const char	*b, *e, *p;
	int64_t		 v = 0;
	int		 neg = 0, base = 10, d, prefixed = 0, last_us = 0;
	int		 ndigits = 0;

	*sec = 0;
	trim(s, strlen(s), &b, &e);
	p = b;
	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (e - p >= 2 && p[0] == '0') {
		switch (p[1]) {
		case 'x': case 'X': base = 16; prefixed = 1; break;
		case 'o': case 'O': base = 8; prefixed = 1; break;
		case 'b': case 'B': base = 2; prefixed = 1; break;
		default: base = 8; break;
		}
		if (prefixed)
			p += 2;
	}
	/* Go: '_' only with base 0, between digits (or after a prefix). */
	last_us = !prefixed;
	for (; p < e; p++) {
		if (*p == '_') {
			if (last_us)
				goto syntax;
			last_us = 1;
			continue;
		}
		if ((d = digit_value((unsigned char)*p, base)) < 0)
			goto syntax;
		last_us = 0;
		ndigits++;
		v = v * base + d;
		if (v > (int64_t)INT32_MAX + 1)
			goto range;
	}
	if (ndigits == 0 || last_us)
		goto syntax;
	if (neg)
		v = -v;
	if (v > INT32_MAX || v < INT32_MIN)
		goto range;
	*sec = v;
	return PKI_OK;
 syntax:
	return pki_err(err, PKI_ERR_INPUT, "\"%.*s\": not a number of seconds",
	    (int)(e - b > 64 ? 64 : e - b), b);
 range:
	return pki_err(err, PKI_ERR_INPUT, "\"%.*s\": out of range (at most "
	    "%d seconds, 32 bits, as cfssl)", (int)(e - b > 64 ? 64 : e - b),
	    b, INT32_MAX);
}

int
pki_crl_expiry_arg(const char *arg, int64_t *sec, int *from_file,
    struct pki_error *err)
{
	struct pki_error	 e;
	struct stat		 st;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r;

	*from_file = 0;
	memset(&e, 0, sizeof(e));
	if ((r = pki_crl_expiry_parse(arg, sec, &e)) == PKI_OK)
		return PKI_OK;
	if (stat(arg, &st) == -1 || !S_ISREG(st.st_mode))
		return pki_err(err, r, "TIME %s", e.text);
	if ((r = pki_input_read(arg, 0, PKI_MAX_INPUT, &buf, &len,
	    err)) != PKI_OK)
		return r;
	if ((r = pki_crl_expiry_parse(buf, sec, &e)) != PKI_OK)
		r = pki_err(err, r, "TIME: %s: %s", arg, e.text);
	else
		*from_file = 1;
	free(buf);
	return r;
}

int
pki_crl_validity(const char *buf, size_t len, const char *source,
    int64_t *this_update, int64_t *next_update, struct pki_error *err)
{
	struct pki_crl		*crl = NULL;
	struct pki_crl_info	 info;
	int			 r;

	memset(&info, 0, sizeof(info));
	if ((r = pki_crl_load(buf, len, source, &crl, err)) == PKI_OK &&
	    (r = pki_crl_info(crl, &info, err)) == PKI_OK) {
		*this_update = info.this_update;
		*next_update = info.next_update;
		if (info.next_update == 0)
			r = pki_err(err, PKI_ERR_INPUT, "%s: a CRL without a "
			    "next update", source);
	}
	pki_crl_info_clear(&info);
	pki_crl_free(crl);
	return r;
}

int
pki_aki_normalize(const char *in, char *out, size_t size)
{
	size_t	n = 0;

	for (; *in != '\0'; in++) {
		if (*in == ':')
			continue;
		if (!isxdigit((unsigned char)*in) || n + 1 >= size)
			return -1;
		out[n++] = (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

int
pki_revoke_db_args(int nargs, const char *serial, const char *aki,
    const char *dbconf, char *akihex, size_t size, struct pki_error *err)
{
	/* cfssl's checks, in its order and words. */
	if (nargs > 0)
		return pki_err(err, PKI_ERR_INPUT, "argument is provided but not "
		    "defined; please refer to the usage by flag -h");
	if (serial == NULL)
		return pki_err(err, PKI_ERR_INPUT, "serial number is required "
		    "but not provided");
	if (aki == NULL)
		return pki_err(err, PKI_ERR_INPUT, "authority key id is "
		    "required but not provided");
	if (dbconf == NULL)
		return pki_err(err, PKI_ERR_INPUT, "need DB config file "
		    "(provide with -db-config)");
	if (strspn(serial, "0123456789") != strlen(serial))
		return pki_err(err, PKI_ERR_INPUT, "-serial %s: expected the "
		    "serial number in decimal, as the database keeps it",
		    serial);
	if (pki_aki_normalize(aki, akihex, size) != 0)
		return pki_err(err, PKI_ERR_INPUT, "-aki %s: expected the "
		    "authority key identifier in hex", aki);
	return PKI_OK;
}

int
pki_gencrl_args(int nargs, char *const *args, struct pki_error *err)
{
	int	i, nstdin = 0;

	if (nargs < 3)
		return pki_err(err, PKI_ERR_INPUT, "not enough arguments are "
		    "supplied --- please refer to the usage");
	if (nargs > 4)
		return pki_err(err, PKI_ERR_ARG, "too many arguments: SERIALS "
		    "CA-CERT CA-KEY [TIME]");
	for (i = 0; i < 3; i++)
		nstdin += strcmp(args[i], "-") == 0;
	if (nstdin > 1)
		return pki_err(err, PKI_ERR_INPUT, "only one of SERIALS, "
		    "CA-CERT and CA-KEY can be - (standard input)");
	return PKI_OK;
}
