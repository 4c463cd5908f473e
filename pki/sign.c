/*
 * sign.c: certificates built as cfssl's local signer (signer/local,
 * signer/signer.go FillTemplate) and selfsign (selfsign/selfsign.go) build
 * them with Go's crypto/x509 CreateCertificate, down to the DER of every
 * extension.
 */
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "x509priv.h"
#include "der.h"
#include "fastleaf.h"

/* selfsign's default lifetime when the profile has none (threeMonths). */
#define SELFSIGN_EXPIRY		(2190 * PKI_NS_PER_HOUR)

/* DelegationUsage, 1.3.6.1.4.1.44363.44: the content bytes of the OID. */
static const unsigned char oid_delegation[] = {
	0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xda, 0x4b, 0x2c
};

/* ---- extensions ----------------------------------------------------- */

int
pki_ext_push(STACK_OF(X509_EXTENSION) *sk, const ASN1_OBJECT *obj, int crit,
    const unsigned char *val, size_t len, struct pki_error *err)
{
	ASN1_OCTET_STRING	*os = NULL;
	X509_EXTENSION		*ext = NULL;
	int			 r = PKI_ERR_INTERNAL;

	if (len > INT_MAX)
		return pki_err(err, PKI_ERR_INPUT, "extension too large");
	if ((os = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(os, val, (int)len) != 1) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "ASN1_OCTET_STRING_set");
		goto out;
	}
	if ((ext = X509_EXTENSION_create_by_OBJ(NULL, obj, crit ? 1 : 0,
	    os)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "X509_EXTENSION_create_by_OBJ");
		goto out;
	}
	if (sk_X509_EXTENSION_push(sk, ext) <= 0) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	ext = NULL;
	r = PKI_OK;
 out:
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	return r;
}

/*
 * Where build_own() puts extensions: a stack (pki_cert_sign) or, when der
 * is set, the DER of each Extension appended to der (the fast path).
 */
struct ext_sink {
	STACK_OF(X509_EXTENSION)	*sk;
	struct pki_der			*der;
};

/* Adds an extension given by NID and the contents of a DER writer. */
static int
ext_push_der(const struct ext_sink *sink, int nid, int crit,
    const struct pki_der *d, struct pki_error *err)
{
	struct pki_der		 e = { 0 };
	const ASN1_OBJECT	*obj;

	if (d->oom)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if ((obj = OBJ_nid2obj(nid)) == NULL)
		return pki_err_ssl(err, PKI_ERR_INTERNAL, "OBJ_nid2obj");
	if (sink->der == NULL)
		return pki_ext_push(sink->sk, obj, crit, d->p, d->len, err);
	/* Extension ::= SEQUENCE { OID, critical DEFAULT FALSE, OCTETS } */
	pki_der_oid(&e, obj);
	if (crit)
		pki_der_tlv(&e, V_ASN1_BOOLEAN, "\xff", 1);
	pki_der_tlv(&e, V_ASN1_OCTET_STRING, d->p, d->len);
	pki_der_wrap(sink->der, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &e);
	pki_der_reset(&e);
	if (sink->der->oom)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	return PKI_OK;
}

/* Copies an extension verbatim (OID, criticality, value). */
static int
ext_push_copy(STACK_OF(X509_EXTENSION) *sk, X509_EXTENSION *ext,
    struct pki_error *err)
{
	const ASN1_OCTET_STRING	*v = X509_EXTENSION_get_data(ext);

	return pki_ext_push(sk, X509_EXTENSION_get_object(ext),
	    X509_EXTENSION_get_critical(ext) > 0,
	    ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v), err);
}

static int
sk_has_oid(const STACK_OF(X509_EXTENSION) *sk, const ASN1_OBJECT *o)
{
	return sk != NULL && X509v3_get_ext_by_OBJ(sk, o, -1) >= 0;
}

static int
oid_is(const ASN1_OBJECT *o, const unsigned char *der, size_t len)
{
	return OBJ_length(o) == len && memcmp(OBJ_get0_data(o), der, len) == 0;
}

/*
 * The extensions a certificate authority manages itself, which
 * copy_extensions never copies from a request (upstream PR #1436).
 */
static int
ca_managed(const ASN1_OBJECT *o)
{
	switch (OBJ_obj2nid(o)) {
	case NID_key_usage:
	case NID_ext_key_usage:
	case NID_basic_constraints:
	case NID_subject_key_identifier:
	case NID_authority_key_identifier:
	case NID_info_access:
	case NID_crl_distribution_points:
	case NID_certificate_policies:
	case NID_name_constraints:
	case NID_subject_alt_name:
	case NID_issuer_alt_name:
		return 1;
	}
	return 0;
}

/* Go's isIA5String: every byte is ASCII. */
static int
is_ia5(const unsigned char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] > 0x7f)
			return 0;
	return 1;
}

/* What Go keeps of a basicConstraints extension. */
struct bcinfo {
	int	present;
	int	is_ca;
	int	maxpathlen;	/* -1: no pathLen; 0 when absent */
	int	zero;		/* MaxPathLenZero */
};

static int
bc_info(const BASIC_CONSTRAINTS *bc, struct bcinfo *bi)
{
	int64_t	v;

	memset(bi, 0, sizeof(*bi));
	if (bc == NULL)
		return 0;
	bi->present = 1;
	bi->is_ca = bc->ca != 0;
	bi->maxpathlen = -1;
	if (bc->pathlen != NULL) {
		if (ASN1_INTEGER_get_int64(&v, bc->pathlen) != 1 ||
		    v < INT_MIN || v > INT_MAX)
			return -1;
		bi->maxpathlen = (int)v;
	}
	bi->zero = bi->maxpathlen == 0;
	return 0;
}

/*
 * Everything Go's CreateCertificate writes itself, in its order
 * (buildCertExtensions).  A field left 0/NULL omits the extension.
 */
struct own_exts {
	unsigned int		 ku;
	const int		*eku;
	size_t			 neku;
	int			 is_ca;
	int			 pathlen;	/* < 0: none */
	const unsigned char	*ski;
	const unsigned char	*aki;
	size_t			 akilen;
	const char		*ocsp;
	char *const		*issuers;
	size_t			 nissuers;
	const GENERAL_NAMES	*sans;
	int			 san_critical;
	const char		*crl;
};

/* keyUsage as marshalKeyUsage: 1 or 2 bytes, trailing zero bits cut. */
static void
der_key_usage(struct pki_der *d, unsigned int ku)
{
	unsigned char	c[3];
	size_t		l, i;
	int		b, bits;

	/* OpenSSL's KU_* bits are already in BIT STRING order. */
	c[1] = (unsigned char)(ku & 0xff);
	c[2] = (unsigned char)((ku >> 8) & 0xff);
	l = c[2] != 0 ? 2 : 1;
	bits = (int)l * 8;
	for (i = l; i > 0; i--) {
		for (b = 0; b < 8; b++) {
			if ((c[i] >> b) & 1)
				goto done;
			bits--;
		}
	}
 done:
	c[0] = (unsigned char)((8 - bits % 8) % 8);
	pki_der_tlv(d, V_ASN1_BIT_STRING, c, l + 1);
}

