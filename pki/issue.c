/*
 * issue.c: the one way to issue a leaf (pki_leaf_issue) and a CA
 * (pki_ca_issue) with its key and request.  A leaf takes the direct DER
 * path of fastleaf.c when pki_leaf_fast_ok() says it gives the same
 * certificate, else the general path: pki_req_new, pki_cert_sign and the
 * PEM encoders.  tests/unit/t-fastleaf.c checks that both agree.  Both
 * apply the strictness policy of the request (policy.c): the general path
 * through pki_cert_sign(), the direct one in leaf_policy().
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "internal.h"
#include "fastleaf.h"

/* Does the sign request's host override say what csr's hosts say? */
static int
hosts_are_csrs(const struct pki_leaf_request *lr)
{
	size_t	i;

	if (lr->nhosts != lr->csr->hosts.n)
		return 0;
	for (i = 0; i < lr->nhosts; i++)
		if (lr->hosts[i] == NULL ||
		    strcmp(lr->hosts[i], lr->csr->hosts.v[i]) != 0)
			return 0;
	return 1;
}

int
pki_leaf_fast_ok(const struct pki_leaf_request *lr)
{
	return lr->key_format == PKI_KEY_FMT_CFSSL &&
	    (lr->crl_override == NULL || *lr->crl_override == '\0') &&
	    (!lr->hosts_set || hosts_are_csrs(lr)) &&
	    pki_fast_csr_ok(lr->csr) && pki_sign_fast_ok(lr->profile);
}

/* The certificate's notAfter and decimal serial into out. */
static int
cert_facts(const struct pki_cert *cert, struct pki_issued *out,
    struct pki_error *err)
{
	struct tm	 tm;
	char		*dec = NULL;
	int		 r;

	if ((r = pki_cert_serial(cert, &dec, err)) != PKI_OK)
		return r;
	snprintf(out->serial, sizeof(out->serial), "%s", dec);
	free(dec);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert->x509), &tm) != 1)
		return pki_err_ssl(err, PKI_ERR_INPUT,
		    "certificate: bad notAfter");
	out->not_after = timegm(&tm);
	return PKI_OK;
}

/*
 * Signs req (made by key) under sr and fills out: the PEM texts, the
 * serial and, with objects, the certificate.
 */
static int
sign_req(struct pki_sign_request *sr, const struct pki_req *req,
    const struct pki_cert *ca, const struct pki_key *signer,
    const struct pki_key *key, int key_format, const char *pw, size_t pwlen,
    int objects, struct pki_issued *out, struct pki_error *err)
{
	struct pki_cert	*cert = NULL;
	int		 r;

	sr->req = req;
	if ((r = pki_cert_sign(sr, ca, signer, &cert, err)) != PKI_OK ||
	    (r = pki_cert_encode(cert, &out->cert, &out->certlen,
	    err)) != PKI_OK ||
	    (r = pki_req_encode(req, &out->req, &out->reqlen, err)) !=
	    PKI_OK ||
	    (r = pki_key_encode_encrypted(key, key_format, pw, pwlen,
	    &out->key, &out->keylen, err)) != PKI_OK ||
	    (r = cert_facts(cert, out, err)) != PKI_OK)
		goto out;
	if (objects) {
		out->x509 = cert;
		cert = NULL;
	}
 out:
	pki_cert_free(cert);
	return r;
}

/* The general path: pki_req_new + pki_cert_sign. */
static int
leaf_general(const struct pki_leaf_request *lr, const struct pki_key *key,
    struct pki_issued *out, struct pki_error *err)
{
	struct pki_sign_request	 sr;
	struct pki_req		*req = NULL;
	const char		*pname;
	int			 r;

	if (lr->expiry > 0 || lr->has_not_before) {
		pname = lr->profile->name != NULL ? lr->profile->name :
		    "default";
		return pki_err(err, PKI_ERR_UNSUPPORTED, "profile \"%s\" "
		    "(policies, whitelists, fixed dates or CA constraints) "
		    "cannot be combined with -expiry or -not-before", pname);
	}
	memset(&sr, 0, sizeof(sr));
	sr.profile = lr->profile;
	sr.hosts = lr->hosts;
	sr.nhosts = lr->nhosts;
	sr.hosts_set = lr->hosts_set;
	sr.crl_override = lr->crl_override;
	sr.now_sec = lr->now;
	sr.opts = lr->policy;
	if ((r = pki_req_new(lr->csr, key, &req, err)) == PKI_OK)
		r = sign_req(&sr, req, lr->ca, lr->cakey, key, lr->key_format,
		    NULL, 0, lr->objects, out, err);
	pki_req_free(req);
	return r;
}

/*
 * The strictness policy on the direct path's leaf, valid [nb, na], as
 * pki_cert_sign() applies it on the general path.  A validity the request
 * replaces (cluster issue -expiry, -not-before) is the caller's own: only
 * a backdate that -expiry cuts is reported, not the profile's expiry nor
 * dates asked for.
 */
static int
leaf_policy(const struct pki_leaf_request *lr, time_t nb, time_t na,
    struct pki_error *err)
{
	time_t	now = lr->now != 0 ? lr->now : time(NULL);
	int	r;

