/*
 * cmd-cluster-verify.c: "etcd-pki cluster verify": every file of an
 * issued cluster checked against its description and CA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "out.h"

static const int cluster_verify_opts[] = {
	OPT_HORIZON, OPT_FORMAT, OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

struct verify {
	const char		*dir;
	json_t			*doc;		/* -format json */
	int			 r;
	struct pki_error	 err;
};

static void
verify_problem(void *arg, const char *text)
{
	struct verify	*v = arg;

	if (v->doc == NULL)
		printf("%s/%s\n", v->dir, text);
	else if (v->r == PKI_OK)
		v->r = pki_doc_verify_problem(v->doc, text, &v->err);
}

static int
cmd_cluster_verify_exec(struct opts *o)
{
	struct pki_error	 err;
	struct pki_cluster	*cl = NULL;
	struct pki_due_rule	 rule;
	struct pki_share	 sh;
	struct verify		 v;
	size_t			 n = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&v, 0, sizeof(v));
	if (o->nargs != 2) {
		log_err("expected a cluster description and a directory, got "
		    "%d arguments", o->nargs);
		return CMD_RETURN_USAGE;
	}
	v.dir = o->args[1];
	if (opts_enum(o, OPT_FORMAT, OPT_OUT_TEXT) == OPT_OUT_JSON &&
	    (r = pki_doc_verify_new(v.dir, &v.doc, &err)) != 0) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	if (opts_share(o, OPT_HORIZON, &sh.is_pct, &sh.pct, &sh.ns))
		pki_due_rule_left(&rule, &sh);
	if (load_cluster(o, o->args[0], &cl) != CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_cluster_verify(cl, o->args[1], o->set[OPT_HORIZON] ?
	    &rule : NULL, time(NULL),
	    verify_problem, &v, &n, &err)) != 0) {
		log_pki(&err, r);
		if (v.doc != NULL && pki_doc_fail(v.doc, err.text, &err) == 0) {
			(void)out_json(v.doc);
			v.doc = NULL;
		}
		goto out;
	}
	if (v.doc != NULL) {
		r = out_json_doc(v.r, v.doc, &v.err);
		v.doc = NULL;
		if (r != 0)
			goto out;
	}
	if (n > 0) {
		log_err("%s: %zu problem%s", o->args[1], n, n == 1 ? "" : "s");
		goto out;
	}
	fprintf(stderr, "%s: cluster verify: %s: no problems\n", o->prog,
	    o->args[1]);
	ret = CMD_RETURN_NORMAL;
 out:
	json_decref(v.doc);
	pki_cluster_free(cl);
	return ret;
}

const struct cmd_entry cmd_cluster_verify_entry = {
	"cluster verify",
	"check an issued cluster against its description",
	"        PROG cluster verify [-horizon PCT%|DURATION] DESC DIR\n"
	"\n"
	"Prints one line per problem (DIR/path: problem) and exits 1 when\n"
	"there is any: chain, subject, SANs, usages, key type, key and\n"
	"request matching the certificate, file modes, a certificate past\n"
	"its renewal point (or -horizon: less than this share of its\n"
	"lifetime, or this time, left), and the other files' contents.",
	cluster_verify_opts,
	cmd_cluster_verify_exec,
	1,
	0
};