/* One GeneralName; IPv4-mapped IPv6 addresses shrink to 4 bytes. */
static int
der_general_name(struct pki_der *d, const GENERAL_NAME *gen,
    struct pki_error *err)
{
	static const unsigned char	 mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const ASN1_STRING		*v;
	const unsigned char		*s;
	size_t				 n;
	int				 type;

	v = GENERAL_NAME_get0_value(gen, &type);
	s = ASN1_STRING_get0_data(v);
	n = (size_t)ASN1_STRING_length(v);
	switch (type) {
	case GEN_IPADD:
		if (n == 16 && memcmp(s, mapped, sizeof(mapped)) == 0) {
			s += 12;
			n = 4;
		}
		pki_der_tlv(d, 0x87, s, n);
		return PKI_OK;
	case GEN_DNS:
	case GEN_EMAIL:
	case GEN_URI:
		if (!is_ia5(s, n))
			return pki_err(err, PKI_ERR_INPUT, "SAN \"%.*s\" cannot "
			    "be encoded as an IA5String", (int)n,
			    (const char *)s);
		pki_der_tlv(d, 0x80 | (unsigned int)type, s, n);
		return PKI_OK;
	}
	return pki_err(err, PKI_ERR_INTERNAL, "unexpected GeneralName type %d",
	    type);
}

/* An AccessDescription or DistributionPoint URI: [6] IA5String. */
static void
der_uri(struct pki_der *d, const char *uri)
{
	pki_der_tlv(d, 0x86, uri, strlen(uri));
}

/*
 * Builds Go's own extensions into own, skipping any whose OID the extra
 * extensions carry (Go drops its own then).
 */
static int
build_own(const struct ext_sink *own, const struct own_exts *e,
    const STACK_OF(X509_EXTENSION) *extras, struct pki_error *err)
{
	struct pki_der	d = { 0 }, in = { 0 }, in2 = { 0 };
	size_t		i;
	int		r = PKI_OK;

#define SKIP(nid)	sk_has_oid(extras, OBJ_nid2obj(nid))
	if (e->ku != 0 && !SKIP(NID_key_usage)) {
		der_key_usage(&d, e->ku);
		if ((r = ext_push_der(own, NID_key_usage, 1, &d, err)) != 0)
			goto out;
		pki_der_reset(&d);
	}
	if (e->neku > 0 && !SKIP(NID_ext_key_usage)) {
		for (i = 0; i < e->neku; i++) {
			const ASN1_OBJECT	*o = OBJ_nid2obj(e->eku[i]);

			if (o == NULL || OBJ_length(o) == 0) {
				r = pki_err(err, PKI_ERR_CONFIG,
				    "unknown extended key usage NID %d",
				    e->eku[i]);
				goto out;
			}
			pki_der_oid(&in, o);
		}
		pki_der_wrap(&d, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &in);
		if ((r = ext_push_der(own, NID_ext_key_usage, 0, &d, err)) != 0)
			goto out;
		pki_der_reset(&d);
		pki_der_reset(&in);
	}
	if (!SKIP(NID_basic_constraints)) {
		if (e->is_ca)
			pki_der_tlv(&in, V_ASN1_BOOLEAN, "\xff", 1);
		if (e->pathlen >= 0)
			pki_der_uint(&in, (unsigned long)e->pathlen);
		pki_der_wrap(&d, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &in);
		if ((r = ext_push_der(own, NID_basic_constraints, 1, &d,
		    err)) != 0)
			goto out;
		pki_der_reset(&d);
		pki_der_reset(&in);
	}
	if (e->ski != NULL && !SKIP(NID_subject_key_identifier)) {
		pki_der_tlv(&d, V_ASN1_OCTET_STRING, e->ski, 20);
		if ((r = ext_push_der(own, NID_subject_key_identifier, 0, &d,
		    err)) != 0)
			goto out;
		pki_der_reset(&d);
	}
	if (e->aki != NULL && e->akilen > 0 &&
	    !SKIP(NID_authority_key_identifier)) {
		pki_der_tlv(&in, 0x80, e->aki, e->akilen);
		pki_der_wrap(&d, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &in);
		if ((r = ext_push_der(own, NID_authority_key_identifier, 0, &d,
		    err)) != 0)
			goto out;
		pki_der_reset(&d);
		pki_der_reset(&in);
	}
	if (((e->ocsp != NULL && *e->ocsp != '\0') || e->nissuers > 0) &&
	    !SKIP(NID_info_access)) {
		if (e->ocsp != NULL && *e->ocsp != '\0') {
			pki_der_oid(&in2, OBJ_nid2obj(NID_ad_OCSP));
			der_uri(&in2, e->ocsp);
			pki_der_wrap(&in, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED,
			    &in2);
			pki_der_reset(&in2);
		}
		for (i = 0; i < e->nissuers; i++) {
			pki_der_oid(&in2, OBJ_nid2obj(NID_ad_ca_issuers));
			der_uri(&in2, e->issuers[i]);
			pki_der_wrap(&in, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED,
			    &in2);
			pki_der_reset(&in2);
		}
		pki_der_wrap(&d, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &in);
		if ((r = ext_push_der(own, NID_info_access, 0, &d, err)) != 0)
			goto out;
		pki_der_reset(&d);
		pki_der_reset(&in);
	}
	if (e->sans != NULL && sk_GENERAL_NAME_num(e->sans) > 0 &&
	    !SKIP(NID_subject_alt_name)) {
		for (i = 0; i < (size_t)sk_GENERAL_NAME_num(e->sans); i++)
			if ((r = der_general_name(&in, sk_GENERAL_NAME_value(
			    e->sans, (int)i), err)) != PKI_OK)
				goto out;
		pki_der_wrap(&d, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &in);
		if ((r = ext_push_der(own, NID_subject_alt_name,
		    e->san_critical, &d, err)) != 0)
			goto out;
		pki_der_reset(&d);
		pki_der_reset(&in);
	}
	if (e->crl != NULL && *e->crl != '\0' &&
	    !SKIP(NID_crl_distribution_points)) {
		/* SEQUENCE { SEQUENCE { [0] { [0] { [6] uri } } } } */
		der_uri(&in, e->crl);
		pki_der_wrap(&in2, 0xa0, &in);
		pki_der_reset(&in);
		pki_der_wrap(&in, 0xa0, &in2);
		pki_der_reset(&in2);
		pki_der_wrap(&in2, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &in);
		pki_der_wrap(&d, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &in2);
		if ((r = ext_push_der(own, NID_crl_distribution_points, 0, &d,
		    err)) != 0)
			goto out;
	}
#undef SKIP
	r = PKI_OK;
 out:
	pki_der_reset(&d);
	pki_der_reset(&in);
	pki_der_reset(&in2);
	return r;
}

