/*
 * facts.c: what status, check, needs-renewal and renew read from a
 * certificate (dates, names, SANs, usages, key digest), how it drifted
 * from its CSR JSON, and chain verification against a trust bundle.
 * When to renew is timing.c's.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "x509priv.h"
#include "cluster.h"
#include "facts.h"
#include "der.h"

/* ---- SANs ----------------------------------------------------------- */

void
pki_san_text(const GENERAL_NAME *gen, char *buf, size_t size)
{
	const ASN1_STRING	*v;
	const unsigned char	*s;
	char			 ip[64];
	int			 type, n;

	v = GENERAL_NAME_get0_value(gen, &type);
	switch (type) {
	case GEN_IPADD:
	case GEN_DNS:
	case GEN_EMAIL:
	case GEN_URI:
		break;
	default:
		snprintf(buf, size, "other:%d", type);
		return;
	}
	s = ASN1_STRING_get0_data(v);
	n = ASN1_STRING_length(v);
	switch (type) {
	case GEN_IPADD:
		pki_ip_format(s, (size_t)n, ip, sizeof(ip));
		snprintf(buf, size, "IP:%s", ip);
		break;
	case GEN_DNS:
		snprintf(buf, size, "DNS:%.*s", n, (const char *)s);
		break;
	case GEN_EMAIL:
		snprintf(buf, size, "email:%.*s", n, (const char *)s);
		break;
	default:
		snprintf(buf, size, "URI:%.*s", n, (const char *)s);
		break;
	}
}

/*
 * The SANs of an extension list as a newly allocated GENERAL_NAMES in
 * *out (NULL when there are none).  An undecodable or repeated extension
 * is an error, not "absent".
 */
static int
exts_sans(const STACK_OF(X509_EXTENSION) *exts, GENERAL_NAMES **out,
    struct pki_error *err)
{
	int	crit = -1;

	*out = X509V3_get_d2i(exts, NID_subject_alt_name, &crit, NULL);
	if (*out == NULL && crit != -1)
		return pki_err_ssl(err, PKI_ERR_PEM,
		    "unreadable subjectAltName extension");
	return PKI_OK;
}

/* The SANs of x, as exts_sans(). */
static int
cert_sans(const X509 *x, GENERAL_NAMES **out, struct pki_error *err)
{
	return exts_sans(X509_get0_extensions(x), out, err);
}

/* Appends the text of every name of gens to sv, skipping duplicates. */
static int
sans_to_strv(const GENERAL_NAMES *gens, struct pki_strv *sv)
{
	char	buf[1024];
	size_t	j;
	int	i, dup;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		pki_san_text(sk_GENERAL_NAME_value(gens, i), buf, sizeof(buf));
		for (dup = 0, j = 0; j < sv->n && !dup; j++)
			dup = strcmp(sv->v[j], buf) == 0;
		if (!dup && pki_strv_push(sv, buf) != PKI_OK)
			return PKI_ERR_ALLOC;
	}
	return PKI_OK;
}

static int
strv_has(const struct pki_strv *sv, const char *s)
{
	size_t	i;

	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return 1;
	return 0;
}

/* ---- names ---------------------------------------------------------- */

/* Appends value to sb with RFC 4514 escaping of the special characters. */
static void
add_escaped(struct pki_buf *sb, const char *v)
{
	size_t	i, n = strlen(v);
	char	c[3];

	for (i = 0; i < n; i++) {
		if (strchr(",+\"\\<>;=", v[i]) != NULL ||
		    ((i == 0 || i == n - 1) && v[i] == ' ') ||
		    (i == 0 && v[i] == '#')) {
			c[0] = '\\';
			c[1] = v[i];
			c[2] = '\0';
		} else {
			c[0] = v[i];
			c[1] = '\0';
		}
		pki_buf_add(sb, c);
	}
}

int
pki_name_oneline(const X509_NAME *name, char **out, char **cn,
    struct pki_error *err)
{
	struct pki_buf		 sb;
	const X509_NAME_ENTRY	*ent;
	const ASN1_OBJECT	*obj;
	char			*v = NULL, *lastcn = NULL, oid[128];
	const char		*sn;
	int			 i, n, nid, set, prev = -1, r = PKI_ERR_INTERNAL;

