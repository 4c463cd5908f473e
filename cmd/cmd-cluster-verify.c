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

/* 30 days: what a monthly check must not find expiring. */
#define DEFAULT_HORIZON	(720LL * 3600 * 1000000000)

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
	int64_t			 horizon;
	size_t			 n = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	if (o->nargs != 2) {
		log_err("expected a cluster description and a directory, got "
		    "%d arguments", o->nargs);
		return CMD_RETURN_USAGE;
	}
	horizon = opts_ns(o, OPT_HORIZON, DEFAULT_HORIZON);
	if (load_cluster(o, o->args[0], &cl) != CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_cluster_verify(cl, o->args[1], horizon, time(NULL),
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
	"        PROG cluster verify [-horizon DURATION] DESC DIR\n"
	"\n"
	"Prints one line per problem (DIR/path: problem) and exits 1 when\n"
	"there is any: chain, subject, SANs, usages, key type, key and\n"
	"request matching the certificate, file modes, expiry within the\n"
	"horizon (default 720h), and the other files' contents.",
	cluster_verify_opts,
	cmd_cluster_verify_exec,
	1,
	0
};