/* certificatePolicies as signer.addPolicies marshals it. */
static int
push_policies(STACK_OF(X509_EXTENSION) *extras, const struct pki_profile *p,
    struct pki_error *err)
{
	struct ext_sink		 sink;
	struct pki_der		 d = { 0 }, pis = { 0 }, pi = { 0 }, qs = { 0 };
	struct pki_der		 q = { 0 }, un = { 0 };
	ASN1_OBJECT		*obj = NULL;
	const struct pki_policy	*pol;
	const char		*v;
	size_t			 i, j;
	int			 r = PKI_ERR_INTERNAL;

	for (i = 0; i < p->npolicies; i++) {
		pol = &p->policies[i];
		if (pol->oid == NULL ||
		    (obj = OBJ_txt2obj(pol->oid, 1)) == NULL ||
		    OBJ_length(obj) == 0) {
			r = pki_err(err, PKI_ERR_CONFIG,
			    "profile \"%s\": policies[%zu]: invalid OID \"%s\"",
			    p->name, i, pol->oid != NULL ? pol->oid : "");
			goto out;
		}
		pki_der_oid(&pi, obj);
		ASN1_OBJECT_free(obj);
		obj = NULL;
		for (j = 0; j < pol->nquals; j++) {
			v = pol->quals[j].value != NULL ?
			    pol->quals[j].value : "";
			switch (pol->quals[j].type) {
			case PKI_POLICY_QUAL_CPS:
				if (!is_ia5((const unsigned char *)v,
				    strlen(v))) {
					r = pki_err(err, PKI_ERR_CONFIG,
					    "profile \"%s\": policies[%zu]: "
					    "CPS URI is not ASCII", p->name, i);
					goto out;
				}
				pki_der_oid(&q, OBJ_nid2obj(NID_id_qt_cps));
				pki_der_tlv(&q, V_ASN1_IA5STRING, v, strlen(v));
				break;
			case PKI_POLICY_QUAL_NOTICE:
				pki_der_oid(&q, OBJ_nid2obj(NID_id_qt_unotice));
				pki_der_tlv(&un, V_ASN1_UTF8STRING, v, strlen(v));
				pki_der_wrap(&q, V_ASN1_SEQUENCE |
				    V_ASN1_CONSTRUCTED, &un);
				pki_der_reset(&un);
				break;
			default:
				r = pki_err(err, PKI_ERR_CONFIG,
				    "profile \"%s\": policies[%zu]: invalid "
				    "policy qualifier type", p->name, i);
				goto out;
			}
			pki_der_wrap(&qs, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &q);
			pki_der_reset(&q);
		}
		/* Qualifiers are "omitempty". */
		if (pol->nquals > 0)
			pki_der_wrap(&pi, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED,
			    &qs);
		pki_der_reset(&qs);
		pki_der_wrap(&pis, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &pi);
		pki_der_reset(&pi);
	}
	pki_der_wrap(&d, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &pis);
	sink.sk = extras;
	sink.der = NULL;
	r = ext_push_der(&sink, NID_certificate_policies, 0, &d, err);
 out:
	ASN1_OBJECT_free(obj);
	pki_der_reset(&d);
	pki_der_reset(&pis);
	pki_der_reset(&pi);
	pki_der_reset(&qs);
	pki_der_reset(&q);
	pki_der_reset(&un);
	return r;
}

/* Adds own (minus nothing: build_own already skipped) then extras. */
static int
add_exts(X509 *x, const STACK_OF(X509_EXTENSION) *own,
    const STACK_OF(X509_EXTENSION) *extras, struct pki_error *err)
{
	const STACK_OF(X509_EXTENSION)	*lists[2] = { own, extras };
	X509_EXTENSION			*ext;
	int				 i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < sk_X509_EXTENSION_num(lists[k]); i++) {
			ext = sk_X509_EXTENSION_value(lists[k], i);
			/* Never two extensions with the same OID. */
			if (X509_get_ext_by_OBJ(x,
			    X509_EXTENSION_get_object(ext), -1) >= 0)
				return pki_err(err, PKI_ERR_INTERNAL,
				    "duplicate extension");
			if (X509_add_ext(x, ext, -1) != 1)
				return pki_err_ssl(err, PKI_ERR_CRYPTO,
				    "X509_add_ext");
		}
	}
	return PKI_OK;
}

/* ---- the request ---------------------------------------------------- */

int
pki_req_check(const struct pki_req *req, int sans,
    const struct pki_parse_opts *po, struct pki_error *err)
{
	STACK_OF(X509_EXTENSION)	*exts = NULL;
	GENERAL_NAMES			*gens = NULL;
	EVP_PKEY			*pk;
	const char			*src, *why;
	char				 buf[128];
	int				 crit = -1, r = PKI_ERR_INTERNAL;

	if (req == NULL || req->req == NULL)
		return pki_err(err, PKI_ERR_ARG, "pki_req_check: no request");
	src = req->source != NULL ? req->source : "request";
	pki_err_source(err, src);
	if ((pk = X509_REQ_get0_pubkey(req->req)) == NULL)
		return pki_err_ssl(err, PKI_ERR_KEY, "%s: cannot decode the "
		    "request's public key", src);
	if ((why = pki_policy_pubkey(pk, buf, sizeof(buf))) != NULL)
		return pki_err(err, PKI_ERR_KEY, "%s: the request's public "
		    "key: %s", src, why);
	if (!sans)
		return PKI_OK;
	if ((exts = X509_REQ_get_extensions(req->req)) != NULL &&
	    (gens = X509V3_get_d2i(exts, NID_subject_alt_name, &crit,
	    NULL)) == NULL && crit != -1) {
		r = pki_err_ssl(err, PKI_ERR_INPUT, "%s: cannot decode the "
		    "request's subjectAltName", src);
		goto out;
	}
	r = pki_sans_check_caps(gens, src, po, err);
 out:
	ERR_clear_error();
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return r;
}

/* The request's extensions (an empty stack when it has none). */
static int
req_exts(X509_REQ *req, STACK_OF(X509_EXTENSION) **out,
    struct pki_error *err)
{
	ERR_clear_error();
	if ((*out = X509_REQ_get_extensions(req)) != NULL)
		return PKI_OK;
	if (ERR_peek_error() != 0)
		return pki_err_ssl(err, PKI_ERR_INPUT,
		    "request: cannot decode the requested extensions");
	if ((*out = sk_X509_EXTENSION_new_null()) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	return PKI_OK;
}

/* The request's basicConstraints as Go's ParseCertificateRequest reads it. */
static int
req_bc(STACK_OF(X509_EXTENSION) *exts, struct bcinfo *bi,
    struct pki_error *err)
{
	BASIC_CONSTRAINTS	*bc;
	X509_EXTENSION		*ext;
	int			 i, rc;

	memset(bi, 0, sizeof(*bi));
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		ext = sk_X509_EXTENSION_value(exts, i);
		if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) !=
		    NID_basic_constraints)
			continue;
		/* The last one wins, as in Go's loop. */
		if ((bc = X509V3_EXT_d2i(ext)) == NULL)
			return pki_err_ssl(err, PKI_ERR_INPUT,
			    "request: cannot parse basicConstraints");
		rc = bc_info(bc, bi);
		BASIC_CONSTRAINTS_free(bc);
		if (rc != 0)
			return pki_err(err, PKI_ERR_INPUT,
			    "request: basicConstraints pathLen out of range");
	}
	return PKI_OK;
}

