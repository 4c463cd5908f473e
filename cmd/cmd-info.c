/*
 * cmd-info.c: "info", what a remote CA server signs with: its
 * certificate and the profile's usages and expiry (cfssl info).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"

static const int info_opts[] = {
	OPT_REMOTE, OPT_CONFIG, OPT_PROFILE, OPT_LABEL, OPT_TLS_REMOTE_CA,
	OPT_MUTUAL_TLS_CLIENT_CERT, OPT_MUTUAL_TLS_CLIENT_KEY,
	OPT_REMOTE_TIMEOUT, OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

static int
cmd_info_exec(struct opts *o)
{
	struct pki_error	  err;
	struct pki_config	 *cfg = NULL;
	const struct pki_profile *prof = NULL;
	struct pki_remote	  remote;
	char			 *result = NULL;
	int			  r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	if (o->nargs != 0) {
		log_err("info takes no arguments");
		return CMD_RETURN_USAGE;
	}
	if ((r = load_remote(o, &cfg, &prof, &remote)) < 0)
		goto out;
	if (r == 0) {
		log_err("info asks a remote CA server: give -remote, or a "
		    "-config whose profile has remote or auth_remote");
		ret = CMD_RETURN_USAGE;
		goto out;
	}
	if ((r = pki_remote_info(&remote, opts_str(o, OPT_LABEL) != NULL ?
	    opts_str(o, OPT_LABEL) : "", opts_str(o, OPT_PROFILE) != NULL ?
	    opts_str(o, OPT_PROFILE) : "", &result, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	/* cfssl prints the result object as compact JSON. */
	printf("%s\n", result);
	ret = CMD_RETURN_NORMAL;
 out:
	free(result);
	pki_config_free(cfg);
	return ret;
}

const struct cmd_entry cmd_info_entry = {
	"info",
	"get information about a remote signer",
	"        PROG info -remote remote_host [-label label] [-profile profile]\n"
	"        PROG info -config request-config [-profile profile] [-label label]\n"
	"\n"
	"Prints the CA certificate, usages and expiry the remote CA server\n"
	"(cfssl serve or multirootca) signs the profile with, as JSON.",
	info_opts,
	cmd_info_exec,
	0,
	0
};