	*out = NULL;
	if (cn != NULL)
		*cn = NULL;
	memset(&sb, 0, sizeof(sb));
	n = X509_NAME_entry_count(name);
	for (i = 0; i < n; i++) {
		ent = X509_NAME_get_entry(name, i);
		obj = X509_NAME_ENTRY_get_object(ent);
		set = X509_NAME_ENTRY_set(ent);
		nid = OBJ_obj2nid(obj);
		sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
		if (sn == NULL) {
			if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
				snprintf(oid, sizeof(oid), "?");
			sn = oid;
		}
		if ((r = pki_asn1_string_utf8(X509_NAME_ENTRY_get_data(ent), sn,
		    &v, err)) != PKI_OK)
			goto out;
		if (i > 0)
			pki_buf_add(&sb, set == prev ? "+" : ",");
		prev = set;
		pki_buf_add(&sb, sn);
		pki_buf_add(&sb, "=");
		add_escaped(&sb, v);
		if (nid == NID_commonName) {
			free(lastcn);
			lastcn = v;
		} else
			free(v);
		v = NULL;
	}
	if (sb.b == NULL)
		pki_buf_add(&sb, "");
	if (cn != NULL && lastcn == NULL && (lastcn = strdup("")) == NULL)
		sb.oom = 1;
	if (sb.oom) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	*out = sb.b;
	sb.b = NULL;
	if (cn != NULL) {
		*cn = lastcn;
		lastcn = NULL;
	}
	r = PKI_OK;
 out:
	free(v);
	free(lastcn);
	free(sb.b);
	return r;
}

/* ---- facts ---------------------------------------------------------- */

int
pki_asn1_time_unix(const ASN1_TIME *t, int64_t *out, const char *what,
    struct pki_error *err)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return pki_err_ssl(err, PKI_ERR_PEM, "unreadable %s", what);
	*out = (int64_t)timegm(&tm);
	return PKI_OK;
}

/* The cfssl usage name of an extended key usage NID, or NULL. */
static const char *
eku_name(int nid)
{
	const char	*name;
	size_t		 i;
	int		 kind, value;

	for (i = 0; (name = pki_usage_name(i)) != NULL; i++)
		if (pki_usage_lookup(name, &kind, &value) == PKI_OK &&
		    kind == PKI_USAGE_EKU && value == nid)
			return name;
	return NULL;
}

static int
facts_serial(const ASN1_INTEGER *serial, struct pki_cert_facts *f,
    struct pki_error *err)
{
	BIGNUM	*bn = NULL;
	char	*dec = NULL, *hex = NULL;
	size_t	 i;
	int	 r = PKI_ERR_INTERNAL;

	if ((bn = ASN1_INTEGER_to_BN(serial, NULL)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "ASN1_INTEGER_to_BN");
		goto out;
	}
	if ((dec = BN_bn2dec(bn)) == NULL || (hex = BN_bn2hex(bn)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "BN_bn2dec");
		goto out;
	}
	if (strlen(dec) >= sizeof(f->serial) ||
	    strlen(hex) >= sizeof(f->serial_hex)) {
		r = pki_err(err, PKI_ERR_UNSUPPORTED,
		    "serial number too long (%zu digits)", strlen(dec));
		goto out;
	}
	memcpy(f->serial, dec, strlen(dec) + 1);
	for (i = 0; hex[i] != '\0'; i++)
		f->serial_hex[i] = (char)tolower((unsigned char)hex[i]);
	f->serial_hex[i] = '\0';
	r = PKI_OK;
 out:
	OPENSSL_free(dec);
	OPENSSL_free(hex);
	BN_free(bn);
	return r;
}

static int
facts_ekus(const STACK_OF(X509_EXTENSION) *exts, struct pki_strv *sv,
    struct pki_error *err)
{
	EXTENDED_KEY_USAGE	*eku = NULL;
	const ASN1_OBJECT	*obj;
	const char		*name;
	char			 oid[128];
	int			 i, crit = -1, r = PKI_ERR_INTERNAL;

