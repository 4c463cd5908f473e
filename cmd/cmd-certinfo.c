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
	OPT_CERT, OPT_CSR, OPT_DOMAIN, OPT_STRICT, OPT_FORMAT_CERTINFO,
	OPT_LOGLEVEL, OPT_END
};

/*
 * The certificate a TLS server presents at domain, "host[:port]" as Go's
 * net.SplitHostPort reads it (no port: 443), without verifying it (cfssl:
 * InsecureSkipVerify), within 10 seconds.
 */
static int
domain_cert(const char *domain, struct pki_cert **out)
{
	struct pki_error	 err;
	const char		*colon, *host = domain, *port = "443";
	char			*h = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	if (domain[0] == '[' && (colon = strstr(domain, "]:")) != NULL) {
		h = strndup(domain + 1, (size_t)(colon - domain - 1));
		port = colon + 2;
	} else if ((colon = strchr(domain, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		h = strndup(domain, (size_t)(colon - domain));
		port = colon + 1;
	} else if (domain[0] == '[' && domain[strlen(domain) - 1] == ']')
		h = strndup(domain + 1, strlen(domain) - 2);
	if (h != NULL)
		host = h;
	if ((r = pki_tls_peer_cert(host, port, NULL, 10000, out, &err)) != 0)
		log_pki(&err, r);
	free(h);
	return r != 0 ? CMD_RETURN_ERROR : CMD_RETURN_NORMAL;
}

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
	if ((path = opts_str(o, OPT_CERT)) != NULL ||
	    (path = opts_str(o, OPT_DOMAIN)) != NULL) {
		if (opts_str(o, OPT_CERT) != NULL ? load_cert_file(path,
		    &cert) != CMD_RETURN_NORMAL : domain_cert(path, &cert) !=
		    CMD_RETURN_NORMAL)
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
		log_err("Must specify certinfo target through -cert, -csr, or "
		    "-domain");
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
	"        PROG certinfo -domain host[:port]\n"
	"\n"
	"Arguments:\n"
	"        file:       PEM file, use '-' for reading PEM from stdin",
	certinfo_opts,
	cmd_certinfo_exec,
	0,
	0
};
