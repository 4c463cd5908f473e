/*
 * cmd-needs-renewal.c: "etcd-pki needs-renewal", step certificate
 * needs-renewal's contract for systemd ExecCondition and scripts: exit 0
 * when a certificate needs renewal (or has expired), 1 when not yet, 2
 * when the file is missing, 255 on any other error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "input.h"
#include "log.h"
#include "out.h"

static const int needs_renewal_opts[] = {
	OPT_EXPIRES_IN, OPT_RENEW_BEFORE, OPT_STAGGER, OPT_VERBOSE, OPT_FORMAT,
	OPT_LOGLEVEL, OPT_END
};

#define NR_DUE		PKI_DUE_STATE_DUE
#define NR_NOT_DUE	PKI_DUE_STATE_NOT_DUE
#define NR_MISSING	PKI_DUE_STATE_MISSING
#define NR_ERROR	PKI_DUE_STATE_ERROR

#define TLS_TIMEOUT_MS	10000
#define WHY_LEN		160	/* the text of a verdict */

struct nr_args {
	struct pki_due_rule	 rule;
	int			 verbose;
	time_t			 now;
	json_t			*doc;		/* -format json */
};

/* Checks one target; returns NR_*, and with NR_DUE or NR_NOT_DUE *due
 * and why (WHY_LEN bytes). */
static int
check_target(const struct nr_args *a, const char *target,
    struct pki_due *due, char *why)
{
	struct pki_error	 err;
	struct pki_cert		*cert = NULL;
	struct pki_url		 u;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	if (strncmp(target, "https://", 8) == 0) {
		if (pki_url_parse(target, PKI_URL_LAX, &u, &err) != 0) {
			log_err("%s: expected https://HOST:PORT (%s)", target,
			    err.text);
			return NR_ERROR;
		}
		if ((r = pki_tls_peer_cert(u.host, u.port, NULL,
		    TLS_TIMEOUT_MS, &cert, &err)) == 0)
			r = pki_due_cert(&a->rule, cert, target, u.host,
			    a->now, due, why, WHY_LEN, &err);
		pki_cert_free(cert);
	} else {
		if (input_read(target, 0, &buf, &len, NULL) !=
		    CMD_RETURN_NORMAL)
			return errno == ENOENT ? NR_MISSING : NR_ERROR;
		r = pki_due_file(&a->rule, buf, len, target, a->now, due,
		    why, WHY_LEN, &err);
		free(buf);
		buf = NULL;
		/* Renew would refuse the set: said, the answer stands. */
		if (r == 0 && (r = pki_cert_gen_refused(target, &buf,
		    &err)) == 0 && buf != NULL)
			log_msg(LOG_WARNING, "%s", buf);
		free(buf);
	}
	if (r != 0) {
		log_pki(&err, r);
		return NR_ERROR;
	}
	if (a->verbose && a->doc == NULL)
		printf("%s: %s: %s\n", target, due->due ? "due" : "not due",
		    why);
	return due->due ? NR_DUE : NR_NOT_DUE;
}

static int
cmd_needs_renewal_exec(struct opts *o)
{
	struct nr_args		a;
	struct pki_due		due;
	struct pki_error	err;
	double			pct;
	int64_t			ns;
	char			why[WHY_LEN];
	int			i, r, is_pct, any_err = 0, any_missing = 0;
	int			any_due = 0, dr = PKI_OK;

	memset(&a, 0, sizeof(a));
	a.now = time(NULL);
	a.verbose = o->b[OPT_VERBOSE];
	a.rule.kind = PKI_DUE_USED;
	a.rule.percent = 66;
	opts_renew_policy(o, &a.rule.policy);
	if (opts_share(o, OPT_EXPIRES_IN, &is_pct, &pct, &ns)) {
		if (opts_str(o, OPT_RENEW_BEFORE) != NULL ||
		    opts_str(o, OPT_STAGGER) != NULL) {
			log_err("-expires-in cannot be combined with "
			    "-renew-before or -stagger");
			return NR_ERROR;
		}
		if (is_pct)
			a.rule.percent = (long)pct;
		else {
			a.rule.kind = PKI_DUE_LEFT;
			a.rule.left = ns / 1000000000;
		}
	}
	if (opts_str(o, OPT_RENEW_BEFORE) != NULL ||
	    opts_str(o, OPT_STAGGER) != NULL)
		a.rule.kind = PKI_DUE_RENEW;
	if (o->nargs < 1) {
		log_err("no certificate or https://HOST:PORT given");
		return NR_ERROR;
	}
	/* A server closing on us must be an error, not SIGPIPE. */
	(void)signal(SIGPIPE, SIG_IGN);
	memset(&err, 0, sizeof(err));
	if (opts_enum(o, OPT_FORMAT, OPT_OUT_TEXT) == OPT_OUT_JSON &&
	    (dr = pki_doc_due_new(&a.doc, &err)) != 0) {
		log_pki(&err, dr);
		return NR_ERROR;
	}
	for (i = 0; i < o->nargs; i++) {
		why[0] = '\0';
		r = check_target(&a, o->args[i], &due, why);
		if (a.doc != NULL && dr == PKI_OK)
			dr = pki_doc_due_add(a.doc, o->args[i], r, r == NR_DUE ||
			    r == NR_NOT_DUE ? &due : NULL, why, &err);
		if (r == NR_ERROR)
			any_err = 1;
		else if (r == NR_MISSING)
			any_missing = 1;
		else if (r == NR_DUE)
			any_due = 1;
	}
	r = any_err ? NR_ERROR : any_missing ? NR_MISSING : any_due ? NR_DUE :
	    NR_NOT_DUE;
	if (a.doc == NULL)
		return r;
	if (dr == PKI_OK)
		dr = pki_doc_due_finish(a.doc, r, &err);
	return out_json_doc(dr, a.doc, &err) == 0 ? r : NR_ERROR;
}

const struct cmd_entry cmd_needs_renewal_entry = {
	"needs-renewal",
	"exit 0 when a certificate is due for renewal (systemd ExecCondition)",
	"        PROG needs-renewal [-expires-in N%|DURATION] [-verbose]\n"
	"            CERT|https://HOST:PORT...\n"
	"        PROG needs-renewal -renew-before P|DURATION [-stagger P]\n"
	"            [-verbose] CERT|https://HOST:PORT...\n"
	"\n"
	"Exits 0 when a certificate needs renewal or has expired, 1 when not\n"
	"yet, 2 when a file is missing, 255 on any other error.  By default\n"
	"a certificate is due once 66% of its lifetime is used (-expires-in\n"
	"N% is the share USED, as step's; -renew-before N% is the share LEFT,\n"
	"as renew's, whose arithmetic it then applies).  A CRL file (a\n"
	"cluster's crl.der) is judged the same way over thisUpdate to\n"
	"nextUpdate.",
	needs_renewal_opts,
	cmd_needs_renewal_exec,
	1,
	255
};