	if ((eku = X509V3_get_d2i(exts, NID_ext_key_usage, &crit, NULL)) ==
	    NULL) {
		if (crit != -1)
			return pki_err_ssl(err, PKI_ERR_PEM,
			    "unreadable extendedKeyUsage extension");
		return PKI_OK;
	}
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		obj = sk_ASN1_OBJECT_value(eku, i);
		if ((name = eku_name(OBJ_obj2nid(obj))) == NULL) {
			if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0) {
				r = pki_err_ssl(err, PKI_ERR_PEM,
				    "OBJ_obj2txt");
				goto out;
			}
			name = oid;
		}
		if (pki_strv_push(sv, name) != PKI_OK) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	r = PKI_OK;
 out:
	EXTENDED_KEY_USAGE_free(eku);
	return r;
}

/* The parts of a certificate its facts come from (all borrowed). */
struct facts_in {
	const ASN1_INTEGER		*serial;
	const ASN1_TIME			*not_before, *not_after;
	const X509_NAME			*subject, *issuer;
	const STACK_OF(X509_EXTENSION)	*exts;
	const unsigned char		*spki;	/* SubjectPublicKeyInfo DER */
	size_t				 spkilen;
};

static int
facts_fill(const struct facts_in *in, struct pki_cert_facts *f,
    struct pki_error *err)
{
	struct pki_strv	 sans, ekus;
	GENERAL_NAMES	*gens = NULL;
	unsigned int	 mdlen = 0;
	char		 buf[1024];
	int		 i, r = PKI_ERR_INTERNAL;

	memset(f, 0, sizeof(*f));
	memset(&sans, 0, sizeof(sans));
	memset(&ekus, 0, sizeof(ekus));
	if ((r = facts_serial(in->serial, f, err)) != PKI_OK ||
	    (r = pki_asn1_time_unix(in->not_before, &f->not_before,
	    "notBefore", err)) != PKI_OK ||
	    (r = pki_asn1_time_unix(in->not_after, &f->not_after,
	    "notAfter", err)) != PKI_OK ||
	    (r = pki_name_oneline(in->subject, &f->subject, &f->subject_cn,
	    err)) != PKI_OK ||
	    (r = pki_name_oneline(in->issuer, &f->issuer, &f->issuer_cn,
	    err)) != PKI_OK ||
	    (r = exts_sans(in->exts, &gens, err)) != PKI_OK)
		goto out;
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		pki_san_text(sk_GENERAL_NAME_value(gens, i), buf, sizeof(buf));
		if (pki_strv_push(&sans, buf) != PKI_OK) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	if ((r = facts_ekus(in->exts, &ekus, err)) != PKI_OK)
		goto out;
	if (EVP_Digest(in->spki, in->spkilen, f->spki_sha256, &mdlen,
	    EVP_sha256(), NULL) != 1 || mdlen != 32) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "EVP_Digest");
		goto out;
	}
	f->is_ca = pki_exts_is_ca(in->exts);
	f->sans = sans.v;
	f->nsans = sans.n;
	f->ekus = ekus.v;
	f->nekus = ekus.n;
	memset(&sans, 0, sizeof(sans));
	memset(&ekus, 0, sizeof(ekus));
	r = PKI_OK;
 out:
	ERR_clear_error();
	GENERAL_NAMES_free(gens);
	pki_strv_clear(&sans);
	pki_strv_clear(&ekus);
	if (r != PKI_OK)
		pki_cert_facts_clear(f);
	return r;
}

/* The parts of x, all but the SubjectPublicKeyInfo. */
static void
facts_in_x509(const X509 *x, struct facts_in *in)
{
	memset(in, 0, sizeof(*in));
	in->serial = X509_get0_serialNumber(x);
	in->not_before = X509_get0_notBefore(x);
	in->not_after = X509_get0_notAfter(x);
	in->subject = X509_get_subject_name(x);
	in->issuer = X509_get_issuer_name(x);
	in->exts = X509_get0_extensions(x);
}

int
pki_cert_facts(const struct pki_cert *cert, struct pki_cert_facts *f,
    struct pki_error *err)
{
	struct facts_in	 in;
	unsigned char	*spki = NULL;
	int		 len, r;

