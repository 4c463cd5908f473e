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

/* -renewca: the CA certificate re-signed with its key, same validity length. */
static int
renewca(const struct opts *o)
{
	struct pki_error	 err;
	struct pki_parse_opts	 po;
	struct pki_cert		*ca = NULL, *cert = NULL;
	struct pki_key		*key = NULL;
	struct out_items	 it;
	char			*certpem = NULL;
	size_t			 certlen = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&it, 0, sizeof(it));
	load_parse_opts(o, &po);
	if (o->nargs > 0) {
		log_err("-renewca takes no CSR JSON (the request is rebuilt "
		    "from -ca)");
		return CMD_RETURN_USAGE;
	}
	log_msg(LOG_INFO, "re-generate a CA certificate from CA cert and key");
	if (load_ca_pair(o, &ca, &key) != CMD_RETURN_NORMAL ||
	    cmd_renewca_sign(ca, key, opts_str(o, OPT_CA), -1, &po, &cert) !=
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

/* The hosts warning cfssl prints for a certificate without SANs. */
static void
warn_no_hosts(void)
{
	log_msg(LOG_WARNING, "This certificate lacks a \"hosts\" field. "
	    "This makes it unsuitable for\nwebsites. For more "
	    "information see the Baseline Requirements for the "
	    "Issuance and Management\nof Publicly-Trusted Certificates, "
	    "v.1.1.6, from the CA/Browser Forum (https://cabforum.org);"
	    "\nspecifically, section 10.2.3 (\"Information "
	    "Requirements\").");
}

/*
 * Remote: the key and request are made here; only the request goes.
 * Fills it with the results (owned by the caller through the pointers).
 */
static int
gencert_remote(const struct opts *o, const struct pki_remote *remote,
    const struct pki_csr *csr, char ***hosts, size_t *nhosts,
    struct pki_issued *res)
{
	struct pki_key		*key = NULL;
	struct pki_req		*req = NULL;
	struct pki_error	 err;
	int			 r, ret = CMD_RETURN_ERROR;

	/* cfssl's client sends the CSR JSON's hosts (after -hostname). */
	memset(&err, 0, sizeof(err));
	pki_strv_free(*hosts, *nhosts);
	if ((r = pki_csr_hosts_copy(csr, hosts, nhosts, &err)) != PKI_OK) {
		log_pki(&err, r);
		return ret;
	}
	if (cmd_genkey_req(o, csr, &key, &req, &res->key, &res->keylen,
	    &res->req, &res->reqlen) != CMD_RETURN_NORMAL ||
	    cmd_remote_sign(o, remote, res->req, (const char *const *)*hosts,
	    *nhosts, &res->cert, &res->certlen) != CMD_RETURN_NORMAL)
		goto out;
	ret = CMD_RETURN_NORMAL;
 out:
	pki_key_free(key);
	pki_req_free(req);
	return ret;
}

/*
 * Local: one call to the library, which takes the direct path when it
 * can, under the strictness policy po; the key is made first so that
 * cfssl's log lines keep their order.
 */
static int
gencert_local(const struct opts *o, const struct pki_parse_opts *po,
    const struct pki_csr *csr, const struct pki_profile *prof,
    const struct pki_cert *ca, const struct pki_key *cakey, char **hosts,
    size_t nhosts, struct pki_issued *res)
{
	struct pki_leaf_request	 lr;
	struct pki_error	 err;
	struct pki_key		*key = NULL;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&lr, 0, sizeof(lr));
	lr.csr = csr;
	lr.profile = prof;
	lr.ca = ca;
	lr.cakey = cakey;
	lr.hosts = (const char *const *)hosts;
	lr.nhosts = nhosts;
	lr.hosts_set = hosts != NULL;
	lr.crl_override = opts_str(o, OPT_CRL);
	lr.key_format = load_key_format(o);
	lr.policy = po;
	if (cmd_new_key(csr, &key) != CMD_RETURN_NORMAL)
		goto out;
	log_msg(LOG_INFO, "encoded CSR");
	lr.key = key;
	if ((r = pki_leaf_issue(&lr, res, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	log_msg(LOG_INFO, "signed certificate with serial number %s",
	    res->serial);
	ret = CMD_RETURN_NORMAL;
 out:
	pki_key_free(key);
	return ret;
}

static int
cmd_gencert_exec(struct opts *o)
{
	struct pki_error	  err;
	struct pki_csr		 *csr = NULL;
	struct pki_config	 *cfg = NULL;
	const struct pki_profile *prof = NULL;
	struct pki_cert		 *ca = NULL;
	struct pki_key		 *cakey = NULL;
	struct pki_issued	  res;
	struct out_items	  it;
	struct pki_remote	  remote;
	struct pki_parse_opts	  po;
	char			**hosts = NULL;
	size_t			  nhosts = 0;
	int			  r, rm = 0, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	load_parse_opts(o, &po);
	memset(&it, 0, sizeof(it));
	memset(&res, 0, sizeof(res));
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
	if ((rm = load_remote(o, &cfg, &prof, &remote)) < 0 ||
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
		if (pki_hosts_split(o->str[OPT_HOSTNAME], &hosts,
		    &nhosts, NULL) != 0) {
			log_err("out of memory");
			goto out;
		}
	}
	if ((rm == 1 ? gencert_remote(o, &remote, csr, &hosts, &nhosts,
	    &res) : gencert_local(o, &po, csr, prof, ca, cakey, hosts,
	    nhosts, &res)) != CMD_RETURN_NORMAL)
		goto out;
	if (hosts == NULL && pki_csr_nhosts(csr) == 0)
		warn_no_hosts();
	it.cert = res.cert;
	it.cert_len = res.certlen;
	it.csr = res.req;
	it.csr_len = res.reqlen;
	it.key = res.key;
	it.key_len = res.keylen;
	ret = out_result(o, &it);
 out:
	pki_csr_free(csr);
	pki_config_free(cfg);
	pki_cert_free(ca);
	pki_key_free(cakey);
	pki_issued_clear(&res);
	pki_strv_free(hosts, nhosts);
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