static int
wl_allows(const struct pki_csr_whitelist *wl, int type)
{
	if (!wl->present)
		return 1;
	switch (type) {
	case GEN_DNS:
		return wl->dns;
	case GEN_EMAIL:
		return wl->email;
	case GEN_IPADD:
		return wl->ip;
	case GEN_URI:
		return wl->uri;
	}
	return 0;
}

/*
 * The request's SANs as Go's template gets them: DNS names, e-mail
 * addresses, IP addresses and URIs, each in request order, other name
 * types dropped, and only the kinds a CSRWhitelist lets through.
 */
static int
req_sans(STACK_OF(X509_EXTENSION) *exts, const struct pki_csr_whitelist *wl,
    GENERAL_NAMES **out, struct pki_error *err)
{
	static const int	 order[] = { GEN_DNS, GEN_EMAIL, GEN_IPADD,
				    GEN_URI };
	GENERAL_NAMES		*all = NULL, *res = NULL, *g;
	GENERAL_NAME		*gen, *dup = NULL;
	const ASN1_STRING	*v;
	X509_EXTENSION		*ext;
	size_t			 k;
	int			 i, type, r = PKI_ERR_INTERNAL;

	*out = NULL;
	if ((all = sk_GENERAL_NAME_new_null()) == NULL ||
	    (res = sk_GENERAL_NAME_new_null()) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		ext = sk_X509_EXTENSION_value(exts, i);
		if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) !=
		    NID_subject_alt_name)
			continue;
		if ((g = X509V3_EXT_d2i(ext)) == NULL) {
			r = pki_err_ssl(err, PKI_ERR_INPUT,
			    "request: cannot parse subjectAltName");
			goto out;
		}
		while ((gen = sk_GENERAL_NAME_shift(g)) != NULL) {
			if (sk_GENERAL_NAME_push(all, gen) <= 0) {
				GENERAL_NAME_free(gen);
				GENERAL_NAMES_free(g);
				r = pki_err(err, PKI_ERR_ALLOC,
				    "out of memory");
				goto out;
			}
		}
		GENERAL_NAMES_free(g);
	}
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (i = 0; i < sk_GENERAL_NAME_num(all); i++) {
			gen = sk_GENERAL_NAME_value(all, i);
			v = GENERAL_NAME_get0_value(gen, &type);
			if (type != order[k])
				continue;
			/* Go's parseSANExtension checks. */
			if (type == GEN_IPADD && ASN1_STRING_length(v) != 4 &&
			    ASN1_STRING_length(v) != 16) {
				r = pki_err(err, PKI_ERR_INPUT, "request: "
				    "cannot parse IP address of length %d",
				    ASN1_STRING_length(v));
				goto out;
			}
			if (type != GEN_IPADD && !is_ia5(
			    ASN1_STRING_get0_data(v),
			    (size_t)ASN1_STRING_length(v))) {
				r = pki_err(err, PKI_ERR_INPUT,
				    "request: SAN %s is malformed",
				    type == GEN_DNS ? "dNSName" :
				    type == GEN_EMAIL ? "rfc822Name" :
				    "uniformResourceIdentifier");
				goto out;
			}
			if (!wl_allows(wl, type))
				continue;
			if ((dup = GENERAL_NAME_dup(gen)) == NULL ||
			    sk_GENERAL_NAME_push(res, dup) <= 0) {
				r = pki_err(err, PKI_ERR_ALLOC,
				    "out of memory");
				goto out;
			}
			dup = NULL;
		}
	}
	if (sk_GENERAL_NAME_num(res) > 0) {
		*out = res;
		res = NULL;
	}
	r = PKI_OK;
 out:
	GENERAL_NAME_free(dup);
	GENERAL_NAMES_free(res);
	GENERAL_NAMES_free(all);
	return r;
}

/* Drops every SAN but IP addresses (CA certificates, issue #1276). */
static void
sans_keep_ips(GENERAL_NAMES **sans)
{
	GENERAL_NAME	*gen;
	int		 i, type;

	if (*sans == NULL)
		return;
	for (i = sk_GENERAL_NAME_num(*sans) - 1; i >= 0; i--) {
		gen = sk_GENERAL_NAME_value(*sans, i);
		(void)GENERAL_NAME_get0_value(gen, &type);
		if (type != GEN_IPADD)
			GENERAL_NAME_free(sk_GENERAL_NAME_delete(*sans, i));
	}
	if (sk_GENERAL_NAME_num(*sans) == 0) {
		GENERAL_NAMES_free(*sans);
		*sans = NULL;
	}
}

/* profile.NameWhitelist.Find(): an unanchored search. */
static int
whitelist_check(const struct pki_profile *p, const unsigned char *s,
    size_t n, struct pki_error *err)
{
	char	*z;
	int	 ok;

	if ((z = malloc(n + 1)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	memcpy(z, s, n);
	z[n] = '\0';
	/* A NUL byte would hide the rest of the name from regexec(). */
	ok = memchr(s, '\0', n) == NULL &&
	    regexec(&p->whitelist_re, z, 0, NULL, 0) == 0;
	if (!ok)
		pki_err(err, PKI_ERR_POLICY, "name \"%s\" does not match the "
		    "profile's name_whitelist", z);
	free(z);
	return ok ? PKI_OK : PKI_ERR_POLICY;
}

static int
whitelist_names(const struct pki_profile *p, const char *cn,
    const GENERAL_NAMES *sans, struct pki_error *err)
{
	const ASN1_STRING	*v;
	int			 i, type, r;

	if (cn != NULL && *cn != '\0' &&
	    (r = whitelist_check(p, (const unsigned char *)cn, strlen(cn),
	    err)) != PKI_OK)
		return r;
	for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		v = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(sans, i),
		    &type);
		if (type != GEN_DNS && type != GEN_EMAIL && type != GEN_URI)
			continue;
		if ((r = whitelist_check(p, ASN1_STRING_get0_data(v),
		    (size_t)ASN1_STRING_length(v), err)) != PKI_OK)
			return r;
	}
	return PKI_OK;
}

/* ---- serial, time, signature ---------------------------------------- */

/* Sets a positive serial from n random bytes with the top bit clear. */
static int
set_serial(X509 *x, size_t n, struct pki_error *err)
{
	unsigned char	 b[20];
	BIGNUM		*bn = NULL;
	ASN1_INTEGER	*ai = NULL;
	size_t		 i;
	int		 r = PKI_ERR_INTERNAL;

	for (;;) {
		if (RAND_bytes(b, (int)n) != 1) {
			r = pki_err_ssl(err, PKI_ERR_CRYPTO, "RAND_bytes");
			goto out;
		}
		b[0] &= 0x7f;
		if (n != 8)
			break;
		/* selfsign: rand.Int(MaxInt64) is in [0, 2^63 - 1). */
		for (i = 1; i < n && b[i] == 0xff; i++)
			;
		if (b[0] != 0x7f || i < n)
			break;
	}
	if ((bn = BN_bin2bn(b, (int)n, NULL)) == NULL ||
	    (ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "BN_to_ASN1_INTEGER");
		goto out;
	}
	if (X509_set_serialNumber(x, ai) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_set_serialNumber");
		goto out;
	}
	r = PKI_OK;
 out:
	OPENSSL_cleanse(b, sizeof(b));
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return r;
}

