/*
 * cmd-check.c: "etcd-pki check", a Nagios/Icinga plugin: one status line
 * with perfdata, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.  The
 * verdict is the library's (pki_status_check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "out.h"

static const int check_opts[] = {
	OPT_WARNING, OPT_CRITICAL, OPT_CLUSTER, OPT_MEMBER, OPT_FORMAT,
	OPT_LOGLEVEL, OPT_END
};

/* Prints the verdict (res, or UNKNOWN with text) as text or JSON. */
static int
verdict(const struct opts *o, const struct pki_check_result *res,
    const char *text)
{
	struct pki_error	 err;
	struct json_t		*doc = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	if (opts_enum(o, OPT_FORMAT, OPT_OUT_TEXT) == OPT_OUT_JSON) {
		r = pki_doc_check(res, text, &doc, &err);
		if (out_json_doc(r, doc, &err) != 0)
			return PKI_CHECK_UNKNOWN;
	} else
		printf("ETCD-PKI %s - %s%s%s\n", pki_check_state_name(res !=
		    NULL ? res->state : PKI_CHECK_UNKNOWN), res != NULL ?
		    res->text : text, res != NULL && res->perf != NULL ?
		    " | " : "", res != NULL && res->perf != NULL ? res->perf : "");
	return res != NULL ? res->state : PKI_CHECK_UNKNOWN;
}

/* -warning or -critical (a checked SHARE), when given, into *t. */
static void
threshold(const struct opts *o, enum opt_id id,
    struct pki_check_threshold *t)
{
	double	pct;
	int64_t	ns;

	if (!opts_share(o, id, &t->is_share, &pct, &ns))
		return;
	t->share = pct / 100;
	t->seconds = ns / 1000000000;
}

static int
cmd_check_exec(struct opts *o)
{
	struct pki_error		 err;
	struct pki_cluster		*cl = NULL;
	struct pki_status		 s;
	struct pki_check_threshold	 warn, crit;
	struct pki_check_result		 res;
	const char			*what = NULL;
	char				 text[512];
	int				 r, overall = PKI_CHECK_UNKNOWN;

	memset(&err, 0, sizeof(err));
	memset(&res, 0, sizeof(res));
	pki_check_thresholds_default(&warn, &crit);
	pki_status_init(&s, time(NULL), NULL, NULL);
	threshold(o, OPT_WARNING, &warn);
	threshold(o, OPT_CRITICAL, &crit);
	if (opts_str(o, OPT_CLUSTER) != NULL ? o->nargs != 1 :
	    o->nargs < 1 || opts_str(o, OPT_MEMBER) != NULL) {
		log_err("expected PATH... or -cluster DESC [-member NAME] DIR");
		return PKI_CHECK_UNKNOWN;
	}
	if ((opts_str(o, OPT_CLUSTER) != NULL && load_cluster(o,
	    opts_str(o, OPT_CLUSTER), &cl) != CMD_RETURN_NORMAL) ||
	    load_status(o, cl, o->nargs, &s, &what) != CMD_RETURN_NORMAL) {
		snprintf(text, sizeof(text), "cannot read %s", what != NULL ?
		    what : "the cluster");
		overall = verdict(o, NULL, text);
		goto out;
	}
	if ((r = pki_status_check(&s, &warn, &crit, &res, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	overall = verdict(o, &res, NULL);
 out:
	pki_check_result_clear(&res);
	pki_status_free(&s);
	pki_cluster_free(cl);
	return overall;
}

const struct cmd_entry cmd_check_entry = {
	"check",
	"Nagios/Icinga plugin: certificate expiry as OK/WARNING/CRITICAL",
	"        PROG check [-warning P|DURATION] [-critical P|DURATION] "
	"PATH...\n"
	"        PROG check [flags] -cluster DESC [-member NAME] DIR\n"
	"\n"
	"Prints one status line with perfdata and exits 0 OK, 1 WARNING,\n"
	"2 CRITICAL (also expired, missing, or a key that does not match),\n"
	"3 UNKNOWN (unreadable input, usage).  Thresholds are the share of\n"
	"the lifetime, or the time, left: -warning 20%, -critical 10%.  With\n"
	"-cluster the CRL counts too, its lifetime from thisUpdate to\n"
	"nextUpdate (CRITICAL also when it is not the CA's or lacks a\n"
	"revocation the inventory records).",
	check_opts,
	cmd_check_exec,
	1,
	3
};
