/*
 * cmd-check.c: "etcd-pki check", a Nagios/Icinga plugin: one status line
 * with perfdata, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"

static const int check_opts[] = {
	OPT_WARNING, OPT_CRITICAL, OPT_CLUSTER, OPT_MEMBER, OPT_LOGLEVEL,
	OPT_END
};

#define ST_OK		0
#define ST_WARNING	1
#define ST_CRITICAL	2
#define ST_UNKNOWN	3

static const char *const st_name[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN"
};

/* Severity order for the overall state: OK < WARNING < UNKNOWN < CRITICAL. */
static int
rank(int st)
{
	static const int	r[] = { 0, 1, 3, 2 };

	return r[st];
}

/* A threshold: a share of the lifetime left, or a time left (seconds). */
struct threshold {
	int	is_share;
	double	share;
	int64_t	seconds;
};

/* -warning or -critical (a checked SHARE), when given, into *t. */
static void
threshold(const struct opts *o, enum opt_id id, struct threshold *t)
{
	double	pct;
	int64_t	ns;

	if (!opts_share(o, id, &t->is_share, &pct, &ns))
		return;
	t->share = pct / 100;
	t->seconds = ns / 1000000000;
}

static int64_t
threshold_seconds(const struct threshold *t, int64_t lifetime)
{
	return t->is_share ? (int64_t)(t->share * (double)lifetime) :
	    t->seconds;
}