/* A point in time: seconds and nanoseconds in [0, 1e9). */
struct ts {
	int64_t	sec;
	int64_t	nsec;
};

static int
ts_now(const struct pki_sign_request *sr, struct ts *t,
    struct pki_error *err)
{
	struct timespec	now;

	if (sr->now_sec != 0 || sr->now_nsec != 0) {
		if (sr->now_nsec < 0 || sr->now_nsec >= PKI_NS_PER_SEC)
			return pki_err(err, PKI_ERR_ARG,
			    "signing time: nanoseconds out of range");
		t->sec = (int64_t)sr->now_sec;
		t->nsec = sr->now_nsec;
		return PKI_OK;
	}
	if (clock_gettime(CLOCK_REALTIME, &now) != 0)
		return pki_err_sys(err, errno, "clock_gettime");
	t->sec = (int64_t)now.tv_sec;
	t->nsec = now.tv_nsec;
	return PKI_OK;
}

/* Go's Time.Add(ns) and Time.Add(-ns), without overflowing ns. */
static void
ts_norm(struct ts *t)
{
	if (t->nsec < 0) {
		t->nsec += PKI_NS_PER_SEC;
		t->sec--;
	} else if (t->nsec >= PKI_NS_PER_SEC) {
		t->nsec -= PKI_NS_PER_SEC;
		t->sec++;
	}
}

static void
ts_add(struct ts *t, int64_t ns)
{
	t->sec += ns / PKI_NS_PER_SEC;
	t->nsec += ns % PKI_NS_PER_SEC;
	ts_norm(t);
}

static void
ts_sub(struct ts *t, int64_t ns)
{
	t->sec -= ns / PKI_NS_PER_SEC;
	t->nsec -= ns % PKI_NS_PER_SEC;
	ts_norm(t);
}

/* Go's Time.Round(time.Minute): the nearest minute, halfway rounds up. */
static void
ts_round_minute(struct ts *t)
{
	int64_t	m = t->sec % 60;

	if (m < 0)
		m += 60;
	t->sec -= m;
	if (2 * (m * PKI_NS_PER_SEC + t->nsec) >= PKI_NS_PER_MIN)
		t->sec += 60;
	t->nsec = 0;
}

/*
 * Sets notBefore or notAfter to t truncated to the second (Go's encoder
 * drops fractions): UTCTime for 1950..2049, GeneralizedTime otherwise.
 */
static int
set_time(X509 *x, int after, const struct ts *t, struct pki_error *err)
{
	ASN1_TIME	*at;
	time_t		 tt = (time_t)t->sec;
	int		 ok;

	if ((int64_t)tt != t->sec ||
	    (at = ASN1_TIME_set(NULL, tt)) == NULL)
		return pki_err_ssl(err, PKI_ERR_INPUT, "%s: time %lld cannot "
		    "be represented in a certificate",
		    after ? "notAfter" : "notBefore", (long long)t->sec);
	ok = after ? X509_set1_notAfter(x, at) : X509_set1_notBefore(x, at);
	ASN1_TIME_free(at);
	if (ok != 1)
		return pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_set1_notBefore");
	return PKI_OK;
}

static int
finish(X509 **xp, EVP_PKEY *signer, const EVP_MD *md, struct pki_cert **out,
    struct pki_error *err)
{
	struct pki_cert	*cert;

