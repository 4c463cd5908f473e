/*
 * cmd-sign.c: cfssl sign -- sign a PEM certificate request with the CA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "input.h"
#include "load.h"
#include "log.h"
#include "out.h"

static const int sign_opts[] = {
	OPT_CA, OPT_CA_KEY, OPT_CA_KEY_PASSWORD, OPT_REMOTE, OPT_CONFIG,
	OPT_PROFILE, OPT_LABEL, OPT_HOSTNAME, OPT_CSR, OPT_O,
	OPT_TLS_REMOTE_CA, OPT_MUTUAL_TLS_CLIENT_CERT,
	OPT_MUTUAL_TLS_CLIENT_KEY, OPT_REMOTE_TIMEOUT, OPT_ALLOW_INVALID_ISSUER,
	OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

static int
cmd_sign_exec(struct opts *o)
{
	struct pki_error	  err;
	struct pki_parse_opts	  po;
	struct pki_csr		 *subject = NULL;
	struct pki_config	 *cfg = NULL;
	const struct pki_profile *prof = NULL;
	struct pki_cert		 *ca = NULL, *cert = NULL;
	struct pki_key		 *cakey = NULL;
	struct pki_req		 *req = NULL;
	struct pki_sign_request	  sr;
	struct out_items	  it;
	const char		 *csrpath, *subjpath = NULL;
	char			 *csrbuf = NULL, *certpem = NULL;
	char			**hosts = NULL;
	size_t			  csrlen = 0, certlen = 0, nhosts = 0;
	struct pki_remote	  remote;
	int			  r, rm, maxargs, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&it, 0, sizeof(it));
	memset(&remote, 0, sizeof(remote));
	if ((csrpath = opts_str(o, OPT_CSR)) != NULL) {
		maxargs = 1;
		if (o->nargs > 0)
			subjpath = o->args[0];
	} else {
		maxargs = 2;
		if (o->nargs == 0) {
			log_err("missing CSR argument (a PEM file, '-' for "
			    "stdin, or -csr FILE)");
			return CMD_RETURN_USAGE;
		}
		csrpath = o->args[0];
		if (o->nargs > 1)
			subjpath = o->args[1];
	}
	if (o->nargs > maxargs) {
		log_err("too many arguments are provided (CSR [SUBJECT])");
		return CMD_RETURN_USAGE;
	}
	if ((rm = load_remote(o, &cfg, &prof, &remote)) < 0 ||
	    (rm == 0 && load_ca_pair(o, &ca, &cakey) != CMD_RETURN_NORMAL))
		goto out;
	if (rm == 1 && subjpath != NULL) {
		log_err("%s: a SUBJECT file cannot be sent to a remote CA "
		    "server (cfssl's API has no such field)", subjpath);
		ret = CMD_RETURN_USAGE;
		goto out;
	}
	if (subjpath != NULL &&
	    load_csr_json(o, subjpath, 1, &subject) != CMD_RETURN_NORMAL)
		goto out;
	if (input_read(csrpath, 0, &csrbuf, &csrlen, NULL) !=
	    CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_req_load(csrbuf, csrlen, input_name(csrpath), &req,
	    &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (o->set[OPT_HOSTNAME] && o->str[OPT_HOSTNAME][0] != '\0' &&
	    pki_hosts_split(o->str[OPT_HOSTNAME], &hosts, &nhosts,
	    NULL) != 0) {
		log_err("out of memory");
		goto out;
	}
	load_parse_opts(o, &po);
	if ((r = pki_hosts_check_caps(hosts, nhosts, "-hostname", &po,
	    &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (rm == 1) {
		/* The local signer checks it in pki_cert_sign(). */
		if ((r = pki_req_check(req, hosts == NULL, &po, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
		if (cmd_remote_sign(o, &remote, csrbuf, (const char *const *)
		    hosts, nhosts, &certpem, &certlen) != CMD_RETURN_NORMAL)
			goto out;
		goto done;
	}
	memset(&sr, 0, sizeof(sr));
	sr.req = req;
	sr.profile = prof;
	sr.hosts = (const char *const *)hosts;
	sr.nhosts = nhosts;
	sr.hosts_set = hosts != NULL;
	sr.subject = subject;
	sr.opts = &po;
	if ((r = pki_cert_sign(&sr, ca, cakey, &cert, &err)) != 0 ||
	    (r = pki_cert_encode(cert, &certpem, &certlen, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	cmd_log_serial(cert);
 done:
	it.cert = certpem;
	it.cert_len = certlen;
	it.csr = csrbuf;		/* cfssl echoes the input verbatim */
	it.csr_len = csrlen;
	if (opts_str(o, OPT_O) != NULL)
		it.csr = NULL;		/* -o never rewrites the input CSR */
	ret = out_result(o, &it);
 out:
	pki_csr_free(subject);
	pki_config_free(cfg);
	pki_cert_free(ca);
	pki_cert_free(cert);
	pki_key_free(cakey);
	pki_req_free(req);
	free(csrbuf);
	free(certpem);
	pki_strv_free(hosts, nhosts);
	return ret;
}

const struct cmd_entry cmd_sign_entry = {
	"sign",
	"sign a certificate request with the CA",
	"        PROG sign -ca cert -ca-key key [-config config] [-profile profile] [-hostname hostname] [-o name] CSR [SUBJECT]\n"
	"        PROG sign -remote remote_host [-profile profile] [-label label] [-hostname hostname] [-o name] CSR\n"
	"\n"
	"Arguments:\n"
	"        CSR:        PEM file for certificate request, use '-' for reading PEM from stdin.\n"
	"        SUBJECT:    optional JSON file (CN, names, SerialNumber) overriding the CSR's subject\n"
	"\n"
	"Note: CSR can also be supplied via flag values; flag value will take precedence over the argument.",
	sign_opts,
	cmd_sign_exec,
	0,
	0
};