	if (lr->expiry <= 0 && !lr->has_not_before)
		return pki_policy_issue(lr->policy, lr->profile, lr->ca, now,
		    nb, na, err);
	if ((r = pki_policy_issue(lr->policy, NULL, lr->ca, now, nb, na,
	    err)) != PKI_OK)
		return r;
	if (lr->expiry > 0 && !lr->has_not_before)
		return pki_policy_expiry(lr->policy, "-expiry", lr->expiry,
		    lr->profile->backdate, err);
	return PKI_OK;
}

/* The direct path, with fi prepared for lr's CA (NULL: prepared here). */
static int
leaf_fast(const struct pki_fast_issuer *fi, const struct pki_leaf_request *lr,
    const struct pki_key *key, struct pki_issued *out, struct pki_error *err)
{
	struct pki_fast_issuer	 own;
	time_t			 nb, na;
	int64_t			 len;
	int			 r;

	memset(&own, 0, sizeof(own));
	if (fi == NULL) {
		if ((r = pki_fast_issuer_init(&own, lr->ca, lr->cakey,
		    err)) != PKI_OK)
			goto out;
		fi = &own;
	}
	if ((r = pki_sign_validity(lr->profile, lr->now, 0, lr->expiry, &nb,
	    &na, err)) != PKI_OK)
		goto out;
	if (lr->has_not_before) {
		len = (int64_t)na - (int64_t)nb;
		nb = lr->not_before;
		na = (time_t)((int64_t)nb + len);
	}
	if ((r = leaf_policy(lr, nb, na, err)) != PKI_OK ||
	    (r = pki_fast_leaf_issue(fi, lr->csr, key, lr->profile, nb, na,
	    out, err)) != PKI_OK)
		goto out;
	out->not_after = na;
	if (lr->objects)
		r = pki_cert_load(out->cert, out->certlen, "certificate",
		    &out->x509, err);
 out:
	pki_fast_issuer_clear(&own);
	return r;
}

int
pki_leaf_issue_with(const struct pki_fast_issuer *fi,
    const struct pki_leaf_request *lr, struct pki_issued *out,
    struct pki_error *err)
{
	struct pki_key	*key = NULL;
	int		 r;

	memset(out, 0, sizeof(*out));
	if (lr == NULL || lr->csr == NULL || lr->profile == NULL ||
	    lr->ca == NULL || lr->cakey == NULL)
		return pki_err(err, PKI_ERR_ARG,
		    "pki_leaf_issue: missing request, profile or CA");
	if (lr->key == NULL &&
	    (r = pki_key_generate(lr->csr, &key, err)) != PKI_OK)
		return r;
	if (pki_leaf_fast_ok(lr))
		r = leaf_fast(fi, lr, key != NULL ? key : lr->key, out, err);
	else
		r = leaf_general(lr, key != NULL ? key : lr->key, out, err);
	if (r == PKI_OK && lr->objects) {
		out->newkey = key;
		key = NULL;
	}
	if (r != PKI_OK)
		pki_issued_clear(out);
	pki_key_free(key);
	ERR_clear_error();
	return r;
}

int
pki_leaf_issue(const struct pki_leaf_request *lr, struct pki_issued *out,
    struct pki_error *err)
{
	return pki_leaf_issue_with(NULL, lr, out, err);
}

int
pki_ca_issue(const struct pki_ca_request *cr, struct pki_issued *out,
    struct pki_error *err)
{
	struct pki_sign_request	 sr;
	struct pki_profile	*p = NULL;
	struct pki_req		*req = NULL;
	struct pki_key		*key = NULL;
	const struct pki_key	*signer;
	int			 r;

	memset(out, 0, sizeof(*out));
	if (cr == NULL || cr->csr == NULL)
		return pki_err(err, PKI_ERR_ARG, "pki_ca_issue: no request");
	if (cr->key == NULL &&
	    (r = pki_key_generate(cr->csr, &key, err)) != PKI_OK)
		goto out;
	signer = key != NULL ? key : cr->key;
	if ((r = pki_req_new(cr->csr, signer, &req, err)) != PKI_OK ||
	    (r = pki_profile_new_ca(cr->csr, cr->expiry > 0 ? cr->expiry : -1,
	    &p, err)) != PKI_OK)
		goto out;
	/* The policy's messages name what replaced ca.expiry. */
	if (cr->expiry > 0 && (p->expiry_where = strdup(cr->expiry_what !=
	    NULL ? cr->expiry_what : "-expiry")) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	memset(&sr, 0, sizeof(sr));
	sr.profile = p;
	sr.subject = cr->subject;
	sr.now_sec = cr->now;
	sr.opts = cr->policy;
	if ((r = sign_req(&sr, req, NULL, signer, signer, cr->key_format,
	    cr->key_password, cr->key_passwordlen, cr->objects, out,
	    err)) != PKI_OK)
		goto out;
	if (cr->objects) {
		out->newkey = key;
		key = NULL;
	}
 out:
	if (r != PKI_OK)
		pki_issued_clear(out);
	pki_profile_free(p);
	pki_req_free(req);
	pki_key_free(key);
	ERR_clear_error();
	return r;
}
