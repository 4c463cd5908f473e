/*
 * cmd-cluster-verify.c: "etcd-pki cluster verify": every file of an
 * issued cluster checked against its description and CA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"

static const int cluster_verify_opts[] = {
	OPT_HORIZON, OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

static void
verify_problem(void *arg, const char *text)
{
	const char	*dir = arg;

	printf("%s/%s\n", dir, text);
}

static int
cmd_cluster_verify_exec(struct opts *o)
{
	struct pki_error	 err;
	struct pki_cluster	*cl = NULL;
	struct pki_due_rule	 rule;
	struct pki_share	 sh;
	size_t			 n = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	if (o->nargs != 2) {
		log_err("expected a cluster description and a directory, got "
		    "%d arguments", o->nargs);
		return CMD_RETURN_USAGE;
	}
	if (opts_share(o, OPT_HORIZON, &sh.is_pct, &sh.pct, &sh.ns))
		pki_due_rule_left(&rule, &sh);
	if (load_cluster(o, o->args[0], &cl) != CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_cluster_verify(cl, o->args[1], o->set[OPT_HORIZON] ?
	    &rule : NULL, time(NULL),
	    verify_problem, o->args[1], &n, &err)) != 0) {
		log_pki(&err, r);
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
