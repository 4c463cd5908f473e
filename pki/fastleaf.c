/*
 * fastleaf.c: leaf certificates with their DER built directly (see
 * fastleaf.h).  The request is Go's CreateCertificateRequest for a CSR
 * JSON without "ca" or extensions (as pki_req_new builds it); the
 * certificate is pki_cert_sign()'s for such a request and a profile that
 * pki_sign_fast_ok() accepts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "der.h"
#include "fastleaf.h"

#define SEQ	(V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED)
#define SET	(V_ASN1_SET | V_ASN1_CONSTRUCTED)

/* ---- PEM ------------------------------------------------------------ */

int
pki_pem_encode(const char *label, const unsigned char *der, size_t len,
    char **pem, size_t *pemlen, struct pki_error *err)
{
	size_t	 b64, lines, cap, n = 0, i, chunk;
	char	*p;
	int	 w;

	*pem = NULL;
	*pemlen = 0;
	if (len > (SIZE_MAX - 256) / 2)
		return pki_err(err, PKI_ERR_ARG, "PEM: input too large");
	b64 = 4 * ((len + 2) / 3);
	lines = (b64 + 63) / 64;
	cap = 2 * strlen(label) + 40 + b64 + lines + 1;
	if ((p = malloc(cap)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	n += (size_t)snprintf(p, cap, "-----BEGIN %s-----\n", label);
	/* 48 input bytes make one 64-column line. */
	for (i = 0; i < len; i += chunk) {
		chunk = len - i < 48 ? len - i : 48;
		w = EVP_EncodeBlock((unsigned char *)p + n, der + i,
		    (int)chunk);
		n += (size_t)w;
		p[n++] = '\n';
	}
	n += (size_t)snprintf(p + n, cap - n, "-----END %s-----\n", label);
	*pem = p;
	*pemlen = n;
	return PKI_OK;
}

/* ---- what a leaf gives (pki.h; filled here and by issue.c) ---------- */

void
pki_issued_clear(struct pki_issued *out)
{
	free(out->cert);
	free(out->req);
	pki_secret_free(out->key, out->keylen);
	pki_cert_free(out->x509);
	pki_key_free(out->newkey);
	memset(out, 0, sizeof(*out));
}

/* ---- signing -------------------------------------------------------- */

static const char *const md_names[4] = { "SHA1", "SHA256", "SHA384",
    "SHA512" };

/*
 * The fetched form of md (a legacy EVP_sha256() and the like), so that
 * each use skips the provider lookup; md itself if it is not cached.
 */
static const EVP_MD *
md_cached(const struct pki_fast_issuer *is, const EVP_MD *md)
{
	size_t	i;

	if (md == NULL)
		return NULL;
	for (i = 0; i < 4; i++)
		if (is->mds[i] != NULL && EVP_MD_is_a(md, md_names[i]))
			return is->mds[i];
	return md;
}

/* AlgorithmIdentifier of a signature by pkey with md (NULL: Ed25519). */
static int
sigalg_der(const EVP_PKEY *pkey, const EVP_MD *md, struct pki_der *d,
    struct pki_error *err)
{
	struct pki_der	in = { 0 };
	int		nid, base = EVP_PKEY_get_base_id(pkey);

	if (md == NULL)
		nid = NID_ED25519;
	else if (OBJ_find_sigid_by_algs(&nid, EVP_MD_get_type(md), base) != 1)
		return pki_err(err, PKI_ERR_KEY, "no signature algorithm for "
		    "%s with %s", OBJ_nid2sn(base), EVP_MD_get0_name(md));
	pki_der_oid(&in, OBJ_nid2obj(nid));
	/* RFC 4055: NULL parameters for PKCS#1 v1.5, none for ECDSA. */
	if (base == EVP_PKEY_RSA)
		pki_der_tlv(&in, V_ASN1_NULL, NULL, 0);
	pki_der_wrap(d, SEQ, &in);
	pki_der_reset(&in);
	return d->oom ? pki_err(err, PKI_ERR_ALLOC, "out of memory") : PKI_OK;
}

/*
 * Appends SEQUENCE { tbs, alg, BIT STRING sig } to out: tbs signed with
 * pkey and md.
 */
static int
sign_wrap(const struct pki_der *tbs, EVP_PKEY *pkey, const EVP_MD *md,
    const struct pki_der *alg, struct pki_der *out, struct pki_error *err)
{
	struct pki_der	 in = { 0 };
	EVP_MD_CTX	*mctx = NULL;
	unsigned char	*sig = NULL;
	size_t		 siglen = 0;
	int		 r = PKI_ERR_INTERNAL;

	if (tbs->oom || alg->oom) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mctx, NULL, md, NULL, pkey) != 1 ||
	    EVP_DigestSign(mctx, NULL, &siglen, tbs->p, tbs->len) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "EVP_DigestSignInit");
		goto out;
	}
	if ((sig = malloc(siglen + 1)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	sig[0] = 0;	/* no unused bits */
	if (EVP_DigestSign(mctx, sig + 1, &siglen, tbs->p, tbs->len) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "EVP_DigestSign");
		goto out;
	}
	pki_der_put(&in, tbs->p, tbs->len);
	pki_der_put(&in, alg->p, alg->len);
	pki_der_tlv(&in, V_ASN1_BIT_STRING, sig, siglen + 1);
	pki_der_wrap(out, SEQ, &in);
	r = out->oom || in.oom ? pki_err(err, PKI_ERR_ALLOC, "out of memory") :
	    PKI_OK;
 out:
	ERR_clear_error();
	EVP_MD_CTX_free(mctx);
	free(sig);
	pki_der_reset(&in);
	return r;
}

