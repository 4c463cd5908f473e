/*
 * cmd-gencert.c: cfssl gencert -- a new key and a certificate signed by
 * the CA, a new CA (-initca), or a renewed CA (-renewca).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "out.h"

static const int gencert_opts[] = {
	OPT_INITCA, OPT_RENEWCA, OPT_REMOTE, OPT_CA, OPT_CA_KEY,
	OPT_CA_KEY_PASSWORD, OPT_CONFIG, OPT_CN, OPT_HOSTNAME, OPT_PROFILE,
	OPT_LABEL, OPT_CRL, OPT_KEY_FORMAT, OPT_O, OPT_TLS_REMOTE_CA,
	OPT_MUTUAL_TLS_CLIENT_CERT, OPT_MUTUAL_TLS_CLIENT_KEY,
	OPT_REMOTE_TIMEOUT, OPT_ALLOW_INVALID_ISSUER, OPT_STRICT, OPT_LOGLEVEL,
	OPT_END
};

int
cmd_split_hosts(const char *list, char ***v, size_t *n)
{
	const char	*p, *comma;
	size_t		 count = 1, i = 0;

	*v = NULL;
	*n = 0;
	for (p = list; *p != '\0'; p++)
		if (*p == ',')
			count++;
	if ((*v = calloc(count, sizeof(**v))) == NULL)
		return -1;
	for (p = list;; p = comma + 1) {
		comma = strchr(p, ',');
		(*v)[i] = comma ? strndup(p, (size_t)(comma - p)) : strdup(p);
		if ((*v)[i++] == NULL) {
			cmd_free_hosts(*v, i);
			*v = NULL;
			return -1;
		}
		if (comma == NULL)
			break;
	}
	*n = count;
	return 0;
}

void
cmd_free_hosts(char **v, size_t n)
{
	pki_strv_free(v, n);
}

int
cmd_remote_sign(const struct opts *o, const struct pki_remote *r,
    const char *csrpem, const char *const *hosts, size_t nhosts,
    char **certpem, size_t *certlen)
{
	struct pki_remote_sign_req	 q;
	struct pki_error		 err;
	struct pki_cert			*cert = NULL;
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
	if ((rc = pki_remote_sign(r, &q, certpem, certlen, &err)) != 0 ||
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
cmd_genkey_req(const struct opts *o, const struct pki_csr *csr,
    struct pki_key **key, struct pki_req **req, char **keypem,
    size_t *keylen, char **csrpem, size_t *csrlen)
{
	struct pki_error	err;
	char			desc[64];
	int			r, fmt;

	*key = NULL;
	*req = NULL;
	*keypem = *csrpem = NULL;
	*keylen = *csrlen = 0;
	memset(&err, 0, sizeof(err));
	if ((fmt = load_key_format(o)) < 0)
		return CMD_RETURN_ERROR;
	log_msg(LOG_INFO, "generate received request");
	log_msg(LOG_INFO, "received CSR");
	pki_csr_key_desc(csr, desc, sizeof(desc));
	log_msg(LOG_INFO, "generating key: %s", desc);
	if ((r = pki_key_generate(csr, key, &err)) != 0 ||
	    (r = pki_req_new(csr, *key, req, &err)) != 0 ||
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

/*
 * Signs req with the CA policy built from csr; self-signed by key, under
 * the strictness policy po (may be NULL).
 */
static int
initca_sign(const struct pki_csr *csr, const struct pki_req *req,
    const struct pki_key *key, int64_t expiry,
    const struct pki_parse_opts *po, struct pki_cert **cert)
{
	struct pki_error	 err;
	struct pki_profile	*prof = NULL;
	struct pki_sign_request	 sr;
	int			 r;

	*cert = NULL;
	memset(&err, 0, sizeof(err));
	if ((r = pki_profile_new_ca(csr, expiry, &prof, &err)) != 0)
		goto fail;
	memset(&sr, 0, sizeof(sr));
	sr.req = req;
	sr.profile = prof;
	sr.opts = po;
	if ((r = pki_cert_sign(&sr, NULL, key, cert, &err)) != 0)
		goto fail;
	pki_profile_free(prof);
	cmd_log_serial(*cert);
	return CMD_RETURN_NORMAL;
fail:
	log_pki(&err, r);
	pki_profile_free(prof);
	return CMD_RETURN_ERROR;
}

