/*
 * cmd-gencrl.c: "etcd-pki gencrl SERIALS CA-CERT CA-KEY [TIME]", cfssl's
 * gencrl: a CRL of CA-CERT revoking the decimal serials listed in
 * SERIALS, valid for TIME seconds (default a week), printed as one line
 * of base64 DER (pki_crl_gencrl).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "input.h"
#include "load.h"
#include "log.h"
#include "out.h"

static const int gencrl_opts[] = {
	OPT_CA_KEY_PASSWORD, OPT_STRICT, OPT_FORMAT, OPT_LOGLEVEL, OPT_END
};

/*
 * A warning of the strictness policy about TIME: one [WARNING] line, or
 * with -strict an error.  Returns 0, or -1 after the error.
 */
static int
time_warning(const struct pki_parse_opts *po, const char *text)
{
	if (po->strict) {
		log_err("%s", text);
		return -1;
	}
	po->warn(po->warn_arg, text);
	return 0;
}

static int
cmd_gencrl_exec(struct opts *o)
{
	struct pki_parse_opts	 po;
	struct pki_gencrl	 g;
	struct pki_error	 err;
	struct pki_cert		*ca = NULL;
	struct pki_key		*cakey = NULL;
	json_t			*doc = NULL;
	char			*serials = NULL, *out = NULL, text[512];
	size_t			 len = 0, outlen = 0;
	int			 fromfile = 0, r;
	int			 ret = CMD_RETURN_ERROR;

	memset(&g, 0, sizeof(g));
	memset(&err, 0, sizeof(err));
	if ((r = pki_gencrl_args(o->nargs, o->args, &err)) != 0) {
		log_pki(&err, r);
		return r == PKI_ERR_ARG ? CMD_RETURN_USAGE : CMD_RETURN_ERROR;
	}
	if (o->nargs == 4 && (r = pki_crl_expiry_arg(o->args[3], &g.expiry,
	    &fromfile, &err)) != PKI_OK) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	load_parse_opts(o, &po);
	snprintf(text, sizeof(text), "TIME: read from the file %s, as cfssl "
	    "1.2.0 does; give the number of seconds itself", o->nargs == 4 ?
	    o->args[3] : "");
	if (fromfile && time_warning(&po, text) != 0)
		return CMD_RETURN_ERROR;
	if (input_read(o->args[0], 0, &serials, &len, NULL) !=
	    CMD_RETURN_NORMAL || load_cert_file(o->args[1], &ca) !=
	    CMD_RETURN_NORMAL || load_ca_key_spec(o, o->args[2], &cakey) !=
	    CMD_RETURN_NORMAL)
		goto out;
	snprintf(text, sizeof(text), "TIME %lld: the CRL's next update is in "
	    "the past", (long long)g.expiry);
	if (g.expiry < 0 && time_warning(&po, text) != 0)
		goto out;
	g.serials = serials;
	g.len = len;
	g.source = input_name(o->args[0]);
	g.opts = &po;
	g.ca = ca;
	g.cakey = cakey;
	g.fmt = PKI_CRL_BASE64;
	if ((r = pki_crl_gencrl(&g, &out, &outlen, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (opts_enum(o, OPT_FORMAT, OPT_OUT_TEXT) == OPT_OUT_JSON) {
		r = pki_doc_gencrl(out, &doc, &err);
		if (out_json_doc(r, doc, &err) != 0)
			goto out;
	} else
		printf("%s\n", out);
	ret = CMD_RETURN_NORMAL;
 out:
	free(out);
	free(serials);
	pki_cert_free(ca);
	pki_key_free(cakey);
	return ret;
}

const struct cmd_entry cmd_gencrl_entry = {
	"gencrl",
	"generate a CRL revoking a list of serial numbers",
	"        PROG gencrl SERIALS CA-CERT CA-KEY [TIME]\n"
	"\n"
	"SERIALS lists one decimal serial number per line; the CRL of\n"
	"CA-CERT, signed with CA-KEY and valid for TIME seconds (default a\n"
	"week), is printed as one line of base64 DER, as cfssl gencrl prints\n"
	"it.  Any of the files may be - (standard input).",
	gencrl_opts,
	cmd_gencrl_exec,
	1,
	0
};
