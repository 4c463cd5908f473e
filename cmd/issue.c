/*
 * issue.c: what the commands that make keys, requests and certificates
 * share: cfssl's log lines around them, remote signing, and
 * -initca and -renewca through pki_ca_issue() and pki_ca_resign().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "out.h"

int
cmd_remote_sign(const struct opts *o, const struct pki_remote *r,
    const char *csrpem, const char *const *hosts, size_t nhosts,
    char **certpem, size_t *certlen)
{
	struct pki_remote_sign_req	 q;
	struct pki_error		 err;
	struct pki_cert			*cert = NULL, *pin = NULL;
	int				 rc;

	memset(&err, 0, sizeof(err));
	memset(&q, 0, sizeof(q));
	q.csr_pem = csrpem;
	q.hosts = hosts;
	q.nhosts = nhosts;
	q.profile = opts_str(o, OPT_PROFILE) != NULL ?
	    opts_str(o, OPT_PROFILE) : "";
	q.label = opts_str(o, OPT_LABEL) != NULL ? opts_str(o, OPT_LABEL) :
	    "";
	/* -ca with -remote pins the CA the answer must come from. */
	if (opts_str(o, OPT_CA) != NULL && load_cert_file(opts_str(o,
	    OPT_CA), &pin) != CMD_RETURN_NORMAL)
		return CMD_RETURN_ERROR;
	q.issuer = pin;
	rc = pki_remote_sign(r, &q, certpem, certlen, &err);
	pki_cert_free(pin);
	if (rc != 0 ||
	    (rc = pki_cert_load(*certpem, *certlen, r->urls, &cert,
	    &err)) != 0) {
		log_pki(&err, rc);
		free(*certpem);
		*certpem = NULL;
		return CMD_RETURN_ERROR;
	}
	cmd_log_serial(cert);
	pki_cert_free(cert);
	return CMD_RETURN_NORMAL;
}

void
cmd_log_serial(const struct pki_cert *cert)
{
	char	*dec = NULL;

	if (pki_cert_serial(cert, &dec, NULL) == PKI_OK)
		log_msg(LOG_INFO, "signed certificate with serial number %s",
		    dec);
	free(dec);
}

int
cmd_new_key(const struct pki_csr *csr, struct pki_key **key)
{
	struct pki_error	err;
	char			desc[64];
	int			r;

	memset(&err, 0, sizeof(err));
	log_msg(LOG_INFO, "generate received request");
	log_msg(LOG_INFO, "received CSR");
	pki_csr_key_desc(csr, desc, sizeof(desc));
	log_msg(LOG_INFO, "generating key: %s", desc);
	if ((r = pki_key_generate(csr, key, &err)) != 0) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	return CMD_RETURN_NORMAL;
}

int
cmd_genkey_req(const struct opts *o, const struct pki_csr *csr,
    struct pki_key **key, struct pki_req **req, char **keypem,
    size_t *keylen, char **csrpem, size_t *csrlen)
{
	struct pki_error	err;
	int			r, fmt;

	*key = NULL;
	*req = NULL;
	*keypem = *csrpem = NULL;
	*keylen = *csrlen = 0;
	memset(&err, 0, sizeof(err));
	fmt = load_key_format(o);
	if (cmd_new_key(csr, key) != CMD_RETURN_NORMAL)
		return CMD_RETURN_ERROR;
	if ((r = pki_req_new(csr, *key, req, &err)) != 0 ||
	    (r = pki_key_encode(*key, fmt, keypem, keylen, &err)) != 0 ||
	    (r = pki_req_encode(*req, csrpem, csrlen, &err)) != 0) {
		log_pki(&err, r);
		pki_key_free(*key);
		pki_req_free(*req);
		pki_secret_free(*keypem, *keylen);
		free(*csrpem);
		*key = NULL;
		*req = NULL;
		*keypem = *csrpem = NULL;
		return CMD_RETURN_ERROR;
	}
	log_msg(LOG_INFO, "encoded CSR");
	return CMD_RETURN_NORMAL;
}

int
cmd_initca(const struct opts *o, struct pki_csr *csr, int log_intro)
{
	struct pki_ca_request	 cr;
	struct pki_issued	 ca;
	struct pki_error	 err;
	struct pki_parse_opts	 po;
	struct pki_key		*key = NULL;
	struct out_items	 it;
	char			*pw = NULL;
	size_t			 pwlen = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&it, 0, sizeof(it));
	memset(&cr, 0, sizeof(cr));
	memset(&ca, 0, sizeof(ca));
	load_parse_opts(o, &po);
	if (o->set[OPT_HOSTNAME] || opts_str(o, OPT_CONFIG) != NULL ||
	    opts_str(o, OPT_PROFILE) != NULL)
		log_msg(LOG_WARNING, "-initca ignores -config, -profile and "
		    "-hostname (as cfssl does): the CA policy comes from the "
		    "CSR JSON's \"ca\" section and its hosts");
	cr.csr = csr;
	if (opts_str(o, OPT_CA_KEY) != NULL) {
		/* Re-issue a CA certificate for an existing key. */
		log_msg(LOG_INFO, "re-generate a CA certificate from CSR and "
		    "CA key");
		if (load_ca_key(o, &key) != CMD_RETURN_NORMAL)
			goto out;
	} else {
		if (log_intro)
			log_msg(LOG_INFO, "generating a new CA key and "
			    "certificate from CSR");
		if ((r = pki_csr_check_subject(csr, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
		cr.key_format = load_key_format(o);
		/* Encrypted when asked for (cfssl never encrypts). */
		if ((opts_str(o, OPT_CA_KEY_PASSWORD) != NULL && load_password(o,
		    &pw, &pwlen) != CMD_RETURN_NORMAL) ||
		    cmd_new_key(csr, &key) != CMD_RETURN_NORMAL)
			goto out;
		cr.key_password = pw;
		cr.key_passwordlen = pwlen;
		log_msg(LOG_INFO, "encoded CSR");
	}
	cr.key = key;
	cr.policy = &po;
	if ((r = pki_ca_issue(&cr, &ca, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	log_msg(LOG_INFO, "signed certificate with serial number %s",
	    ca.serial);
	it.cert = ca.cert;
	it.cert_len = ca.certlen;
	it.csr = ca.req;
	it.csr_len = ca.reqlen;
	/* An existing key is not printed again. */
	if (opts_str(o, OPT_CA_KEY) == NULL) {
		it.key = ca.key;
		it.key_len = ca.keylen;
	}
	ret = out_result(o, &it);
 out:
	pki_secret_free(pw, pwlen);
	pki_key_free(key);
	pki_issued_clear(&ca);
	return ret;
}

int
cmd_renewca_sign(const struct pki_cert *ca, const struct pki_key *key,
    const char *source, int64_t expiry, const struct pki_parse_opts *po,
    struct pki_cert **out)
{
	struct pki_issued	 is;
	struct pki_error	 err;
	int			 r;

	*out = NULL;
	memset(&err, 0, sizeof(err));
	if ((r = pki_ca_resign(ca, key, source, expiry, po, &is,
	    &err)) != 0) {
		log_pki(&err, r);
		pki_issued_clear(&is);
		return CMD_RETURN_ERROR;
	}
	log_msg(LOG_INFO, "signed certificate with serial number %s",
	    is.serial);
	*out = is.x509;
	is.x509 = NULL;
	pki_issued_clear(&is);
	return CMD_RETURN_NORMAL;
}
