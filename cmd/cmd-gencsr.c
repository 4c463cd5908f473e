/*
 * cmd-gencsr.c: cfssl gencsr -- a CSR for an existing key, from a CSR JSON
 * or from a certificate.
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

static const int gencsr_opts[] = {
	OPT_KEY, OPT_CERT, OPT_HOSTNAME, OPT_O, OPT_STRICT, OPT_LOGLEVEL,
	OPT_END
};

static int
cmd_gencsr_exec(struct opts *o)
{
	struct pki_error	 err;
	struct pki_parse_opts	 po;
	struct pki_csr		*csr = NULL;
	struct pki_cert		*cert = NULL;
	struct pki_key		*key = NULL;
	struct pki_req		*req = NULL;
	struct out_items	 it;
	const char		*keypath, *certpath;
	char			*keybuf = NULL, *csrpem = NULL;
	size_t			 keylen = 0, csrlen = 0;
	int64_t			 validity;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&it, 0, sizeof(it));
	load_parse_opts(o, &po);
	if ((keypath = opts_str(o, OPT_KEY)) == NULL) {
		log_err("need a private key (provide one with -key)");
		return CMD_RETURN_USAGE;
	}
	certpath = opts_str(o, OPT_CERT);
	if ((certpath == NULL && o->nargs != 1) ||
	    (certpath != NULL && o->nargs != 0)) {
		log_err(certpath == NULL ? "need exactly one CSR JSON argument "
		    "(or -cert)" : "-cert and a CSR JSON argument are mutually "
		    "exclusive");
		return CMD_RETURN_USAGE;
	}
	if (input_read(keypath, 0, &keybuf, &keylen, NULL) !=
	    CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_key_load(keybuf, keylen, keypath, NULL, &key, &err)) !=
	    0) {
		log_pki(&err, r);
		goto out;
	}
	if (certpath != NULL) {
		if (load_cert_file(certpath, &cert) != CMD_RETURN_NORMAL)
			goto out;
		if ((r = pki_cert_to_csr(cert, 0, &csr, &validity, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
	} else if (load_csr_json(o, o->args[0], 0, &csr) != CMD_RETURN_NORMAL)
		goto out;
	if (o->set[OPT_HOSTNAME] && o->str[OPT_HOSTNAME][0] != '\0' &&
	    (r = pki_csr_set_hosts(csr, o->str[OPT_HOSTNAME], &po, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if ((r = pki_req_new(csr, key, &req, &err)) != 0 ||
	    (r = pki_req_encode(req, &csrpem, &csrlen, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	it.csr = csrpem;
	it.csr_len = csrlen;
	if (opts_str(o, OPT_O) == NULL) {
		/* cfssl echoes the key file as read; -o never rewrites it. */
		it.key = keybuf;
		it.key_len = keylen;
	}
	ret = out_result(o, &it);
 out:
	pki_csr_free(csr);
	pki_cert_free(cert);
	pki_key_free(key);
	pki_req_free(req);
	pki_secret_free(keybuf, keylen);
	free(csrpem);
	return ret;
}

const struct cmd_entry cmd_gencsr_entry = {
	"gencsr",
	"generate a CSR for an existing private key",
	"    Generate a CSR from a CSR JSON and an existing key:\n"
	"        PROG gencsr -key key [-hostname hostname] CSRJSON\n"
	"\n"
	"    Generate a CSR from a certificate's subject and hosts:\n"
	"        PROG gencsr -key key -cert cert\n"
	"\n"
	"Arguments:\n"
	"        CSRJSON:    JSON file containing the request, use '-' for reading JSON from stdin",
	gencsr_opts,
	cmd_gencsr_exec,
	0,
	0
};