	memset(f, 0, sizeof(*f));
	if (cert == NULL || cert->x509 == NULL)
		return pki_err(err, PKI_ERR_ARG, "no certificate");
	if ((len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert->x509),
	    &spki)) <= 0)
		return pki_err_ssl(err, PKI_ERR_CRYPTO, "i2d_X509_PUBKEY");
	facts_in_x509(cert->x509, &in);
	in.spki = spki;
	in.spkilen = (size_t)len;
	r = facts_fill(&in, f, err);
	OPENSSL_free(spki);
	return r;
}

/* The decoded parts of a DER certificate (pki_cert_facts_der). */
struct der_parts {
	struct facts_in			 in;
	ASN1_INTEGER			*serial;
	ASN1_TIME			*nb, *na;
	X509_NAME			*subject, *issuer;
	STACK_OF(X509_EXTENSION)	*exts;
};

static void
der_parts_clear(struct der_parts *dp)
{
	ASN1_INTEGER_free(dp->serial);
	ASN1_TIME_free(dp->nb);
	ASN1_TIME_free(dp->na);
	X509_NAME_free(dp->subject);
	X509_NAME_free(dp->issuer);
	sk_X509_EXTENSION_pop_free(dp->exts, X509_EXTENSION_free);
	memset(dp, 0, sizeof(*dp));
}

/* Reads a UTCTime or GeneralizedTime element of in into *t. */
static int
der_time(struct pki_der_in *in, ASN1_TIME **t)
{
	struct pki_der_in	 v, tlv;
	const unsigned char	*p;

	if (pki_der_read(in, V_ASN1_UTCTIME, &v, &tlv) != 1 &&
	    pki_der_read(in, V_ASN1_GENERALIZEDTIME, &v, &tlv) != 1)
		return -1;
	p = tlv.p;
	*t = d2i_ASN1_TIME(NULL, &p, (long)tlv.len);
	return *t != NULL && p == tlv.p + tlv.len ? 0 : -1;
}

/* Reads a Name element of in into *name. */
static int
der_name(struct pki_der_in *in, X509_NAME **name)
{
	struct pki_der_in	 v, tlv;
	const unsigned char	*p;

	if (pki_der_read(in, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &v,
	    &tlv) != 1)
		return -1;
	p = tlv.p;
	*name = d2i_X509_NAME(NULL, &p, (long)tlv.len);
	return *name != NULL && p == tlv.p + tlv.len ? 0 : -1;
}

/*
 * Splits a DER Certificate into the parts of its TBSCertificate that the
 * facts need, each decoded by OpenSSL's ASN.1 code, all but the public
 * key: the SubjectPublicKeyInfo is only located.  Returns 0 or -1.
 */
static int
der_split(const unsigned char *der, size_t len, struct der_parts *dp)
{
	struct pki_der_in	 in, cert, tbs, v, tlv, val, ext;
	const unsigned char	*p;
	const unsigned int	 seq = V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED;

	in.p = der;
	in.len = len;
	if (len > LONG_MAX || pki_der_read(&in, seq, &cert, NULL) != 1 ||
	    in.len != 0 || pki_der_read(&cert, seq, &tbs, NULL) != 1 ||
	    pki_der_read(&cert, seq, &v, NULL) != 1 ||
	    pki_der_read(&cert, V_ASN1_BIT_STRING, &v, NULL) != 1 ||
	    cert.len != 0)
		return -1;
	/* [0] EXPLICIT version, optional. */
	if (pki_der_read(&tbs, 0xa0, &v, NULL) == -1 ||
	    pki_der_read(&tbs, V_ASN1_INTEGER, &v, &tlv) != 1)
		return -1;
	p = tlv.p;
	if ((dp->serial = d2i_ASN1_INTEGER(NULL, &p, (long)tlv.len)) == NULL ||
	    p != tlv.p + tlv.len ||
	    pki_der_read(&tbs, seq, &v, NULL) != 1 ||
	    der_name(&tbs, &dp->issuer) == -1 ||
	    pki_der_read(&tbs, seq, &val, NULL) != 1 ||
	    der_time(&val, &dp->nb) == -1 || der_time(&val, &dp->na) == -1 ||
	    val.len != 0 || der_name(&tbs, &dp->subject) == -1 ||
	    pki_der_read(&tbs, seq, &v, &tlv) != 1)
		return -1;
	dp->in.spki = tlv.p;
	dp->in.spkilen = tlv.len;
	/* [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions. */
	if (pki_der_read(&tbs, 0x81, &v, NULL) == -1 ||
	    pki_der_read(&tbs, 0x82, &v, NULL) == -1)
		return -1;
	switch (pki_der_read(&tbs, 0xa3, &ext, NULL)) {
	case 1:
		if (pki_der_read(&ext, seq, &v, &tlv) != 1 || ext.len != 0)
			return -1;
		p = tlv.p;
		if ((dp->exts = d2i_X509_EXTENSIONS(NULL, &p,
		    (long)tlv.len)) == NULL || p != tlv.p + tlv.len)
			return -1;
		break;
	case 0:
		break;
	default:
		return -1;
	}
	if (tbs.len != 0)
		return -1;
	dp->in.serial = dp->serial;
	dp->in.not_before = dp->nb;
	dp->in.not_after = dp->na;
	dp->in.subject = dp->subject;
	dp->in.issuer = dp->issuer;
	dp->in.exts = dp->exts;
	return 0;
}