/* ---- the issuer ----------------------------------------------------- */

int
pki_fast_issuer_init(struct pki_fast_issuer *is, const struct pki_cert *ca,
    const struct pki_key *cakey, struct pki_error *err)
{
	const ASN1_OCTET_STRING	*ski;
	const unsigned char	*der;
	size_t			 len, i;
	int			 r = PKI_ERR_INTERNAL;

	memset(is, 0, sizeof(*is));
	if (!pki_cert_matches_key(ca, cakey))
		return pki_err(err, PKI_ERR_MISMATCH,
		    "CA key does not match CA certificate");
	is->cakey = cakey->pkey;
	if ((r = pki_key_sig_md(cakey->pkey, &is->md, err)) != PKI_OK)
		goto fail;
	if (X509_NAME_get0_der(X509_get_subject_name(ca->x509), &der,
	    &len) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_NAME_get0_der");
		goto fail;
	}
	if ((is->name = malloc(len)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto fail;
	}
	memcpy(is->name, der, len);
	is->namelen = len;
	if ((ski = X509_get0_subject_key_id(ca->x509)) != NULL &&
	    ASN1_STRING_length(ski) > 0) {
		is->skilen = (size_t)ASN1_STRING_length(ski);
		if ((is->ski = malloc(is->skilen)) == NULL) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto fail;
		}
		memcpy(is->ski, ASN1_STRING_get0_data(ski), is->skilen);
	}
	if ((r = sigalg_der(cakey->pkey, is->md, &is->sigalg, err)) != PKI_OK)
		goto fail;
	for (i = 0; i < 4; i++)
		if ((is->mds[i] = EVP_MD_fetch(NULL, md_names[i], NULL)) ==
		    NULL) {
			r = pki_err_ssl(err, PKI_ERR_CRYPTO, "EVP_MD_fetch %s",
			    md_names[i]);
			goto fail;
		}
	is->md = md_cached(is, is->md);
	return PKI_OK;
 fail:
	pki_fast_issuer_clear(is);
	return r;
}

void
pki_fast_issuer_clear(struct pki_fast_issuer *is)
{
	size_t	i;

	free(is->name);
	free(is->ski);
	pki_der_reset(&is->sigalg);
	for (i = 0; i < 4; i++)
		EVP_MD_free(is->mds[i]);
	memset(is, 0, sizeof(*is));
}

/* ---- keys ----------------------------------------------------------- */

/*
 * What both encodings of an EC key need, read from it once: the curve,
 * the private key length and the public point (a BIT STRING's contents:
 * pt[0] is the unused-bits octet).  Reading the point costs a field
 * inversion, so it is done once per key, not per encoding.
 */
struct ecpub {
	const ASN1_OBJECT	*curve;
	size_t			 privlen;
	unsigned char		 pt[1 + 2 * 66 + 1];
	size_t			 ptlen;		/* after pt[0] */
};

/* The curve of an EC key: its OID and private key length. */
static int
ec_curve(const EVP_PKEY *pkey, const ASN1_OBJECT **oid, size_t *privlen)
{
	char	group[64];
	size_t	len;
	int	nid;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &len) != 1)
		return -1;
	if ((nid = OBJ_txt2nid(group)) == NID_undef &&
	    (nid = EC_curve_nist2nid(group)) == NID_undef)
		return -1;
	if ((*oid = OBJ_nid2obj(nid)) == NULL)
		return -1;
	*privlen = ((size_t)EVP_PKEY_get_bits(pkey) + 7) / 8;
	return 0;
}

