/*
 * cmd-gencrl.c: "etcd-pki gencrl SERIALS CA-CERT CA-KEY [TIME]", cfssl's
 * gencrl: a CRL of CA-CERT revoking the decimal serials listed in
 * SERIALS, valid for TIME seconds (default a week), printed as one line
 * of base64 DER (pki_crl_gencrl).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "input.h"
#include "load.h"
#include "log.h"

static const int gencrl_opts[] = {
	OPT_CA_KEY_PASSWORD, OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

/*
 * TIME: seconds, or, as cfssl 1.2.0 read it, the name of a file holding
 * them (with a warning).  0, or -1 after an error line.
 */
static int
expiry_arg(const char *arg, int64_t *sec)
{
	struct pki_error	 err, ferr;
	struct stat		 st;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	memset(&ferr, 0, sizeof(ferr));
	if (pki_crl_expiry_parse(arg, sec, &err) == PKI_OK)
		return 0;
	if (stat(arg, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_err("TIME %s", err.text);
		return -1;
	}
	if (input_read(arg, 0, &buf, &len, NULL) != CMD_RETURN_NORMAL)
		return -1;
	r = pki_crl_expiry_parse(buf, sec, &ferr);
	free(buf);
	if (r != PKI_OK) {
		log_err("TIME: %s: %s", arg, ferr.text);
		return -1;
	}
	log_err("warning: TIME: read from the file %s, as cfssl 1.2.0 does; "
	    "give the number of seconds itself", arg);
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
	char			*serials = NULL, *out = NULL;
	size_t			 len = 0, outlen = 0;
	int			 i, nstdin = 0, r, ret = CMD_RETURN_ERROR;

	memset(&g, 0, sizeof(g));
	memset(&err, 0, sizeof(err));
	if (o->nargs < 3) {
		log_err("not enough arguments are supplied --- please refer to "
		    "the usage");
		return CMD_RETURN_ERROR;
	}
	if (o->nargs > 4) {
		log_err("too many arguments: SERIALS CA-CERT CA-KEY [TIME]");
		return CMD_RETURN_USAGE;
	}
	for (i = 0; i < 3; i++)
		if (strcmp(o->args[i], "-") == 0)
			nstdin++;
	if (nstdin > 1) {
		log_err("only one of SERIALS, CA-CERT and CA-KEY can be - "
		    "(standard input)");
		return CMD_RETURN_ERROR;
	}
	if (o->nargs == 4 && expiry_arg(o->args[3], &g.expiry) != 0)
		return CMD_RETURN_ERROR;
	if (input_read(o->args[0], 0, &serials, &len, NULL) !=
	    CMD_RETURN_NORMAL || load_cert_file(o->args[1], &ca) !=
	    CMD_RETURN_NORMAL || load_ca_key_spec(o, o->args[2], &cakey) !=
	    CMD_RETURN_NORMAL)
		goto out;
	if (g.expiry < 0)
		log_err("warning: TIME %lld: the CRL's next update is in the "
		    "past", (long long)g.expiry);
	load_parse_opts(o, &po);
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
