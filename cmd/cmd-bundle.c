/*
 * cmd-bundle.c: cfssl bundle -- a certificate with the chain that links it
 * to a trusted root, as cfssl's JSON object, offline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"

static const int bundle_opts[] = {
	OPT_CERT, OPT_KEY, OPT_CA_BUNDLE, OPT_INT_BUNDLE, OPT_FLAVOR,
	OPT_PASSWORD, OPT_DOMAIN, OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

/* The flavor named by -flavor (cfssl: unknown names bundle as ubiquitous). */
static int
flavor(const char *s)
{
	if (s == NULL || strcmp(s, "ubiquitous") == 0)
		return PKI_BUNDLE_UBIQUITOUS;
	if (strcmp(s, "optimal") == 0)
		return PKI_BUNDLE_OPTIMAL;
	if (strcmp(s, "force") == 0)
		return PKI_BUNDLE_FORCE;
	return PKI_BUNDLE_OTHER;
}

/* Reads path (or spec) into *buf; reports errors. */
static int
slurp(const char *spec, int allow_prefix, char **buf, size_t *len)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_input_read(spec, allow_prefix, PKI_MAX_INPUT, buf, len,
	    &err)) != 0) {
		log_pki(&err, r);
		return -1;
	}
	return 0;
}

static int
cmd_bundle_exec(struct opts *o)
{
	struct pki_bundle_input	 in;
	struct pki_bundle	*b = NULL;
	struct pki_error	 err;
	const char		*fl, *json;
	char			*cert = NULL, *key = NULL, *roots = NULL;
	char			*ints = NULL;
	size_t			 certlen = 0, keylen = 0, rootslen = 0;
	size_t			 intslen = 0, len;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&in, 0, sizeof(in));
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
	if ((in.certs_source = opts_str(o, OPT_CERT)) == NULL) {
		log_err("need a certificate to bundle (provide one with -cert)");
		return CMD_RETURN_USAGE;
	}
	fl = opts_str(o, OPT_FLAVOR);
	in.flavor = flavor(fl);
	in.password = o->set[OPT_PASSWORD] ? o->str[OPT_PASSWORD] : "0";
	if (slurp(in.certs_source, 0, &cert, &certlen) != 0)
		goto out;
	in.certs = cert;
	in.certs_len = certlen;
	if (strcmp(in.certs_source, "-") == 0)
		in.certs_source = "<stdin>";
	if ((in.key_source = opts_str(o, OPT_KEY)) != NULL) {
		warn_key_mode(in.key_source);
		if (slurp(in.key_source, 0, &key, &keylen) != 0)
			goto out;
		in.key = key;
		in.key_len = keylen;
	}
	/* Without -ca-bundle, the system's roots, as cfssl (Go) uses them. */
	if ((in.roots_source = opts_str(o, OPT_CA_BUNDLE)) == NULL) {
		const char	*env = getenv(X509_get_default_cert_file_env());

		in.roots_source = env != NULL && *env != '\0' ? env :
		    X509_get_default_cert_file();
	}
	if (slurp(in.roots_source, 0, &roots, &rootslen) != 0)
		goto out;
	in.roots = roots;
	in.roots_len = rootslen;
	if ((in.ints_source = opts_str(o, OPT_INT_BUNDLE)) != NULL) {
		if (slurp(in.ints_source, 0, &ints, &intslen) != 0)
			goto out;
		in.ints = ints;
		in.ints_len = intslen;
	}
	if ((r = pki_bundle_new(&in, &b, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	log_msg(LOG_INFO, "bundling certificate for %s", pki_bundle_subject(b));
	if (in.flavor == PKI_BUNDLE_UBIQUITOUS)
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
	free(cert);
	pki_secret_free(key, keylen);
	free(roots);
	free(ints);
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