/* Reads the curve and public point of the EC key pkey into ep. */
static int
ec_pub(const EVP_PKEY *pkey, struct ecpub *ep, struct pki_error *err)
{
	ep->pt[0] = 0;
	if (ec_curve(pkey, &ep->curve, &ep->privlen) != 0 ||
	    EVP_PKEY_get_octet_string_param(pkey,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, ep->pt + 1,
	    sizeof(ep->pt) - 1, &ep->ptlen) != 1) {
		pki_err_ssl(err, PKI_ERR_KEY, "EC public key");
		ERR_clear_error();
		return PKI_ERR_KEY;
	}
	return PKI_OK;
}

/*
 * The SubjectPublicKeyInfo of key into spki, and the bytes of its
 * subjectPublicKey BIT STRING (after the unused-bits octet) hashed into
 * the SKI.  EC keys (ep: from ec_pub) are encoded here; others (ep NULL)
 * by i2d_PUBKEY.
 */
static int
key_spki(const EVP_PKEY *pkey, const struct ecpub *ep, const EVP_MD *sha1,
    struct pki_der *spki, unsigned char ski[20], struct pki_error *err)
{
	struct pki_der		 alg = { 0 }, in = { 0 };
	unsigned char		*der = NULL;
	unsigned int		 mdlen;
	int			 len, r = PKI_ERR_INTERNAL;

	if (ep == NULL) {
		if ((len = i2d_PUBKEY(pkey, &der)) <= 0) {
			r = pki_err_ssl(err, PKI_ERR_KEY, "i2d_PUBKEY");
			goto out;
		}
		pki_der_put(spki, der, (size_t)len);
		r = pki_key_ski(pkey, ski, err);
		goto out;
	}
	pki_der_oid(&alg, OBJ_nid2obj(NID_X9_62_id_ecPublicKey));
	pki_der_oid(&alg, ep->curve);
	pki_der_wrap(&in, SEQ, &alg);
	pki_der_tlv(&in, V_ASN1_BIT_STRING, ep->pt, ep->ptlen + 1);
	pki_der_wrap(spki, SEQ, &in);
	if (EVP_Digest(ep->pt + 1, ep->ptlen, ski, &mdlen, sha1, NULL) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "EVP_Digest");
		goto out;
	}
	r = spki->oom ? pki_err(err, PKI_ERR_ALLOC, "out of memory") : PKI_OK;
 out:
	ERR_clear_error();
	OPENSSL_free(der);
	pki_der_reset(&alg);
	pki_der_reset(&in);
	return r;
}

/*
 * The private key PEM cfssl writes: SEC1 "EC PRIVATE KEY" built here
 * (version 1, the private scalar padded to the curve size, the curve,
 * the public point from ep), PKCS#1 or PKCS#8 through pki_key_encode
 * otherwise (ep NULL).
 */
static int
key_pem(const struct pki_key *key, const struct ecpub *ep, char **pem,
    size_t *len, struct pki_error *err)
{
	struct pki_der		 in = { 0 }, tag = { 0 }, sec1 = { 0 };
	unsigned char		 priv[66];
	BIGNUM			*bn = NULL;
	int			 r = PKI_ERR_INTERNAL;

	*pem = NULL;
	*len = 0;
	if (ep == NULL)
		return pki_key_encode(key, PKI_KEY_FMT_CFSSL, pem, len, err);
	if (ep->privlen > sizeof(priv) ||
	    EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY,
	    &bn) != 1 || BN_bn2binpad(bn, priv, (int)ep->privlen) < 0) {
		r = pki_err_ssl(err, PKI_ERR_KEY, "EC private key");
		goto out;
	}
	pki_der_uint(&in, 1);
	pki_der_tlv(&in, V_ASN1_OCTET_STRING, priv, ep->privlen);
	pki_der_oid(&tag, ep->curve);
	pki_der_wrap(&in, 0xa0, &tag);
	pki_der_reset(&tag);
	pki_der_tlv(&tag, V_ASN1_BIT_STRING, ep->pt, ep->ptlen + 1);
	pki_der_wrap(&in, 0xa1, &tag);
	pki_der_wrap(&sec1, SEQ, &in);
	if (sec1.oom) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	r = pki_pem_encode("EC PRIVATE KEY", sec1.p, sec1.len, pem, len, err);
 out:
	ERR_clear_error();
	BN_clear_free(bn);
	OPENSSL_cleanse(priv, sizeof(priv));
	if (in.p != NULL)
		OPENSSL_cleanse(in.p, in.len);
	if (sec1.p != NULL)
		OPENSSL_cleanse(sec1.p, sec1.len);
	pki_der_reset(&in);
	pki_der_reset(&tag);
	pki_der_reset(&sec1);
	return r;
}

