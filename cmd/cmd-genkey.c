/*
 * cmd-genkey.c: cfssl genkey -- a new key and CSR, or a new CA (-initca).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "out.h"

static const int genkey_opts[] = {
	OPT_INITCA, OPT_CONFIG, OPT_KEY_FORMAT, OPT_O, OPT_STRICT,
	OPT_LOGLEVEL, OPT_END
};

static int
cmd_genkey_exec(struct opts *o)
{
	struct pki_csr		*csr = NULL;
	struct pki_config	*cfg = NULL;
	struct pki_key		*key = NULL;
	struct pki_req		*req = NULL;
	struct out_items	 it;
	char			*keypem = NULL, *csrpem = NULL;
	size_t			 keylen = 0, csrlen = 0;
	int			 ret = CMD_RETURN_ERROR;

	memset(&it, 0, sizeof(it));
	if (o->nargs != 1) {
		log_err(o->nargs == 0 ? "missing CSR JSON argument (use '-' "
		    "for stdin)" : "only one argument is accepted (flags go "
		    "before the CSR JSON file)");
		return CMD_RETURN_USAGE;
	}
	/* cfssl reads -config but does not use it; we at least check it. */
	if (opts_str(o, OPT_CONFIG) != NULL &&
	    load_config(o, &cfg, NULL) != CMD_RETURN_NORMAL)
		goto out;
	if (load_csr_json(o, o->args[0], 0, &csr) != CMD_RETURN_NORMAL)
		goto out;
	if (o->b[OPT_INITCA]) {
		ret = cmd_initca(o, csr, 0);
		goto out;
	}
	if (pki_csr_has_ca(csr)) {
		log_err("%s: ca: the \"ca\" section is only permitted with "
		    "-initca", o->args[0]);
		goto out;
	}
	if (cmd_genkey_req(o, csr, &key, &req, &keypem, &keylen, &csrpem,
	    &csrlen) != CMD_RETURN_NORMAL)
		goto out;
	it.csr = csrpem;
	it.csr_len = csrlen;
	it.key = keypem;
	it.key_len = keylen;
	ret = out_result(o, &it);
 out:
	pki_csr_free(csr);
	pki_config_free(cfg);
	pki_key_free(key);
	pki_req_free(req);
	pki_secret_free(keypem, keylen);
	free(csrpem);
	return ret;
}

const struct cmd_entry cmd_genkey_entry = {
	"genkey",
	"generate a new private key and CSR",
	"    Generate a new key and CSR:\n"
	"        PROG genkey CSRJSON\n"
	"\n"
	"    Generate a new CA key and certificate:\n"
	"        PROG genkey -initca CSRJSON\n"
	"\n"
	"Arguments:\n"
	"        CSRJSON:    JSON file containing the request, use '-' for reading JSON from stdin",
	genkey_opts,
	cmd_genkey_exec,
	0,
	0
};