void
pki_octets_hex(const ASN1_OCTET_STRING *os, char *buf, size_t size)
{
	const unsigned char	*d;
	size_t			 l = 0;
	int			 i;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (os == NULL)
		return;
	d = ASN1_STRING_get0_data(os);
	for (i = 0; i < ASN1_STRING_length(os) && l + 3 <= size; i++, l += 2)
		snprintf(buf + l, 3, "%02x", d[i]);
}

/*
 * The key identifier of the issuer (facts.h): the authorityKeyIdentifier's
 * keyid; for a self-issued certificate without one (its issuer is its
 * subject, and its keyUsage, if any, allows keyCertSign), its own
 * subjectKeyIdentifier.
 */
static void
facts_keyid(const struct facts_in *in, char *buf, size_t size)
{
	AUTHORITY_KEYID		*akid;
	ASN1_OCTET_STRING	*ski = NULL;
	ASN1_BIT_STRING		*ku;
	int			 crit = -1, self;

	akid = X509V3_get_d2i(in->exts, NID_authority_key_identifier, NULL,
	    NULL);
	if (akid != NULL && akid->keyid != NULL) {
		pki_octets_hex(akid->keyid, buf, size);
		AUTHORITY_KEYID_free(akid);
		return;
	}
	AUTHORITY_KEYID_free(akid);
	self = X509_NAME_cmp(in->issuer, in->subject) == 0;
	if ((ku = X509V3_get_d2i(in->exts, NID_key_usage, &crit, NULL)) !=
	    NULL) {
		self = self && ASN1_BIT_STRING_get_bit(ku, 5);
		ASN1_BIT_STRING_free(ku);
	} else if (crit != -1)
		self = 0;	/* undecodable or repeated */
	if (self)
		ski = X509V3_get_d2i(in->exts, NID_subject_key_identifier,
		    NULL, NULL);
	pki_octets_hex(ski, buf, size);
	ASN1_OCTET_STRING_free(ski);
	ERR_clear_error();
}

void
pki_cert_keyid(const struct pki_cert *cert, char *buf, size_t size)
{
	struct facts_in	in;

	if (cert == NULL || cert->x509 == NULL) {
		pki_octets_hex(NULL, buf, size);
		return;
	}
	facts_in_x509(cert->x509, &in);
	facts_keyid(&in, buf, size);
}

int
pki_cert_facts_der(const unsigned char *der, size_t len,
    struct pki_cert_facts *f, char *keyid, size_t keyidsize,
    struct pki_error *err)
{
	struct der_parts	dp;
	int			r;

	memset(f, 0, sizeof(*f));
	memset(&dp, 0, sizeof(dp));
	if (der_split(der, len, &dp) == -1) {
		ERR_clear_error();
		der_parts_clear(&dp);
		return pki_err(err, PKI_ERR_UNSUPPORTED,
		    "not a DER certificate this reader handles");
	}
	if ((r = facts_fill(&dp.in, f, err)) == PKI_OK && keyid != NULL)
		facts_keyid(&dp.in, keyid, keyidsize);
	der_parts_clear(&dp);
	return r;
}

