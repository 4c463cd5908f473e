/*
 * cmd-selfsign.c: cfssl selfsign -- a new key and a self-signed
 * certificate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "out.h"

static const int selfsign_opts[] = {
	OPT_CONFIG, OPT_PROFILE, OPT_HOSTNAME, OPT_KEY_FORMAT, OPT_O,
	OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

static const char selfsign_default[] =
    "{\"signing\":{\"default\":{\"usages\":[\"signing\",\"key encipherment\","
    "\"server auth\",\"client auth\"],\"expiry\":\"2190h\"}}}";

static int
cmd_selfsign_exec(struct opts *o)
{
	struct pki_error	  err;
	struct pki_parse_opts	  po;
	struct pki_csr		 *csr = NULL;
	struct pki_config	 *cfg = NULL;
	const struct pki_profile *prof = NULL;
	struct pki_cert		 *cert = NULL;
	struct pki_key		 *key = NULL;
	struct pki_req		 *req = NULL;
	struct pki_sign_request	  sr;
	struct out_items	  it;
	const char		 *csrpath;
	char			 *keypem = NULL, *csrpem = NULL, *certpem = NULL;
	size_t			  keylen = 0, csrlen = 0, certlen = 0;
	int			  r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&it, 0, sizeof(it));
	load_parse_opts(o, &po);
	/* cfssl pops HOSTNAME unless -hostname is set, and never uses it. */
	if (o->set[OPT_HOSTNAME] ? o->nargs != 1 : o->nargs != 2) {
		log_err(o->set[OPT_HOSTNAME] ? "need exactly one argument: "
		    "CSRJSON" : "need two arguments: HOSTNAME CSRJSON");
		return CMD_RETURN_USAGE;
	}
	csrpath = o->args[o->nargs - 1];
	if (load_csr_json(o, csrpath, 0, &csr) != CMD_RETURN_NORMAL)
		goto out;
	if (o->set[OPT_HOSTNAME] && o->str[OPT_HOSTNAME][0] != '\0' &&
	    (r = pki_csr_set_hosts(csr, o->str[OPT_HOSTNAME], &po, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (opts_str(o, OPT_CONFIG) != NULL) {
		if (load_config(o, &cfg, &prof) != CMD_RETURN_NORMAL)
			goto out;
	} else {
		/* cfssl's DefaultConfig() with selfsign's 2190h expiry. */
		if (o->set[OPT_PROFILE]) {
			log_err("-profile needs -config");
			goto out;
		}
		if ((r = pki_config_parse(selfsign_default,
		    strlen(selfsign_default), "selfsign default", NULL, &cfg,
		    &err)) != 0 ||
		    (r = pki_config_profile(cfg, NULL, &prof, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
	}
	if (cmd_genkey_req(o, csr, &key, &req, &keypem, &keylen, &csrpem,
	    &csrlen) != CMD_RETURN_NORMAL)
		goto out;
	memset(&sr, 0, sizeof(sr));
	sr.req = req;
	sr.profile = prof;
	if ((r = pki_cert_selfsign(&sr, key, &cert, &err)) != 0 ||
	    (r = pki_cert_encode(cert, &certpem, &certlen, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	fprintf(stderr, "*** WARNING ***\n\n"
	    "Self-signed certificates are dangerous. Use this self-signed\n"
	    "certificate at your own risk.\n\n"
	    "It is strongly recommended that these certificates NOT be used\n"
	    "in production.\n\n*** WARNING ***\n\n");
	it.cert = certpem;
	it.cert_len = certlen;
	it.csr = csrpem;
	it.csr_len = csrlen;
	it.key = keypem;
	it.key_len = keylen;
	ret = out_result(o, &it);
 out:
	pki_csr_free(csr);
	pki_config_free(cfg);
	pki_cert_free(cert);
	pki_key_free(key);
	pki_req_free(req);
	pki_secret_free(keypem, keylen);
	free(csrpem);
	free(certpem);
	return ret;
}

const struct cmd_entry cmd_selfsign_entry = {
	"selfsign",
	"generate a new key and a self-signed certificate",
	"        PROG selfsign [-config config] [-profile profile] [-o name] HOSTNAME CSRJSON\n"
	"        PROG selfsign -hostname hostname [-config config] [-o name] CSRJSON\n"
	"\n"
	"Arguments:\n"
	"        HOSTNAME:   accepted for compatibility and unused (as in cfssl): hosts come from the CSR JSON or -hostname\n"
	"        CSRJSON:    JSON file containing the request, use '-' for reading JSON from stdin",
	selfsign_opts,
	cmd_selfsign_exec,
	0,
	0
};