/* ---- the leaf ------------------------------------------------------- */

int
pki_fast_csr_ok(const struct pki_csr *csr)
{
	return !csr->has_ca && !csr->delegation_enabled && csr->nexts == 0;
}

/* UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5). */
static int
der_time(struct pki_der *d, time_t t)
{
	struct tm	tm;
	char		buf[32];
	int		n;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	if (tm.tm_year >= 50 && tm.tm_year < 150) {
		n = snprintf(buf, sizeof(buf), "%02d%02d%02d%02d%02d%02dZ",
		    tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		pki_der_tlv(d, V_ASN1_UTCTIME, buf, (size_t)n);
	} else {
		if (tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
			return -1;
		n = snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		pki_der_tlv(d, V_ASN1_GENERALIZEDTIME, buf, (size_t)n);
	}
	return 0;
}

/*
 * A positive 159-bit serial from 20 random bytes, as cfssl makes it; its
 * decimal form goes to dec.
 */
static int
der_serial(struct pki_der *d, char *dec, size_t declen,
    struct pki_error *err)
{
	unsigned char	 b[20];
	BIGNUM		*bn = NULL;
	char		*s = NULL;
	size_t		 i = 0;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return pki_err_ssl(err, PKI_ERR_CRYPTO, "RAND_bytes");
	b[0] &= 0x7f;
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL ||
	    (s = BN_bn2dec(bn)) == NULL) {
		BN_free(bn);
		return pki_err_ssl(err, PKI_ERR_ALLOC, "BN_bn2dec");
	}
	snprintf(dec, declen, "%s", s);
	OPENSSL_free(s);
	BN_free(bn);
	while (i < sizeof(b) - 1 && b[i] == 0 && (b[i + 1] & 0x80) == 0)
		i++;
	pki_der_tlv(d, V_ASN1_INTEGER, b + i, sizeof(b) - i);
	return PKI_OK;
}

int
pki_fast_leaf_issue(const struct pki_fast_issuer *is,
    const struct pki_csr *csr, const struct pki_key *key,
    const struct pki_profile *p, time_t nb, time_t na,
    struct pki_issued *out, struct pki_error *err)
{
	static const unsigned char	 v3[] = { 0xa0, 0x03, 0x02, 0x01, 0x02 };
	struct pki_subject		 subj;
	struct pki_der			 spki = { 0 }, san = { 0 }, a = { 0 };
	struct pki_der			 b = { 0 }, tbs = { 0 }, reqalg = { 0 };
	struct pki_der			 whole = { 0 };
	GENERAL_NAMES			*gens = NULL;
	X509_NAME			*name = NULL;
	const EVP_MD			*md = NULL;
	const unsigned char		*sder;
	unsigned char			 ski[20], *sanbuf = NULL;
	struct ecpub			 ecpub, *ep = NULL;
	size_t				 slen;
	int				 n, r = PKI_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	memset(&subj, 0, sizeof(subj));
	if (!pki_fast_csr_ok(csr) || !pki_sign_fast_ok(p))
		return pki_err(err, PKI_ERR_ARG, "pki_fast_leaf_issue: request "
		    "or profile needs the general signer");

	/* The pieces both the request and the certificate use. */
	if ((r = pki_subject_from_csr(csr, &subj, err)) != PKI_OK ||
	    (r = pki_subject_to_name(&subj, &name, err)) != PKI_OK)
		goto out;
	if (X509_NAME_get0_der(name, &sder, &slen) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "X509_NAME_get0_der");
		goto out;
	}
	if (EVP_PKEY_is_a(key->pkey, "EC")) {
		if ((r = ec_pub(key->pkey, &ecpub, err)) != PKI_OK)
			goto out;
		ep = &ecpub;
	}
	if ((r = key_spki(key->pkey, ep, is->mds[0], &spki, ski, err)) !=
	    PKI_OK)
		goto out;
	if ((r = pki_san_from_hosts((const char *const *)csr->hosts.v,
	    csr->hosts.n, 0, &gens, err)) != PKI_OK)
		goto out;
	if (gens != NULL) {
		if ((n = i2d_GENERAL_NAMES(gens, &sanbuf)) <= 0) {
			r = pki_err_ssl(err, PKI_ERR_CRYPTO,
			    "i2d_GENERAL_NAMES");
			goto out;
		}
		/* Extension { subjectAltName, OCTET STRING } */
		pki_der_oid(&a, OBJ_nid2obj(NID_subject_alt_name));
		pki_der_tlv(&a, V_ASN1_OCTET_STRING, sanbuf, (size_t)n);
		pki_der_wrap(&san, SEQ, &a);
		pki_der_reset(&a);
	}

	/* The request: CertificationRequestInfo, signed by the new key. */
	pki_der_uint(&a, 0);
	pki_der_put(&a, sder, slen);
	pki_der_put(&a, spki.p, spki.len);
	if (gens != NULL) {
		/* [0] { Attribute { extensionRequest, SET { Extensions } } } */
		pki_der_wrap(&b, SEQ, &san);
		pki_der_reset(&tbs);
		pki_der_wrap(&tbs, SET, &b);
		pki_der_reset(&b);
		pki_der_oid(&b, OBJ_nid2obj(NID_ext_req));
		pki_der_put(&b, tbs.p, tbs.len);
		pki_der_reset(&tbs);
		pki_der_wrap(&tbs, SEQ, &b);
		pki_der_reset(&b);
		pki_der_wrap(&a, 0xa0, &tbs);
		pki_der_reset(&tbs);
	} else
		pki_der_tlv(&a, 0xa0, NULL, 0);
	pki_der_wrap(&tbs, SEQ, &a);
	pki_der_reset(&a);
	if ((r = pki_key_sig_md(key->pkey, &md, err)) != PKI_OK)
		goto out;
	md = md_cached(is, md);
	if ((r = sigalg_der(key->pkey, md, &reqalg, err)) != PKI_OK ||
	    (r = sign_wrap(&tbs, key->pkey, md, &reqalg, &whole, err)) !=
	    PKI_OK ||
	    (r = pki_pem_encode("CERTIFICATE REQUEST", whole.p, whole.len,
	    &out->req, &out->reqlen, err)) != PKI_OK)
		goto out;
	pki_der_reset(&tbs);
	pki_der_reset(&whole);

	/* The certificate's TBSCertificate. */
	pki_der_put(&a, v3, sizeof(v3));
	if ((r = der_serial(&a, out->serial, sizeof(out->serial), err)) !=
	    PKI_OK)
		goto out;
	pki_der_put(&a, is->sigalg.p, is->sigalg.len);
	pki_der_put(&a, is->name, is->namelen);
	if (der_time(&b, nb) != 0 || der_time(&b, na) != 0) {
		r = pki_err(err, PKI_ERR_INPUT, "validity %lld..%lld cannot be "
		    "represented in a certificate", (long long)nb,
		    (long long)na);
		goto out;
	}
	pki_der_wrap(&a, SEQ, &b);
	pki_der_reset(&b);
	pki_der_put(&a, sder, slen);
	pki_der_put(&a, spki.p, spki.len);
	/* AKI: the issuer's SKI, unless issuer and subject DNs are equal. */
	if ((r = pki_sign_fast_exts(p, ski, (is->namelen != slen ||
	    memcmp(is->name, sder, slen) != 0) ? is->ski : NULL, is->skilen,
	    gens, slen == 2, &b, err)) != PKI_OK)
		goto out;
	pki_der_wrap(&tbs, SEQ, &b);
	pki_der_reset(&b);
	pki_der_wrap(&a, 0xa3, &tbs);
	pki_der_reset(&tbs);
	pki_der_wrap(&tbs, SEQ, &a);
	if ((r = sign_wrap(&tbs, is->cakey, is->md, &is->sigalg, &whole,
	    err)) != PKI_OK ||
	    (r = pki_pem_encode("CERTIFICATE", whole.p, whole.len, &out->cert,
	    &out->certlen, err)) != PKI_OK ||
	    (r = key_pem(key, ep, &out->key, &out->keylen, err)) != PKI_OK)
		goto out;
	r = PKI_OK;
 out:
	if (r != PKI_OK)
		pki_issued_clear(out);
	ERR_clear_error();
	OPENSSL_free(sanbuf);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(name);
	pki_subject_clear(&subj);
	pki_der_reset(&spki);
	pki_der_reset(&san);
	pki_der_reset(&a);
	pki_der_reset(&b);
	pki_der_reset(&tbs);
	pki_der_reset(&reqalg);
	pki_der_reset(&whole);
	return r;
}
