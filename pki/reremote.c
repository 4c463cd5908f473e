/*
 * reremote.c: a leaf renewed through a remote CA server (renew with a
 * profile's remote/auth_remote, or -remote): the request for the kept or
 * new key, the answer pinned to the CA the set trusts (or checked
 * against the server's /info certificate, kept for the verification).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

const char *
pki_reissue_profile(const struct pki_targets *ts, const struct pki_target *t)
{
	if (ts->rprofile != NULL)
		return ts->rprofile;
	return t->profile != NULL && t->profile->name != NULL ?
	    t->profile->name : "";
}

int
pki_reissue_pin(const struct pki_targets *ts, const struct pki_target *t,
    const struct pki_cert **pin, struct pki_cert **own,
    const struct pki_notify *nt)
{
	struct pki_error	  err;
	char			 *buf = NULL, **certs = NULL;
	size_t			  len = 0, n = 0;
	const char		 *src = pki_set_path(t->set, PKI_SET_CA);
	int			  r;

	memset(&err, 0, sizeof(err));
	*pin = ts->pin;
	*own = NULL;
	if (ts->pin != NULL)
		return 0;
	if ((r = pki_target_read(t, PKI_SET_CA, &buf, &len, nt)) < 0)
		return -1;
	if (r == 0 && (r = pki_bundle_split(buf, len, src, &certs, &n,
	    &err)) == PKI_OK && n == 1)
		r = pki_cert_load(certs[0], strlen(certs[0]), src, own, &err);
	pki_strv_free(certs, n);
	free(buf);
	if (r != PKI_OK && r != 1) {
		pki_note_err(nt, NULL, &err, r);
		return -1;
	}
	if ((*pin = *own) == NULL)
		pki_note(nt, PKI_NOTE_INFO, t->label, "no single CA certificate "
		    "to pin the answer to (-ca, or %s with one certificate): "
		    "the answer must come from the CA the server's /info "
		    "gives", src);
	return 0;
}

int
pki_reissue_remote(const struct pki_targets *ts, const struct pki_target *t,
    const struct pki_key *key, const struct pki_notify *nt,
    struct pki_reissued *out, struct pki_error *err)
{
	struct pki_remote_sign_req	 q;
	struct pki_req			*req = NULL;
	struct pki_cert			*own = NULL, *fetched = NULL;
	char				**hosts = NULL;
	size_t				 nhosts = 0, reqlen = 0;
	int				 r;

	memset(&q, 0, sizeof(q));
	/* The request renew writes as NAME.csr: the CSR JSON, the key. */
	if ((r = pki_req_new(t->csr, key, &req, err)) != PKI_OK ||
	    (r = pki_req_encode(req, &out->csrpem, &reqlen, err)) != PKI_OK)
		goto out;
	out->csrlen = reqlen;
	if ((r = pki_csr_hosts_copy(t->csr, &hosts, &nhosts, err)) != PKI_OK)
		goto out;
	if (pki_reissue_pin(ts, t, &q.issuer, &own, nt) != 0) {
		r = pki_err(err, PKI_ERR_INPUT, "%s: no CA to check the "
		    "answer against", t->label);
		goto out;
	}
	q.csr_pem = out->csrpem;
	q.hosts = (const char *const *)hosts;
	q.nhosts = nhosts;
	q.profile = pki_reissue_profile(ts, t);
	q.label = ts->rlabel != NULL ? ts->rlabel : "";
	q.fetched = &fetched;
	if ((r = pki_remote_sign(ts->remote, &q, &out->certpem, &out->certlen,
	    err)) != PKI_OK)
		goto out;
	/* Kept for the verification when no CA file names the issuer. */
	if (fetched != NULL && (r = pki_cert_encode(fetched, &out->infoca,
	    &out->infocalen, err)) != PKI_OK)
		goto out;
	r = pki_cert_load(out->certpem, out->certlen, ts->remote->urls,
	    &out->cert, err);
 out:
	pki_cert_free(fetched);
	pki_cert_free(own);
	pki_req_free(req);
	pki_strv_free(hosts, nhosts);
	return r;
}