static void
strv_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

void
pki_cert_facts_clear(struct pki_cert_facts *f)
{
	if (f == NULL)
		return;
	free(f->subject);
	free(f->subject_cn);
	free(f->issuer);
	free(f->issuer_cn);
	strv_free(f->sans, f->nsans);
	strv_free(f->ekus, f->nekus);
	memset(f, 0, sizeof(*f));
}

/* ---- drift ---------------------------------------------------------- */

int
pki_cert_drift(const struct pki_cert *cert, const struct pki_csr *csr,
    struct pki_drift *d, struct pki_error *err)
{
	struct pki_subject	 subj;
	struct pki_strv		 have, want, add, rm;
	GENERAL_NAMES		*hgens = NULL, *wgens = NULL;
	X509_NAME		*wname = NULL;
	const unsigned char	*d1, *d2;
	size_t			 l1, l2, i;
	int			 r = PKI_ERR_INTERNAL;

	memset(d, 0, sizeof(*d));
	memset(&subj, 0, sizeof(subj));
	memset(&have, 0, sizeof(have));
	memset(&want, 0, sizeof(want));
	memset(&add, 0, sizeof(add));
	memset(&rm, 0, sizeof(rm));
	if (cert == NULL || cert->x509 == NULL || csr == NULL)
		return pki_err(err, PKI_ERR_ARG, "no certificate or CSR JSON");
	if ((r = cert_sans(cert->x509, &hgens, err)) != PKI_OK ||
	    (r = pki_san_from_hosts((const char *const *)csr->hosts.v,
	    csr->hosts.n, csr->has_ca, &wgens, err)) != PKI_OK)
		goto out;
	if (sans_to_strv(hgens, &have) != PKI_OK ||
	    sans_to_strv(wgens, &want) != PKI_OK)
		goto oom;
	for (i = 0; i < want.n; i++)
		if (!strv_has(&have, want.v[i]) &&
		    pki_strv_push(&add, want.v[i]) != PKI_OK)
			goto oom;
	for (i = 0; i < have.n; i++)
		if (!strv_has(&want, have.v[i]) &&
		    pki_strv_push(&rm, have.v[i]) != PKI_OK)
			goto oom;

	if ((r = pki_subject_from_csr(csr, &subj, err)) != PKI_OK ||
	    (r = pki_subject_to_name(&subj, &wname, err)) != PKI_OK)
		goto out;
	if (X509_NAME_get0_der(wname, &d1, &l1) != 1 ||
	    X509_NAME_get0_der(X509_get_subject_name(cert->x509), &d2,
	    &l2) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_NAME_get0_der");
		goto out;
	}
	if (l1 != l2 || memcmp(d1, d2, l1) != 0) {
		d->subject = 1;
		if ((r = pki_name_oneline(wname, &d->want_subject, NULL,
		    err)) != PKI_OK)
			goto out;
	}
	d->add = add.v;
	d->nadd = add.n;
	d->remove = rm.v;
	d->nremove = rm.n;
	memset(&add, 0, sizeof(add));
	memset(&rm, 0, sizeof(rm));
	r = PKI_OK;
	goto out;
 oom:
	r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
 out:
	ERR_clear_error();
	GENERAL_NAMES_free(hgens);
	GENERAL_NAMES_free(wgens);
	X509_NAME_free(wname);
	pki_subject_clear(&subj);
	pki_strv_clear(&have);
	pki_strv_clear(&want);
	pki_strv_clear(&add);
	pki_strv_clear(&rm);
	if (r != PKI_OK)
		pki_drift_clear(d);
	return r;
}

int
pki_drift_any(const struct pki_drift *d)
{
	return d != NULL && (d->nadd > 0 || d->nremove > 0 || d->subject);
}

void
pki_drift_clear(struct pki_drift *d)
{
	if (d == NULL)
		return;
	strv_free(d->add, d->nadd);
	strv_free(d->remove, d->nremove);
	free(d->want_subject);
	memset(d, 0, sizeof(*d));
}

/* ---- chain verification --------------------------------------------- */