/* Appends ", "-separated text to a growing line. */
static void
add(char **line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(char **line, const char *fmt, ...)
{
	va_list	 ap;
	char	*t = NULL, *n = NULL;

	va_start(ap, fmt);
	if (vasprintf(&t, fmt, ap) == -1)
		t = NULL;
	va_end(ap);
	if (t == NULL)
		return;
	if (asprintf(&n, "%s%s%s", *line != NULL ? *line : "",
	    *line != NULL ? ", " : "", t) == -1)
		n = NULL;
	free(t);
	if (n != NULL) {
		free(*line);
		*line = n;
	}
}

/* Appends "'NAME_seconds_left'=Ns;W;C;0;LIFETIME" to *perf. */
static void
perf_add(char **perf, const char *name, int64_t left, int64_t w,
    int64_t c, int64_t life)
{
	char	*p = NULL;

	if (asprintf(&p, "%s%s'%s_seconds_left'=%llds;%lld;%lld;0;%lld",
	    *perf != NULL ? *perf : "", *perf != NULL ? " " : "", name,
	    (long long)left, (long long)w, (long long)c,
	    (long long)life) != -1) {
		free(*perf);
		*perf = p;
	}
}

/* A validity from nb to na against the thresholds, and its texts. */
struct span {
	int64_t	 life, w, c;	/* lifetime, warning and critical, seconds */
	char	 d[32];		/* na */
	char	 left[32];	/* secleft */
};

static void
span_of(struct span *sp, int64_t nb, int64_t na, int64_t secleft,
    const struct threshold *warn, const struct threshold *crit)
{
	sp->life = na - nb;
	sp->w = threshold_seconds(warn, sp->life);
	sp->c = threshold_seconds(crit, sp->life);
	pki_time_format(na, sp->d, sizeof(sp->d));
	pki_time_left(secleft, sp->left, sizeof(sp->left));
}

/*
 * The state of a readable row against the thresholds: its line goes to
 * lines[state] and its perfdata to *perf.
 */
static int
check_row(const struct pki_status_row *r, const struct threshold *warn,
    const struct threshold *crit, char *lines[4], char **perf)
{
	struct span	sp;
	int		st;

	span_of(&sp, r->f.not_before, r->f.not_after, r->seconds_left, warn,
	    crit);
	if (r->seconds_left <= 0) {
		add(&lines[ST_CRITICAL], "%s: expired %s", r->name, sp.d);
		st = ST_CRITICAL;
	} else if (!r->is_ca && r->key == PKI_ROWKEY_MISMATCH) {
		add(&lines[ST_CRITICAL], "%s: key does not match the "
		    "certificate", r->name);
		st = ST_CRITICAL;
	} else if (r->seconds_left < sp.c) {
		add(&lines[ST_CRITICAL], "%s expires in %s (%s)", r->name,
		    sp.left, sp.d);
		st = ST_CRITICAL;
	} else if (r->seconds_left < sp.w) {
		add(&lines[ST_WARNING], "%s expires in %s (%s)", r->name,
		    sp.left, sp.d);
		st = ST_WARNING;
	} else if (!r->is_ca && r->key == PKI_ROWKEY_UNREADABLE) {
		add(&lines[ST_UNKNOWN], "%s: key unreadable", r->name);
		st = ST_UNKNOWN;
	} else
		st = ST_OK;
	perf_add(perf, r->name, r->seconds_left, sp.w, sp.c, sp.life);
	return st;
}

/*
 * The cluster's CRL, judged as a certificate (its lifetime: thisUpdate
 * to nextUpdate), and as a CRL: it must be the CA's and list every
 * revocation the inventory records.
 */
static int
check_crl(const struct pki_status_crl *c, const struct threshold *warn,
    const struct threshold *crit, char *lines[4], char **perf)
{
	const struct pki_cluster_crl_state	*st = &c->st;
	struct span				 sp;
	int					 ret;

	if (st->state == PKI_ROW_MISSING) {
		add(&lines[ST_CRITICAL], "crl: missing (%s)", st->path);
		return ST_CRITICAL;
	}
	if (st->state != PKI_ROW_OK) {
		add(&lines[ST_UNKNOWN], "crl: %s", st->error != NULL ?
		    st->error : "unreadable");
		return ST_UNKNOWN;
	}
	span_of(&sp, st->info.this_update, st->info.next_update,
	    c->seconds_left, warn, crit);
	ret = ST_CRITICAL;
	if (c->seconds_left <= 0)
		add(&lines[ST_CRITICAL], "crl: next update passed %s", sp.d);
	else if (!st->verified)
		add(&lines[ST_CRITICAL], "crl: not signed by the cluster CA");
	else if (!st->listed)
		add(&lines[ST_CRITICAL], "crl: lists %zu revoked, the "
		    "inventory records %zu", st->info.nentries, st->recorded);
	else if (c->seconds_left < sp.c)
		add(&lines[ST_CRITICAL], "crl next update in %s (%s)",
		    sp.left, sp.d);
	else if (c->seconds_left < sp.w) {
		add(&lines[ST_WARNING], "crl next update in %s (%s)",
		    sp.left, sp.d);
		ret = ST_WARNING;
	} else
		ret = ST_OK;
	perf_add(perf, "crl", c->seconds_left, sp.w, sp.c, sp.life);
	return ret;
}

static int
cmd_check_exec(struct opts *o)
{
	struct pki_cluster	*cl = NULL;
	struct pki_status	 s;
	struct pki_status_row	*r, *soon = NULL;
	struct threshold	 warn, crit;
	const char		*what = NULL;
	char			*lines[4] = { NULL, NULL, NULL, NULL };
	char			*perf = NULL, d[32], left[32];
	size_t			 i, ncert = 0;
	int			 st, overall = ST_OK, j;

	memset(&warn, 0, sizeof(warn));
	memset(&crit, 0, sizeof(crit));
	warn.is_share = crit.is_share = 1;
	warn.share = 0.20;
	crit.share = 0.10;
	pki_status_init(&s, time(NULL), NULL, NULL);
	threshold(o, OPT_WARNING, &warn);
	threshold(o, OPT_CRITICAL, &crit);
	if (opts_str(o, OPT_CLUSTER) != NULL ? o->nargs != 1 :
	    o->nargs < 1 || opts_str(o, OPT_MEMBER) != NULL) {
		log_err("expected PATH... or -cluster DESC [-member NAME] DIR");
		return ST_UNKNOWN;
	}
	if ((opts_str(o, OPT_CLUSTER) != NULL && load_cluster(o,
	    opts_str(o, OPT_CLUSTER), &cl) != CMD_RETURN_NORMAL) ||
	    load_status(o, cl, o->nargs, &s, &what) != CMD_RETURN_NORMAL) {
		printf("ETCD-PKI UNKNOWN - cannot read %s\n", what != NULL ?
		    what : "the cluster");
		overall = ST_UNKNOWN;
		goto out;
	}

	for (i = 0; i < s.n; i++) {
		r = &s.rows[i];
		ncert++;
		if (r->state == PKI_ROW_MISSING) {
			add(&lines[ST_CRITICAL], "%s: missing (%s)", r->name,
			    r->path);
			st = ST_CRITICAL;
		} else if (r->state != PKI_ROW_OK) {
			add(&lines[ST_UNKNOWN], "%s: %s", r->name,
			    r->error != NULL ? r->error : "unreadable");
			st = ST_UNKNOWN;
		} else {
			st = check_row(r, &warn, &crit, lines, &perf);
			if (soon == NULL || r->f.not_after < soon->f.not_after)
				soon = r;
		}
		if (rank(st) > rank(overall))
			overall = st;
	}
	for (i = 0; i < s.nlocks; i++)
		if (s.locks[i].busy_runs >= PKI_LOCK_BUSY_RUNS) {
			pki_time_format(s.locks[i].busy_since, d, sizeof(d));
			add(&lines[ST_CRITICAL], "%s: %u runs found the lock "
			    "held since %s", s.locks[i].dir,
			    s.locks[i].busy_runs, d);
			overall = ST_CRITICAL;
		}
	if (s.crl.st.present && rank(st = check_crl(&s.crl, &warn, &crit,
	    lines, &perf)) > rank(overall))
		overall = st;
	if (ncert == 0) {
		printf("ETCD-PKI UNKNOWN - no certificates found\n");
		overall = ST_UNKNOWN;
		goto out;
	}
	printf("ETCD-PKI %s - ", st_name[overall]);
	if (overall == ST_OK) {
		pki_time_format(soon->f.not_after, d, sizeof(d));
		pki_time_left(soon->seconds_left, left, sizeof(left));
		printf("%zu certificate%s, soonest %s expires in %s (%s)",
		    ncert, ncert == 1 ? "" : "s", soon->name, left, d);
	} else
		printf("%s", lines[overall] != NULL ? lines[overall] : "");
	printf("%s%s\n", perf != NULL ? " | " : "", perf != NULL ? perf : "");
 out:
	for (j = 0; j < 4; j++)
		free(lines[j]);
	free(perf);
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