	if (X509_sign(*xp, signer, md) <= 0)
		return pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_sign");
	if ((cert = calloc(1, sizeof(*cert))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	cert->x509 = *xp;
	*xp = NULL;
	*out = cert;
	return PKI_OK;
}

/* ---- the local signer ----------------------------------------------- */

/* What pki_cert_sign() works out step by step, and frees at the end. */
struct sign_ctx {
	const struct pki_sign_request	*sr;
	const struct pki_profile	*p;
	const char			*pname;
	const struct pki_cert		*ca;
	const struct pki_key		*cakey;
	EVP_PKEY			*pub;		/* the request's, borrowed */
	STACK_OF(X509_EXTENSION)	*rexts;		/* the request's */
	struct bcinfo			 rbc;		/* ... basicConstraints */
	struct bcinfo			 ibc;		/* the issuer's */
	struct pki_subject		 subj;
	X509_NAME			*name;
	GENERAL_NAMES			*sans;
};

/* Step 2, for CA certificates: what the profile and the issuer allow. */
static int
sign_ca_policy(const struct sign_ctx *c, struct pki_error *err)
{
	const struct pki_profile	*p = c->p;
	const struct bcinfo		*rbc = &c->rbc, *ibc = &c->ibc;

	if (rbc->is_ca) {
		if (!p->is_ca)
			return pki_err(err, PKI_ERR_POLICY, "CSR requests a CA "
			    "certificate but profile \"%s\" has no "
			    "ca_constraint.is_ca (cfssl: \"policy disallows "
			    "issuing CA certificate\")", c->pname);
		if (c->ca != NULL && ibc->maxpathlen > 0 &&
		    rbc->maxpathlen >= ibc->maxpathlen)
			return pki_err(err, PKI_ERR_POLICY, "CSR requests "
			    "pathlen %d but the CA certificate has pathlen %d "
			    "(cfssl: \"local signer certificate disallows CA "
			    "MaxPathLen extending\")", rbc->maxpathlen,
			    ibc->maxpathlen);
		if (c->ca != NULL && ibc->maxpathlen == 0 && ibc->zero)
			return pki_err(err, PKI_ERR_POLICY, "CSR requests a CA "
			    "certificate but the CA certificate has pathlen 0 "
			    "(cfssl: \"local signer certificate disallows "
			    "issuing CA certificate\")");
	}
	/* Go: "only CAs are allowed to specify MaxPathLen". */
	if (!p->is_ca && rbc->present && rbc->maxpathlen != -1 &&
	    (rbc->maxpathlen != 0 || rbc->zero))
		return pki_err(err, PKI_ERR_INPUT, "CSR basicConstraints has a "
		    "pathLen but profile \"%s\" issues no CA certificate "
		    "(cfssl: \"only CAs are allowed to specify MaxPathLen\")",
		    c->pname);
	if (c->ca == NULL && !p->is_ca)
		return pki_err(err, PKI_ERR_POLICY, "profile \"%s\" has no "
		    "ca_constraint.is_ca: a self-signed certificate must be a "
		    "CA (cfssl: \"Policy violation request\")", c->pname);
	return PKI_OK;
}

/* Steps 1 and 2: what this signer can do and what the policy allows. */
static int
sign_policy(struct sign_ctx *c, struct pki_error *err)
{
	const struct pki_profile	*p = c->p;
	const struct pki_csr_whitelist	*wl = &p->csr_whitelist;
	BASIC_CONSTRAINTS		*cabc = NULL;
	int				 crit, r = PKI_ERR_INTERNAL;

	if (pki_profile_is_remote(p))
		return pki_err(err, PKI_ERR_UNSUPPORTED, "profile \"%s\" signs "
		    "through a remote CA server (remote/auth_remote); remote "
		    "signing is not implemented yet", c->pname);
	if (p->ku == 0 && p->neku == 0)
		return pki_err(err, PKI_ERR_POLICY, "profile \"%s\" has no "
		    "usages (cfssl: \"no key usage available\")", c->pname);
	if ((c->pub = X509_REQ_get0_pubkey(c->sr->req->req)) == NULL)
		return pki_err_ssl(err, PKI_ERR_KEY,
		    "request: cannot decode the public key");
	/*
	 * A request from outside (pki_req_load): its key as gencert makes
	 * them; its SANs are checked as they are taken (sign_names).  One
	 * of pki_req_new() has a key that was made or loaded here.
	 */
	if (c->sr->req->source != NULL &&
	    (r = pki_req_check(c->sr->req, 0, NULL, err)) != PKI_OK)
		return r;
	if (wl->present && !wl->pubkey)
		return pki_err(err, PKI_ERR_CONFIG, "profile \"%s\": "
		    "CSRWhitelist without PublicKey cannot sign", c->pname);
	if ((r = req_exts(c->sr->req->req, &c->rexts, err)) != PKI_OK ||
	    (r = req_bc(c->rexts, &c->rbc, err)) != PKI_OK)
		return r;
	/* A CSRWhitelist copies no basicConstraints from the request. */
	if (wl->present)
		memset(&c->rbc, 0, sizeof(c->rbc));

	/* The issuer's pathLen, as Go parses it. */
	memset(&c->ibc, 0, sizeof(c->ibc));
	if (c->ca != NULL) {
		crit = -1;
		cabc = X509_get_ext_d2i(c->ca->x509, NID_basic_constraints,
		    &crit, NULL);
		if ((cabc == NULL && crit != -1) || bc_info(cabc, &c->ibc) !=
		    0) {
			r = pki_err(err, PKI_ERR_INPUT, "CA certificate: "
			    "invalid basicConstraints extension");
			goto out;
		}
	}
	if ((r = sign_ca_policy(c, err)) != PKI_OK)
		goto out;
	if (c->ca != NULL && !pki_cert_matches_key(c->ca, c->cakey)) {
		r = pki_err(err, PKI_ERR_MISMATCH,
		    "CA key does not match CA certificate");
		goto out;
	}
	if (c->ca == NULL && EVP_PKEY_eq(c->pub, c->cakey->pkey) != 1) {
		r = pki_err(err, PKI_ERR_MISMATCH,
		    "CA key does not match the certificate request");
		goto out;
	}
	r = PKI_OK;
 out:
	BASIC_CONSTRAINTS_free(cabc);
	return r;
}

/* Steps 3 and 4: the subject and the SANs. */
static int
sign_names(struct sign_ctx *c, struct pki_error *err)
{
	const struct pki_sign_request	*sr = c->sr;
	const struct pki_profile	*p = c->p;
	const struct pki_csr_whitelist	*wl = &p->csr_whitelist;
	struct pki_subject		 ov;
	int				 r = PKI_ERR_INTERNAL;

	memset(&ov, 0, sizeof(ov));
	if ((!wl->present || wl->subject) &&
	    (r = pki_subject_from_name(X509_REQ_get_subject_name(
	    sr->req->req), &c->subj, err)) != PKI_OK)
		goto out;
	if (sr->subject != NULL &&
	    ((r = pki_subject_from_csr(sr->subject, &ov, err)) != PKI_OK ||
	    (r = pki_subject_override(&c->subj, &ov, err)) != PKI_OK))
		goto out;
	if ((r = pki_subject_to_name(&c->subj, &c->name, err)) != PKI_OK)
		goto out;
	if (sr->hosts_set) {
		if (sr->nhosts > 0 && (r = pki_san_from_hosts(sr->hosts,
		    sr->nhosts, 0, &c->sans, err)) != PKI_OK)
			goto out;
	} else if ((r = req_sans(c->rexts, wl, &c->sans, err)) != PKI_OK ||
	    (sr->req->source != NULL && (r = pki_sans_check_caps(c->sans,
	    sr->req->source, sr->opts, err)) != PKI_OK))
		goto out;
	if (p->has_whitelist &&
	    (r = whitelist_names(p, c->subj.cn, c->sans, err)) != PKI_OK)
		goto out;
	if (p->is_ca)
		sans_keep_ips(&c->sans);
	r = PKI_OK;
 out:
	pki_subject_clear(&ov);
	return r;
}

/*
 * Step 6: notBefore and notAfter of x, and the strictness policy on them
 * and on the issuer.
 */
static int
sign_validity(const struct sign_ctx *c, X509 *x, struct pki_error *err)
{
	const struct pki_profile	*p = c->p;
	struct ts			 now, nb, na;
	int64_t				 bd;
	int				 r;

	/* The backdate is at most a tenth of the validity (policy.c). */
	if ((r = ts_now(c->sr, &now, err)) != PKI_OK)
		return r;
	if (p->has_not_before) {
		nb.sec = (int64_t)p->not_before;
		nb.nsec = 0;
	} else {
		nb = now;
		bd = p->backdate;
		if (!pki_policy_backdate(p->expiry, &bd))
			ts_round_minute(&nb);
		ts_sub(&nb, bd);
	}
	if (p->has_not_after) {
		na.sec = (int64_t)p->not_after;
		na.nsec = 0;
	} else {
		na = nb;
		ts_add(&na, p->expiry);
	}
	if ((r = pki_policy_issue(c->sr->opts, p, c->ca, (time_t)now.sec,
	    (time_t)nb.sec, (time_t)na.sec, err)) != PKI_OK)
		return r;
	if ((r = set_time(x, 0, &nb, err)) != PKI_OK ||
	    (r = set_time(x, 1, &na, err)) != PKI_OK)
		return r;
	return PKI_OK;
}

/*
 * The extensions the request brings and the profile adds ahead of Go's
 * own (they suppress Go's): DelegationUsage, or everything with
 * copy_extensions but what the CA manages; the policies; OCSP no-check.
 */
static int
sign_extras(const struct sign_ctx *c, STACK_OF(X509_EXTENSION) *extras,
    struct pki_error *err)
{
	const struct pki_profile	*p = c->p;
	X509_EXTENSION			*ext;
	const ASN1_OBJECT		*obj;
	int				 i, r;

	for (i = 0; !p->csr_whitelist.present &&
	    i < sk_X509_EXTENSION_num(c->rexts); i++) {
		ext = sk_X509_EXTENSION_value(c->rexts, i);
		obj = X509_EXTENSION_get_object(ext);
		if (!oid_is(obj, oid_delegation, sizeof(oid_delegation)) &&
		    (!p->copy_extensions || ca_managed(obj)))
			continue;
		/* The profile's OCSP no-check replaces a requested one. */
		if (p->ocsp_no_check &&
		    OBJ_obj2nid(obj) == NID_id_pkix_OCSP_noCheck)
			continue;
		/* A repeated OID in the request: the first one is kept. */
		if (sk_has_oid(extras, obj))
			continue;
		if ((r = ext_push_copy(extras, ext, err)) != PKI_OK)
			return r;
	}
	if (p->npolicies > 0 && (r = push_policies(extras, p, err)) != PKI_OK)
		return r;
	if (p->ocsp_no_check && (r = pki_ext_push(extras,
	    OBJ_nid2obj(NID_id_pkix_OCSP_noCheck), 0,
	    (const unsigned char *)"\x05\x00", 2, err)) != PKI_OK)
		return r;
	return PKI_OK;
}

/* Step 8: every extension of x, the extras first. */
static int
sign_extensions(const struct sign_ctx *c, X509 *x, struct pki_error *err)
{
	const struct pki_profile	*p = c->p;
	const struct pki_sign_request	*sr = c->sr;
	STACK_OF(X509_EXTENSION)	*own = NULL, *extras = NULL;
	const ASN1_OCTET_STRING		*caski;
	const unsigned char		*sder, *ider;
	unsigned char			 ski[20];
	struct own_exts			 e;
	struct ext_sink			 sink;
	size_t				 slen, ilen;
	int				 r = PKI_ERR_INTERNAL;

	memset(&e, 0, sizeof(e));
	if ((own = sk_X509_EXTENSION_new_null()) == NULL ||
	    (extras = sk_X509_EXTENSION_new_null()) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = sign_extras(c, extras, err)) != PKI_OK ||
	    (r = pki_key_ski(c->pub, ski, err)) != PKI_OK)
		goto out;
	e.ku = p->ku;
	e.eku = p->eku;
	e.neku = p->neku;
	e.is_ca = p->is_ca;
	e.pathlen = -1;
	if (p->is_ca) {
		if (p->max_path_len > 0)
			e.pathlen = p->max_path_len;
		else if (p->max_path_len == 0 && p->max_path_len_zero)
			e.pathlen = 0;
	}
	e.ski = ski;
	/* AKI: the issuer's SKI, unless issuer and subject DNs are equal. */
	if (c->ca != NULL &&
	    (caski = X509_get0_subject_key_id(c->ca->x509)) != NULL &&
	    X509_NAME_get0_der(X509_get_subject_name(c->ca->x509), &ider,
	    &ilen) == 1 && X509_NAME_get0_der(c->name, &sder, &slen) == 1 &&
	    (ilen != slen || memcmp(ider, sder, slen) != 0)) {
		e.aki = ASN1_STRING_get0_data(caski);
		e.akilen = (size_t)ASN1_STRING_length(caski);
	}
	e.ocsp = p->ocsp_url;
	e.issuers = p->issuer_urls.v;
	e.nissuers = p->issuer_urls.n;
	e.sans = c->sans;
	if (X509_NAME_get0_der(c->name, &sder, &slen) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_NAME_get0_der");
		goto out;
	}
	e.san_critical = slen == 2;	/* the empty SEQUENCE 30 00 */
	e.crl = sr->crl_override != NULL && *sr->crl_override != '\0' ?
	    sr->crl_override : p->crl_url;
	sink.sk = own;
	sink.der = NULL;
	if ((r = build_own(&sink, &e, extras, err)) != PKI_OK ||
	    (r = add_exts(x, own, extras, err)) != PKI_OK)
		goto out;
	r = PKI_OK;
 out:
	sk_X509_EXTENSION_pop_free(own, X509_EXTENSION_free);
	sk_X509_EXTENSION_pop_free(extras, X509_EXTENSION_free);
	return r;
}

int
pki_cert_sign(const struct pki_sign_request *sr, const struct pki_cert *ca,
    const struct pki_key *cakey, struct pki_cert **out,
    struct pki_error *err)
{
	struct sign_ctx		 c;
	X509			*x = NULL;
	const EVP_MD		*md = NULL;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	if (sr == NULL || sr->req == NULL || sr->req->req == NULL ||
	    sr->profile == NULL || cakey == NULL || cakey->pkey == NULL ||
	    (ca != NULL && ca->x509 == NULL))
		return pki_err(err, PKI_ERR_ARG,
		    "pki_cert_sign: missing request, profile or key");
	c.sr = sr;
	c.p = sr->profile;
	c.pname = c.p->name != NULL ? c.p->name : "default";
	c.ca = ca;
	c.cakey = cakey;

