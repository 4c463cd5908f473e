/*
 * cmd-cluster-issue.c: "etcd-pki cluster issue": a whole cluster's PKI
 * from its description (or synthetic members for CI fixtures), issuing
 * only what is missing or no longer matches.
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
#include "notes.h"
#include "out.h"

static const int cluster_issue_opts[] = {
	OPT_O, OPT_J, OPT_MEMBERS, OPT_KEY_ALGO, OPT_EXPIRY, OPT_NOT_BEFORE,
	OPT_CA_KEY_PASSWORD, OPT_NO_SYNC, OPT_ALLOW_INVALID_ISSUER, OPT_STRICT,
	OPT_QUIET, OPT_FORMAT, OPT_LOGLEVEL, OPT_OWNER, OPT_MODE, OPT_END
};

struct tally {
	size_t			 n[4];
	json_t			*doc;		/* -format json */
	int			 r;		/* adding to doc */
	struct pki_error	 err;
	struct pki_progress	 pg;
};

static void
issue_event(void *arg, const struct pki_issue_event *ev)
{
	struct tally	*t = arg;
	char		 line[16384];

	if (ev->what < 0 || ev->what > PKI_ISSUE_RECORDED)
		return;
	if (ev->what < 4)
		t->n[ev->what]++;
	if (t->doc != NULL) {
		if (t->r == PKI_OK)
			t->r = pki_doc_issue_event(t->doc, ev, &t->err);
		return;
	}
	progress_clear(&t->pg);		/* the line is the screen's */
	pki_issue_event_text(ev, line, sizeof(line));
	printf("%s\n", line);
}

static void
issue_progress(void *arg, size_t done, size_t total)
{
	progress_update(&((struct tally *)arg)->pg, done, total);
}

static int
cmd_cluster_issue_exec(struct opts *o)
{
	struct pki_cluster_init	 in;
	struct pki_issue_opts	 io;
	struct pki_parse_opts	 po;
	struct pki_error	 err;
	struct pki_cluster	*cl = NULL;
	struct tally		 t;
	const char		*dir, *s;
	char			*cakey = NULL, *pw = NULL;
	size_t			 pwlen = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&io, 0, sizeof(io));
	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	if ((dir = opts_str(o, OPT_O)) == NULL) {
		log_err("-o DIR is required (the output directory)");
		return CMD_RETURN_USAGE;
	}
	if ((r = pki_cluster_issue_args(o->set[OPT_MEMBERS],
	    o->set[OPT_KEY_ALGO], o->nargs, &err)) != 0) {
		log_pki(&err, r);
		return CMD_RETURN_USAGE;
	}
	if (opts_enum(o, OPT_FORMAT, OPT_OUT_TEXT) == OPT_OUT_JSON &&
	    (r = pki_doc_issue_new(dir, &t.doc, &err)) != 0) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	progress_start(&t.pg, "cluster issue: leaves", o->b[OPT_QUIET]);
	if (o->set[OPT_MEMBERS]) {
		memset(&in, 0, sizeof(in));
		in.members = o->i[OPT_MEMBERS];
		in.key_algo = opts_str(o, OPT_KEY_ALGO);
		if ((r = pki_cluster_init(&in, NULL, &cl, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
	} else if (load_cluster(o, o->args[0], &cl) != CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_owner_flags(&io.owner, opts_str(o, OPT_OWNER),
	    opts_str(o, OPT_MODE), &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	/* The values were checked when the flags were parsed. */
	io.jobs = (int)opts_int(o, OPT_J, 0);
	io.no_sync = o->b[OPT_NO_SYNC];
	io.now = time(NULL);
	io.expiry = opts_ns(o, OPT_EXPIRY, 0);
	io.has_not_before = opts_time(o, OPT_NOT_BEFORE, io.now,
	    &io.not_before);
	io.event = issue_event;
	io.event_arg = &t;
	io.progress = issue_progress;
	load_parse_opts(o, &po);
	io.policy = &po;
	if (load_password(o, &pw, &pwlen) != CMD_RETURN_NORMAL)
		goto out;
	io.ca_key_password = pw;
	io.ca_key_passwordlen = pwlen;
	if ((s = pki_cluster_ca_key_file(cl)) != NULL)
		warn_key_mode(s);
	else if (asprintf(&cakey, "%s/ca-key.pem", dir) != -1)
		warn_key_mode(cakey);
	else
		cakey = NULL;
	r = pki_cluster_issue(cl, dir, &io, &err);
	progress_clear(&t.pg);
	if (r != 0) {
		log_pki(&err, r);
		if (t.doc != NULL && pki_doc_fail(t.doc, err.text, &err) == 0) {
			(void)out_json(t.doc);
			t.doc = NULL;
		}
		goto out;
	}
	if (t.doc != NULL) {
		r = out_json_doc(t.r, t.doc, &t.err);
		t.doc = NULL;
		if (r != 0)
			goto out;
	}
	fprintf(stderr, "%s: cluster issue: %s: %zu new, %zu reissued, "
	    "%zu updated, %zu kept\n", o->prog, dir, t.n[PKI_ISSUE_NEW],
	    t.n[PKI_ISSUE_REISSUED], t.n[PKI_ISSUE_UPDATED],
	    t.n[PKI_ISSUE_KEPT]);
	ret = CMD_RETURN_NORMAL;
 out:
	json_decref(t.doc);
	pki_secret_free(pw, pwlen);
	free(cakey);
	pki_cluster_free(cl);
	return ret;
}

const struct cmd_entry cmd_cluster_issue_entry = {
	"cluster issue",
	"issue a cluster's CA, member and client certificates",
	"        PROG cluster issue [flags] DESC -o DIR\n"
	"        PROG cluster issue -members N [-key-algo ALGO-SIZE] [flags] "
	"-o DIR\n"
	"\n"
	"Creates the CA in DIR if absent (an existing CA key is never\n"
	"replaced), then DIR/MEMBER/ and DIR/clients/NAME/ for every member\n"
	"and client of the description; re-running issues only what is\n"
	"missing or no longer matches.  See etcd-pki-cluster(5).",
	cluster_issue_opts,
	cmd_cluster_issue_exec,
	1,
	0
};