int
pki_cert_verify_bundle(const struct pki_cert *cert, const char *bundle,
    size_t len, const char *source, time_t now, struct pki_error *err)
{
	X509_STORE	*store = NULL;
	X509_STORE_CTX	*ctx = NULL;
	BIO		*bio = NULL;
	X509		*x = NULL;
	unsigned long	 e;
	int		 n = 0, v, r = PKI_ERR_INTERNAL;

	if (source == NULL)
		source = "bundle";
	if (cert == NULL || cert->x509 == NULL)
		return pki_err(err, PKI_ERR_ARG, "no certificate");
	if (bundle == NULL || len == 0)
		return pki_err(err, PKI_ERR_PEM, "%s: empty trust bundle",
		    source);
	if (len > INT32_MAX)
		return pki_err(err, PKI_ERR_TOO_BIG, "%s: input too large",
		    source);
	if ((store = X509_STORE_new()) == NULL ||
	    (bio = BIO_new_mem_buf(bundle, (int)len)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "X509_STORE_new");
		goto out;
	}
	for (;;) {
		if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				break;
			}
			r = pki_err_ssl(err, PKI_ERR_PEM,
			    "%s: bad certificate in the trust bundle", source);
			goto out;
		}
		if (X509_STORE_add_cert(store, x) != 1) {
			r = pki_err_ssl(err, PKI_ERR_CRYPTO,
			    "%s: X509_STORE_add_cert", source);
			goto out;
		}
		X509_free(x);
		x = NULL;
		n++;
	}
	if (n == 0) {
		r = pki_err(err, PKI_ERR_PEM,
		    "%s: no PEM-encoded certificate found", source);
		goto out;
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "X509_STORE_CTX_new");
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, store, cert->x509, NULL) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_STORE_CTX_init");
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, now);
	if ((v = X509_verify_cert(ctx)) != 1) {
		if (v < 0) {
			r = pki_err_ssl(err, PKI_ERR_CRYPTO,
			    "X509_verify_cert");
			goto out;
		}
		r = pki_err(err, PKI_ERR_SIGNATURE,
		    "%s: does not verify: %s", source,
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	r = PKI_OK;
 out:
	ERR_clear_error();
	X509_free(x);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	BIO_free(bio);
	return r;
}

/* ---- a remote signer's answer --------------------------------------- */

/*
 * The span of pem that is exactly one CERTIFICATE block with only
 * whitespace around it: 0, or -1 with *why set.
 */
static int
one_cert_block(const char *pem, size_t len, const char **why)
{
	static const char	begin[] = "-----BEGIN CERTIFICATE-----";
	static const char	end[] = "-----END CERTIFICATE-----";
	const char		*p = pem, *e = pem + len, *q;

	while (p < e && isspace((unsigned char)*p))
		p++;
	if ((size_t)(e - p) < sizeof(begin) - 1 ||
	    memcmp(p, begin, sizeof(begin) - 1) != 0) {
		*why = "it does not start with a certificate";
		return -1;
	}
	for (q = p; q + sizeof(end) - 1 <= e; q++)
		if (memcmp(q, end, sizeof(end) - 1) == 0)
			break;
	if (q + sizeof(end) - 1 > e) {
		*why = "the certificate block is not closed";
		return -1;
	}
	for (q += sizeof(end) - 1; q < e; q++)
		if (!isspace((unsigned char)*q)) {
			*why = "more than one certificate, or other text "
			    "after it";
			return -1;
		}
	if (memchr(pem, '\0', len) != NULL) {
		*why = "it holds a NUL byte";
		return -1;
	}
	return 0;
}

/* The request's own SANs (its extension request), or NULL. */
static GENERAL_NAMES *
req_sans(X509_REQ *req)
{
	STACK_OF(X509_EXTENSION)	*exts;
	GENERAL_NAMES			*gens = NULL;
	int				 i;

	if ((exts = X509_REQ_get_extensions(req)) == NULL)
		return NULL;
	if ((i = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1)) >= 0)
		gens = X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts, i));
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return gens;
}

/* issuer issued and signed cert. */
static int
issued_by(const struct pki_cert *issuer, const struct pki_cert *cert)
{
	return X509_check_issued(issuer->x509, cert->x509) == X509_V_OK &&
	    X509_verify(cert->x509, X509_get0_pubkey(issuer->x509)) == 1;
}