	/* 1, 2: policy; 3, 4: subject and SANs. */
	if ((r = sign_policy(&c, err)) != PKI_OK ||
	    (r = sign_names(&c, err)) != PKI_OK)
		goto out;

	/* 5: serial. */
	if (c.p->client_serials) {
		r = pki_err(err, PKI_ERR_UNSUPPORTED, "profile \"%s\" has "
		    "ClientProvidesSerialNumbers, but a serial number cannot "
		    "be given here", c.pname);
		goto out;
	}
	if ((x = X509_new()) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "X509_new");
		goto out;
	}
	if ((r = set_serial(x, 20, err)) != PKI_OK)
		goto out;

	/* 6: validity. */
	if ((r = sign_validity(&c, x, err)) != PKI_OK)
		goto out;

	/* 7: names and key. */
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    X509_set_subject_name(x, c.name) != 1 ||
	    X509_set_issuer_name(x, ca != NULL ?
	    X509_get_subject_name(ca->x509) : c.name) != 1 ||
	    X509_set_pubkey(x, c.pub) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_set_subject_name");
		goto out;
	}

	/* 8: extensions. */
	if ((r = sign_extensions(&c, x, err)) != PKI_OK)
		goto out;

	/* 9: signature. */
	if ((r = pki_key_sig_md(cakey->pkey, &md, err)) != PKI_OK)
		goto out;
	/* A CSRWhitelist without SignatureAlgorithm leaves Go's default. */
	if (c.p->csr_whitelist.present && !c.p->csr_whitelist.sigalg &&
	    EVP_PKEY_get_base_id(cakey->pkey) == EVP_PKEY_RSA)
		md = EVP_sha256();
	r = finish(&x, cakey->pkey, md, out, err);
 out:
	ERR_clear_error();
	X509_free(x);
	X509_NAME_free(c.name);
	GENERAL_NAMES_free(c.sans);
	sk_X509_EXTENSION_pop_free(c.rexts, X509_EXTENSION_free);
	pki_subject_clear(&c.subj);
	return r;
}

/* ---- selfsign ------------------------------------------------------- */

int
pki_cert_selfsign(const struct pki_sign_request *sr,
    const struct pki_key *key, struct pki_cert **out,
    struct pki_error *err)
{
	const struct pki_profile	*p;
	struct pki_subject		 subj;
	struct ext_sink			 sink;
	struct own_exts			 e;
	struct ts			 now, nb, na;
	STACK_OF(X509_EXTENSION)	*rexts = NULL, *own = NULL;
	STACK_OF(X509_EXTENSION)	*extras = NULL;
	X509_NAME			*name = NULL;
	X509				*x = NULL;
	EVP_PKEY			*pub;
	X509_EXTENSION			*ext;
	const EVP_MD			*md = NULL;
	unsigned char			 ski[20];
	size_t				 i;
	int64_t				 bd;
	int				 k, r = PKI_ERR_INTERNAL;

