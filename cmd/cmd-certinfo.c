/*
 * cmd-certinfo.c: cfssl certinfo -- describe a certificate or a CSR as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"

static const int certinfo_opts[] = {
	OPT_CERT, OPT_CSR, OPT_DOMAIN, OPT_LOGLEVEL, OPT_END
};

static int
cmd_certinfo_exec(struct opts *o)
{
	struct pki_error	 err;
	struct pki_cert		*cert = NULL;
	struct pki_req		*req = NULL;
	const char		*path;
	char			*json = NULL;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	if (o->nargs > 0) {
		log_err("argument is provided but not defined; please refer to "
		    "the usage by flag -h");
		return CMD_RETURN_USAGE;
	}
	if (opts_str(o, OPT_DOMAIN) != NULL) {
		log_err("-domain: fetching a certificate from a server is not "
		    "supported; save it and use -cert");
		return CMD_RETURN_ERROR;
	}
	if ((path = opts_str(o, OPT_CERT)) != NULL) {
		if (load_cert_file(path, &cert) != CMD_RETURN_NORMAL)
			goto out;
		if ((r = pki_cert_info_json(cert, &json, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
	} else if ((path = opts_str(o, OPT_CSR)) != NULL) {
		if (load_req_file(path, &req) != CMD_RETURN_NORMAL)
			goto out;
		if ((r = pki_req_info_json(req, &json, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
	} else {
		log_err("Must specify certinfo target through -cert or -csr");
		ret = CMD_RETURN_USAGE;
		goto out;
	}
	printf("%s\n", json);
	ret = CMD_RETURN_NORMAL;
 out:
	pki_cert_free(cert);
	pki_req_free(req);
	free(json);
	return ret;
}

const struct cmd_entry cmd_certinfo_entry = {
	"certinfo",
	"output certificate information as JSON",
	"        PROG certinfo -cert file\n"
	"        PROG certinfo -csr file\n"
	"\n"
	"Arguments:\n"
	"        file:       PEM file, use '-' for reading PEM from stdin",
	certinfo_opts,
	cmd_certinfo_exec,
	0,
	0
};