int
cmd_initca(const struct opts *o, struct pki_csr *csr, int log_intro)
{
	struct pki_error	 err;
	struct pki_parse_opts	 po;
	struct pki_key		*key = NULL;
	struct pki_req		*req = NULL;
	struct pki_cert		*cert = NULL;
	struct out_items	 it;
	char			*keypem = NULL, *csrpem = NULL, *certpem = NULL;
	size_t			 keylen = 0, csrlen = 0, certlen = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&it, 0, sizeof(it));
	if (o->set[OPT_HOSTNAME] || opts_str(o, OPT_CONFIG) != NULL ||
	    opts_str(o, OPT_PROFILE) != NULL)
		log_msg(LOG_WARNING, "-initca ignores -config, -profile and "
		    "-hostname (as cfssl does): the CA policy comes from the "
		    "CSR JSON's \"ca\" section and its hosts");
	if (opts_str(o, OPT_CA_KEY) != NULL) {
		/* Re-issue a CA certificate for an existing key. */
		log_msg(LOG_INFO, "re-generate a CA certificate from CSR and "
		    "CA key");
		if (load_ca_key(o, &key) != CMD_RETURN_NORMAL)
			goto out;
		if ((r = pki_req_new(csr, key, &req, &err)) != 0 ||
		    (r = pki_req_encode(req, &csrpem, &csrlen, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
	} else {
		if (log_intro)
			log_msg(LOG_INFO, "generating a new CA key and "
			    "certificate from CSR");
		if ((r = pki_csr_check_subject(csr, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
		if (cmd_genkey_req(o, csr, &key, &req, &keypem, &keylen,
		    &csrpem, &csrlen) != CMD_RETURN_NORMAL)
			goto out;
	}
	load_parse_opts(o, &po);
	if (initca_sign(csr, req, key, -1, &po, &cert) != CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_cert_encode(cert, &certpem, &certlen, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	it.cert = certpem;
	it.cert_len = certlen;
	it.csr = csrpem;
	it.csr_len = csrlen;
	it.key = keypem;
	it.key_len = keylen;
	ret = out_result(o, &it);
out:
	pki_key_free(key);
	pki_req_free(req);
	pki_cert_free(cert);
	pki_secret_free(keypem, keylen);
	free(csrpem);
	free(certpem);
	return ret;
}

int
cmd_renewca_sign(const struct pki_cert *ca, const struct pki_key *key,
    const char *source, int64_t expiry, struct pki_cert **out)
{
	struct pki_error	 err;
	struct pki_csr		*csr = NULL;
	struct pki_req		*req = NULL;
	int64_t			 validity = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	*out = NULL;
	memset(&err, 0, sizeof(err));
	if ((r = pki_cert_to_csr(ca, 1, &csr, &validity, &err)) != 0 ||
	    (r = pki_req_new(csr, key, &req, &err)) != 0) {
		log_err("%s: %s", source, err.text);
		goto out;
	}
	ret = initca_sign(csr, req, key, expiry >= 0 ? expiry : validity,
	    NULL, out);
out:
	pki_csr_free(csr);
	pki_req_free(req);
	return ret;
}

/* -renewca: the CA certificate re-signed with its key, same validity length. */
static int
renewca(const struct opts *o)
{
	struct pki_error	 err;
	struct pki_cert		*ca = NULL, *cert = NULL;
	struct pki_key		*key = NULL;
	struct out_items	 it;
	char			*certpem = NULL;
	size_t			 certlen = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&it, 0, sizeof(it));
	if (o->nargs > 0) {
		log_err("-renewca takes no CSR JSON (the request is rebuilt "
		    "from -ca)");
		return CMD_RETURN_USAGE;
	}
	log_msg(LOG_INFO, "re-generate a CA certificate from CA cert and key");
	if (load_ca_pair(o, &ca, &key) != CMD_RETURN_NORMAL ||
	    cmd_renewca_sign(ca, key, opts_str(o, OPT_CA), -1, &cert) !=
	    CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_cert_encode(cert, &certpem, &certlen, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	it.cert = certpem;
	it.cert_len = certlen;
	ret = out_result(o, &it);
out:
	pki_cert_free(ca);
	pki_cert_free(cert);
	pki_key_free(key);
	free(certpem);
	return ret;
}

/*
 * The hosts cfssl's client sends with a remote request: the CSR JSON's
 * (already replaced by -hostname), or none.
 */
static int
remote_hosts(const struct pki_csr *csr, char ***hosts, size_t *n)
{
	size_t	i;

	cmd_free_hosts(*hosts, *n);
	*hosts = NULL;
	*n = 0;
	if (pki_csr_nhosts(csr) == 0)
		return 0;
	if ((*hosts = calloc(pki_csr_nhosts(csr) + 1, sizeof(**hosts))) ==
	    NULL)
		goto oom;
	for (i = 0; i < pki_csr_nhosts(csr); i++) {
		if (((*hosts)[i] = strdup(pki_csr_host(csr, i))) == NULL)
			goto oom;
		(*n)++;
	}
	return 0;
 oom:
	log_err("out of memory");
	return -1;
}

static int
cmd_gencert_exec(struct opts *o)
{
	struct pki_error	  err;
	struct pki_csr		 *csr = NULL;
	struct pki_config	 *cfg = NULL;
	const struct pki_profile *prof = NULL;
	struct pki_cert		 *ca = NULL, *cert = NULL;
	struct pki_key		 *cakey = NULL, *key = NULL;
	struct pki_req		 *req = NULL;
	struct pki_sign_request	  sr;
	struct out_items	  it;
	struct pki_leaf_pem	  leaf;
	char			 *keypem = NULL, *csrpem = NULL, *certpem = NULL;
	char			**hosts = NULL, desc[64];
	size_t			  keylen = 0, csrlen = 0, certlen = 0, nhosts = 0;
	struct pki_remote	  remote;
	struct pki_parse_opts	  po;
	int			  r, rm = 0, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	load_parse_opts(o, &po);
	memset(&it, 0, sizeof(it));
	memset(&leaf, 0, sizeof(leaf));
	memset(&remote, 0, sizeof(remote));
	if (o->b[OPT_RENEWCA])
		return renewca(o);
	if (o->nargs != 1) {
		log_err(o->nargs == 0 ? "missing CSR JSON argument (use '-' "
		    "for stdin)" : "only one argument is accepted (flags go "
		    "before the CSR JSON file)");
		return CMD_RETURN_USAGE;
	}
	if (load_csr_json(o, o->args[0], 0, &csr) != CMD_RETURN_NORMAL)
		goto out;
	if (o->set[OPT_CN] && (r = pki_csr_set_cn(csr, o->str[OPT_CN], &po,
	    &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (o->b[OPT_INITCA]) {
		ret = cmd_initca(o, csr, 1);
		goto out;
	}
	if (pki_csr_has_ca(csr)) {
		log_err("%s: ca: the \"ca\" section is only permitted with "
		    "-initca", o->args[0]);
		goto out;
	}
	/* Check every input before generating anything. */
	if (load_key_format(o) < 0 ||
	    (rm = load_remote(o, &cfg, &prof, &remote)) < 0 ||
	    (rm == 0 && load_ca_pair(o, &ca, &cakey) != CMD_RETURN_NORMAL))
		goto out;
	if (rm == 1 && opts_str(o, OPT_CRL) != NULL) {
		log_err("-crl: cfssl's remote API has no CRL override; set "
		    "crl_url in the CA server's profile");
		ret = CMD_RETURN_USAGE;
		goto out;
	}
	if (o->set[OPT_HOSTNAME] && o->str[OPT_HOSTNAME][0] != '\0') {
		if ((r = pki_csr_set_hosts(csr, o->str[OPT_HOSTNAME], &po,
		    &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
		if (cmd_split_hosts(o->str[OPT_HOSTNAME], &hosts,
		    &nhosts) != 0) {
			log_err("out of memory");
			goto out;
		}
	}
	/* Remote: the key and request are made here; only the request goes. */
	if (rm == 1) {
		if (cmd_genkey_req(o, csr, &key, &req, &keypem, &keylen,
		    &csrpem, &csrlen) != CMD_RETURN_NORMAL ||
		    (r = remote_hosts(csr, &hosts, &nhosts)) != 0 ||
		    cmd_remote_sign(o, &remote, csrpem, (const char *const *)
		    hosts, nhosts, &certpem, &certlen) != CMD_RETURN_NORMAL)
			goto out;
		it.cert = certpem;
		it.cert_len = certlen;
		it.csr = csrpem;
		it.csr_len = csrlen;
		it.key = keypem;
		it.key_len = keylen;
		goto done;
	}
	/*
	 * The direct path makes the same files without OpenSSL's generic
	 * objects; it declines what needs the general signer.
	 */
	if (load_key_format(o) == PKI_KEY_FMT_CFSSL &&
	    opts_str(o, OPT_CRL) == NULL &&
	    (r = pki_leaf_issue(csr, prof, ca, cakey, &po, &leaf, &err)) !=
	    PKI_ERR_UNSUPPORTED) {
		/* cfssl's log lines, in its order. */
		log_msg(LOG_INFO, "generate received request");
		log_msg(LOG_INFO, "received CSR");
		pki_csr_key_desc(csr, desc, sizeof(desc));
		log_msg(LOG_INFO, "generating key: %s", desc);
		if (r != PKI_OK) {
			log_pki(&err, r);
			goto out;
		}
		log_msg(LOG_INFO, "encoded CSR");
		log_msg(LOG_INFO, "signed certificate with serial number %s",
		    leaf.serial);
		it.cert = leaf.cert;
		it.cert_len = leaf.certlen;
		it.csr = leaf.req;
		it.csr_len = leaf.reqlen;
		it.key = leaf.key;
		it.key_len = leaf.keylen;
		goto done;
	}
	if (cmd_genkey_req(o, csr, &key, &req, &keypem, &keylen, &csrpem,
	    &csrlen) != CMD_RETURN_NORMAL)
		goto out;
	memset(&sr, 0, sizeof(sr));
	sr.req = req;
	sr.profile = prof;
	sr.hosts = (const char *const *)hosts;
	sr.nhosts = nhosts;
	sr.hosts_set = hosts != NULL;
	sr.crl_override = opts_str(o, OPT_CRL);
	sr.opts = &po;
	if ((r = pki_cert_sign(&sr, ca, cakey, &cert, &err)) != 0 ||
	    (r = pki_cert_encode(cert, &certpem, &certlen, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	cmd_log_serial(cert);
	it.cert = certpem;
	it.cert_len = certlen;
	it.csr = csrpem;
	it.csr_len = csrlen;
	it.key = keypem;
	it.key_len = keylen;
done:
	if (hosts == NULL && pki_csr_nhosts(csr) == 0)
		log_msg(LOG_WARNING, "This certificate lacks a \"hosts\" field. "
		    "This makes it unsuitable for\nwebsites. For more "
		    "information see the Baseline Requirements for the "
		    "Issuance and Management\nof Publicly-Trusted Certificates, "
		    "v.1.1.6, from the CA/Browser Forum (https://cabforum.org);"
		    "\nspecifically, section 10.2.3 (\"Information "
		    "Requirements\").");
	ret = out_result(o, &it);
out:
	pki_csr_free(csr);
	pki_config_free(cfg);
	pki_cert_free(ca);
	pki_cert_free(cert);
	pki_key_free(cakey);
	pki_key_free(key);
	pki_req_free(req);
	pki_secret_free(keypem, keylen);
	free(csrpem);
	free(certpem);
	pki_leaf_pem_clear(&leaf);
	cmd_free_hosts(hosts, nhosts);
	return ret;
}

const struct cmd_entry cmd_gencert_entry = {
	"gencert",
	"generate a new key and signed certificate",
	"    Generate a new key and cert from CSR:\n"
	"        PROG gencert -initca CSRJSON\n"
	"        PROG gencert -ca cert -ca-key key [-config config] [-profile profile] [-hostname hostname] [-o name] CSRJSON\n"
	"        PROG gencert -config request-config [-profile profile] [-label label] [-o name] CSRJSON   (remote profile)\n"
	"        PROG gencert -remote remote_host [-profile profile] [-label label] [-o name] CSRJSON\n"
	"\n"
	"    Re-generate a CA cert with the CA key and CSR:\n"
	"        PROG gencert -initca -ca-key key CSRJSON\n"
	"\n"
	"    Re-generate a CA cert with the CA key and certificate:\n"
	"        PROG gencert -renewca -ca cert -ca-key key\n"
	"\n"
	"Arguments:\n"
	"        CSRJSON:    JSON file containing the request, use '-' for reading JSON from stdin",
	gencert_opts,
	cmd_gencert_exec,
	0,
	0
};