	*out = NULL;
	memset(&subj, 0, sizeof(subj));
	memset(&e, 0, sizeof(e));
	if (sr == NULL || sr->req == NULL || sr->req->req == NULL ||
	    key == NULL || key->pkey == NULL)
		return pki_err(err, PKI_ERR_ARG,
		    "pki_cert_selfsign: missing request or key");
	if ((p = sr->profile) == NULL)
		return pki_err(err, PKI_ERR_POLICY,
		    "no profile for self-signing");
	if (p->ku == 0 && p->neku == 0)
		return pki_err(err, PKI_ERR_POLICY, "profile \"%s\" has no "
		    "usages (cfssl: \"no key usage available\")",
		    p->name != NULL ? p->name : "default");
	if ((pub = X509_REQ_get0_pubkey(sr->req->req)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_KEY,
		    "request: cannot decode the public key");
		goto out;
	}
	if (sr->req->source != NULL &&
	    (r = pki_req_check(sr->req, 0, NULL, err)) != PKI_OK)
		goto out;
	if (EVP_PKEY_eq(pub, key->pkey) != 1) {
		r = pki_err(err, PKI_ERR_MISMATCH,
		    "private key does not match the certificate request");
		goto out;
	}

	/*
	 * The request's subject as Go parses it: selfsign keeps no
	 * attribute outside pkix.Name's fields (no ExtraNames).
	 */
	if ((r = pki_subject_from_name(X509_REQ_get_subject_name(
	    sr->req->req), &subj, err)) != PKI_OK)
		goto out;
	for (i = 0; i < subj.nextra; i++) {
		free(subj.extra[i].oid);
		free(subj.extra[i].value);
	}
	free(subj.extra);
	subj.extra = NULL;
	subj.nextra = 0;
	if ((r = pki_subject_to_name(&subj, &name, err)) != PKI_OK)
		goto out;

	if ((x = X509_new()) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "X509_new");
		goto out;
	}
	if ((r = set_serial(x, 8, err)) != PKI_OK)
		goto out;
	/* Not rounded: now - 5m (at most a tenth) and now + expiry. */
	if ((r = ts_now(sr, &now, err)) != PKI_OK)
		goto out;
	bd = 0;
	(void)pki_policy_backdate(p->expiry != 0 ? p->expiry :
	    SELFSIGN_EXPIRY, &bd);
	nb = now;
	ts_sub(&nb, bd);
	na = now;
	ts_add(&na, p->expiry != 0 ? p->expiry : SELFSIGN_EXPIRY);
	if ((r = set_time(x, 0, &nb, err)) != PKI_OK ||
	    (r = set_time(x, 1, &na, err)) != PKI_OK)
		goto out;
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, pub) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_set_subject_name");
		goto out;
	}

	/* Every request extension is an extra, replacing Go's own. */
	if ((r = req_exts(sr->req->req, &rexts, err)) != PKI_OK)
		goto out;
	if ((own = sk_X509_EXTENSION_new_null()) == NULL ||
	    (extras = sk_X509_EXTENSION_new_null()) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	for (k = 0; k < sk_X509_EXTENSION_num(rexts); k++) {
		ext = sk_X509_EXTENSION_value(rexts, k);
		if (sk_has_oid(extras, X509_EXTENSION_get_object(ext)))
			continue;
		if ((r = ext_push_copy(extras, ext, err)) != PKI_OK)
			goto out;
	}
	if ((r = pki_key_ski(pub, ski, err)) != PKI_OK)
		goto out;
	e.ku = p->ku;
	e.eku = p->eku;
	e.neku = p->neku;
	e.is_ca = p->is_ca;
	e.pathlen = -1;
	e.ski = ski;
	e.issuers = p->issuer_urls.v;
	e.nissuers = p->issuer_urls.n;
	sink.sk = own;
	sink.der = NULL;
	if ((r = build_own(&sink, &e, extras, err)) != PKI_OK ||
	    (r = add_exts(x, own, extras, err)) != PKI_OK)
		goto out;

	if ((r = pki_key_sig_md(key->pkey, &md, err)) != PKI_OK)
		goto out;
	r = finish(&x, key->pkey, md, out, err);
 out:
	ERR_clear_error();
	X509_free(x);
	X509_NAME_free(name);
	sk_X509_EXTENSION_pop_free(rexts, X509_EXTENSION_free);
	sk_X509_EXTENSION_pop_free(own, X509_EXTENSION_free);
	sk_X509_EXTENSION_pop_free(extras, X509_EXTENSION_free);
	pki_subject_clear(&subj);
	return r;
}

/* ---- the fast path's share (fastleaf.c) ----------------------------- */

int
pki_sign_fast_ok(const struct pki_profile *p)
{
	return !pki_profile_is_remote(p) && (p->ku != 0 || p->neku > 0) &&
	    !p->is_ca && !p->has_whitelist && !p->csr_whitelist.present &&
	    p->npolicies == 0 && !p->ocsp_no_check && !p->client_serials &&
	    !p->has_not_before && !p->has_not_after;
}

int
pki_sign_validity(const struct pki_profile *p, time_t now_sec, long now_nsec,
    int64_t expiry, time_t *nb, time_t *na, struct pki_error *err)
{
	struct pki_sign_request	sr;
	struct ts		t = { 0, 0 };
	int64_t			bd = p->backdate;
	int			r;

	memset(&sr, 0, sizeof(sr));
	sr.now_sec = now_sec;
	sr.now_nsec = now_nsec;
	if ((r = ts_now(&sr, &t, err)) != PKI_OK)
		return r;
	if (expiry <= 0)
		expiry = p->expiry;
	if (!pki_policy_backdate(expiry, &bd))
		ts_round_minute(&t);
	ts_sub(&t, bd);
	*nb = (time_t)t.sec;
	ts_add(&t, expiry);
	*na = (time_t)t.sec;
	return PKI_OK;
}

int
pki_sign_fast_exts(const struct pki_profile *p, const unsigned char ski[20],
    const unsigned char *aki, size_t akilen, const GENERAL_NAMES *sans,
    int san_critical, struct pki_der *out, struct pki_error *err)
{
	struct own_exts	e;
	struct ext_sink	sink;

	memset(&e, 0, sizeof(e));
	e.ku = p->ku;
	e.eku = p->eku;
	e.neku = p->neku;
	e.is_ca = 0;
	e.pathlen = -1;
	e.ski = ski;
	e.aki = aki;
	e.akilen = akilen;
	e.ocsp = p->ocsp_url;
	e.issuers = p->issuer_urls.v;
	e.nissuers = p->issuer_urls.n;
	e.sans = sans;
	e.san_critical = san_critical;
	e.crl = p->crl_url;
	sink.sk = NULL;
	sink.der = out;
	return build_own(&sink, &e, NULL, err);
}
