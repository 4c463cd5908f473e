/*
 * cmd-bundle.c: cfssl bundle -- a certificate with the chain that links it
 * to a trusted root, as cfssl's JSON object, offline.
 */
#include <stdio.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"

static const int bundle_opts[] = {
	OPT_CERT, OPT_KEY, OPT_CA_BUNDLE, OPT_INT_BUNDLE, OPT_FLAVOR,
	OPT_PASSWORD, OPT_DOMAIN, OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

static int
cmd_bundle_exec(struct opts *o)
{
	struct pki_bundle_files	 f;
	struct pki_bundle	*b = NULL;
	struct pki_error	 err;
	const char		*json;
	size_t			 len;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&f, 0, sizeof(f));
	memset(&err, 0, sizeof(err));
	if (o->nargs > 0) {
		log_err("argument is provided but not defined; please refer to "
		    "the usage by flag -h");
		return CMD_RETURN_USAGE;
	}
	if (opts_str(o, OPT_DOMAIN) != NULL) {
		log_err("-domain: bundling what a server presents is not "
		    "supported; save its chain and use -cert");
		return CMD_RETURN_ERROR;
	}
	if ((f.cert = opts_str(o, OPT_CERT)) == NULL) {
		log_err("need a certificate to bundle (provide one with -cert)");
		return CMD_RETURN_USAGE;
	}
	if ((f.key = opts_str(o, OPT_KEY)) != NULL)
		warn_key_mode(f.key);
	f.roots = opts_str(o, OPT_CA_BUNDLE);
	f.ints = opts_str(o, OPT_INT_BUNDLE);
	f.flavor = opts_str(o, OPT_FLAVOR);
	f.password = o->set[OPT_PASSWORD] ? o->str[OPT_PASSWORD] : NULL;
	if ((r = pki_bundle_open(&f, &b, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	log_msg(LOG_INFO, "bundling certificate for %s", pki_bundle_subject(b));
	if (pki_bundle_flavor(f.flavor) == PKI_BUNDLE_UBIQUITOUS)
		log_msg(LOG_WARNING, "No metadata, Ubiquitous falls back to "
		    "Optimal.");
	if ((r = pki_bundle_build(b, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (pki_bundle_root(b) != NULL)
		log_msg(LOG_INFO, "the anchoring root is %s", pki_bundle_root(b));
	/* cfssl prints the object without a newline. */
	json = pki_bundle_json(b, &len);
	if (fwrite(json, 1, len, stdout) != len)
		goto out;
	ret = CMD_RETURN_NORMAL;
 out:
	pki_bundle_free(b);
	return ret;
}

const struct cmd_entry cmd_bundle_entry = {
	"bundle",
	"create a certificate bundle that contains the client cert",
	"    Bundle local certificate files:\n"
	"        PROG bundle -cert file [-ca-bundle file] [-int-bundle file] [-key keyfile] [-flavor optimal|ubiquitous|force] [-password password]\n"
	"\n"
	"    Without -ca-bundle, the system's root certificates are used.  Nothing is\n"
	"    fetched over the network (no -domain, no AIA issuer download).",
	bundle_opts,
	cmd_bundle_exec,
	0,
	0
};