static int
answer_refused(const char *url, const char *why, struct pki_error *err)
{
	return pki_err(err, PKI_ERR_POLICY, "%s: the server's certificate "
	    "is refused: %s; nothing written", url, why);
}

#define NOT_ISSUED	"the CA it must come from did not sign it"

int
pki_remote_check_issuer(const char *url, const char *pem, size_t len,
    const struct pki_cert *issuer, struct pki_error *err)
{
	struct pki_cert	*cert = NULL;
	int		 r;

	if (issuer == NULL)
		return pki_err(err, PKI_ERR_ARG, "%s: no CA to check the "
		    "answer against", url);
	if ((r = pki_cert_load(pem, len, url, &cert, err)) != PKI_OK)
		return r;
	if (!issued_by(issuer, cert))
		r = answer_refused(url, NOT_ISSUED, err);
	ERR_clear_error();
	pki_cert_free(cert);
	return r;
}

int
pki_remote_check_answer(const char *url, const char *pem, size_t len,
    const char *csr_pem, const char *const *hosts, size_t nhosts,
    const struct pki_cert *issuer, char **out, size_t *outlen,
    struct pki_error *err)
{
	struct pki_req		*req = NULL;
	struct pki_cert		*cert = NULL;
	struct pki_strv		 have, want;
	GENERAL_NAMES		*hgens = NULL, *wgens = NULL;
	EVP_PKEY		*rk;
	const unsigned char	*d1, *d2;
	const char		*why = NULL;
	size_t			 l1, l2, i;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	*outlen = 0;
	memset(&have, 0, sizeof(have));
	memset(&want, 0, sizeof(want));
	if (one_cert_block(pem, len, &why) == -1)
		goto refused;
	if ((r = pki_cert_load(pem, len, url, &cert, err)) != PKI_OK ||
	    (r = pki_req_load(csr_pem, strlen(csr_pem), "the request", &req,
	    err)) != PKI_OK)
		goto out;
	rk = X509_REQ_get0_pubkey(req->req);
	if (rk == NULL || EVP_PKEY_eq(X509_get0_pubkey(cert->x509), rk) != 1) {
		why = "its public key is not the request's";
		goto refused;
	}
	if (pki_cert_is_ca(cert)) {
		why = "it is a CA certificate";
		goto refused;
	}
	if (X509_NAME_get0_der(X509_REQ_get_subject_name(req->req), &d1,
	    &l1) != 1 || X509_NAME_get0_der(X509_get_subject_name(cert->x509),
	    &d2, &l2) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_NAME_get0_der");
		goto out;
	}
	if (l1 != l2 || memcmp(d1, d2, l1) != 0) {
		why = "its subject is not the request's";
		goto refused;
	}
	if ((r = cert_sans(cert->x509, &hgens, err)) != PKI_OK)
		goto out;
	if (nhosts > 0) {
		if ((r = pki_san_from_hosts(hosts, nhosts, 0, &wgens,
		    err)) != PKI_OK)
			goto out;
	} else
		wgens = req_sans(req->req);
	if (sans_to_strv(hgens, &have) != PKI_OK ||
	    sans_to_strv(wgens, &want) != PKI_OK) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	for (i = 0; i < want.n && why == NULL; i++)
		if (!strv_has(&have, want.v[i]))
			why = "a SAN of the request is missing";
	for (i = 0; i < have.n && why == NULL; i++)
		if (!strv_has(&want, have.v[i]))
			why = "it has a SAN the request did not ask for";
	if (why == NULL && issuer != NULL && !issued_by(issuer, cert))
		why = NOT_ISSUED;
	if (why != NULL)
		goto refused;
	r = pki_cert_encode(cert, out, outlen, err);
	goto out;
 refused:
	r = answer_refused(url, why, err);
 out:
	ERR_clear_error();
	GENERAL_NAMES_free(hgens);
	GENERAL_NAMES_free(wgens);
	pki_strv_clear(&have);
	pki_strv_clear(&want);
	pki_cert_free(cert);
	pki_req_free(req);
	return r;
}
