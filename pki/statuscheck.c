/*
 * statuscheck.c: "etcd-pki check"'s verdict on the status model (see
 * pki.h): each certificate and the cluster's CRL against the warning and
 * critical thresholds, the overall Nagios state, its status text and the
 * perfdata; and "etcd-pki needs-renewal"'s verdict on one certificate or
 * CRL.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const state_name[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN"
};

const char *
pki_check_state_name(int state)
{
	if (state < PKI_CHECK_OK || state > PKI_CHECK_UNKNOWN)
		return "UNKNOWN";
	return state_name[state];
}

void
pki_check_thresholds_default(struct pki_check_threshold *warn,
    struct pki_check_threshold *crit)
{
	memset(warn, 0, sizeof(*warn));
	memset(crit, 0, sizeof(*crit));
	warn->is_share = crit->is_share = 1;
	warn->share = 0.20;
	crit->share = 0.10;
}

/* Severity order for the overall state: OK < WARNING < UNKNOWN < CRITICAL. */
static int
rank(int st)
{
	static const int	r[] = { 0, 1, 3, 2 };

	return r[st];
}

static int64_t
threshold_seconds(const struct pki_check_threshold *t, int64_t lifetime)
{
	return t->is_share ? (int64_t)(t->share * (double)lifetime) :
	    t->seconds;
}

/* Appends ", "-separated text to the line of a state. */
static void
add(struct pki_buf *line, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add(struct pki_buf *line, const char *fmt, ...)
{
	va_list	 ap;
	char	*t = NULL;

	va_start(ap, fmt);
	if (vasprintf(&t, fmt, ap) == -1) {
		t = NULL;
		line->oom = 1;
	}
	va_end(ap);
	if (t == NULL)
		return;
	if (line->len > 0)
		pki_buf_add(line, ", ");
	pki_buf_add(line, t);
	free(t);
}

/* Appends "'NAME_seconds_left'=Ns;W;C;0;LIFETIME" to perf. */
static void
perf_add(struct pki_buf *perf, const char *name, int64_t left, int64_t w,
    int64_t c, int64_t life)
{
	pki_buf_printf(perf, "%s'%s_seconds_left'=%llds;%lld;%lld;0;%lld",
	    perf->len > 0 ? " " : "", name, (long long)left, (long long)w,
	    (long long)c, (long long)life);
}

/* A validity from nb to na against the thresholds, and its texts. */
struct span {
	int64_t	 life, w, c;	/* lifetime, warning, critical (s) */
	char	 d[32];		/* na */
	char	 left[32];	/* secleft */
};

static void
span_of(struct span *sp, int64_t nb, int64_t na, int64_t secleft,
    const struct pki_check_threshold *warn,
    const struct pki_check_threshold *crit)
{
	sp->life = na - nb;
	sp->w = threshold_seconds(warn, sp->life);
	sp->c = threshold_seconds(crit, sp->life);
	pki_time_format(na, sp->d, sizeof(sp->d));
	pki_time_left(secleft, sp->left, sizeof(sp->left));
}

/*
 * The state of a readable row against the thresholds: its text goes to
 * lines[state] and its perfdata to perf.
 */
static int
check_row(const struct pki_status_row *r, const struct pki_check_threshold
    *warn, const struct pki_check_threshold *crit, struct pki_buf lines[4],
    struct pki_buf *perf)
{
	struct span	sp;
	int		st;

	span_of(&sp, r->f.not_before, r->f.not_after, r->seconds_left, warn,
	    crit);
	if (r->seconds_left <= 0) {
		add(&lines[PKI_CHECK_CRITICAL], "%s: expired %s", r->name,
		    sp.d);
		st = PKI_CHECK_CRITICAL;
	} else if (!r->is_ca && r->key == PKI_ROWKEY_MISMATCH) {
		add(&lines[PKI_CHECK_CRITICAL], "%s: key does not match the "
		    "certificate", r->name);
		st = PKI_CHECK_CRITICAL;
	} else if (r->seconds_left < sp.c) {
		add(&lines[PKI_CHECK_CRITICAL], "%s expires in %s (%s)",
		    r->name, sp.left, sp.d);
		st = PKI_CHECK_CRITICAL;
	} else if (r->seconds_left < sp.w) {
		add(&lines[PKI_CHECK_WARNING], "%s expires in %s (%s)",
		    r->name, sp.left, sp.d);
		st = PKI_CHECK_WARNING;
	} else if (!r->is_ca && r->key == PKI_ROWKEY_UNREADABLE) {
		add(&lines[PKI_CHECK_UNKNOWN], "%s: key unreadable", r->name);
		st = PKI_CHECK_UNKNOWN;
	} else
		st = PKI_CHECK_OK;
	perf_add(perf, r->name, r->seconds_left, sp.w, sp.c, sp.life);
	return st;
}

/*
 * The cluster's CRL, judged as a certificate (its lifetime: thisUpdate
 * to nextUpdate), and as a CRL: it must be the CA's and list every
 * revocation the inventory records.
 */
static int
check_crl(const struct pki_status_crl *c,
    const struct pki_check_threshold *warn,
    const struct pki_check_threshold *crit, struct pki_buf lines[4],
    struct pki_buf *perf)
{
	const struct pki_cluster_crl_state	*st = &c->st;
	struct span				 sp;
	int					 ret;

	if (st->state == PKI_ROW_MISSING) {
		add(&lines[PKI_CHECK_CRITICAL], "crl: missing (%s)", st->path);
		return PKI_CHECK_CRITICAL;
	}
	if (st->state != PKI_ROW_OK) {
		add(&lines[PKI_CHECK_UNKNOWN], "crl: %s", st->error != NULL ?
		    st->error : "unreadable");
		return PKI_CHECK_UNKNOWN;
	}
	span_of(&sp, st->info.this_update, st->info.next_update,
	    c->seconds_left, warn, crit);
	ret = PKI_CHECK_CRITICAL;
	if (c->seconds_left <= 0)
		add(&lines[PKI_CHECK_CRITICAL], "crl: next update passed %s",
		    sp.d);
	else if (!st->verified)
		add(&lines[PKI_CHECK_CRITICAL], "crl: not signed by the "
		    "cluster CA");
	else if (!st->listed)
		add(&lines[PKI_CHECK_CRITICAL], "crl: lists %zu revoked, the "
		    "inventory records %zu", st->info.nentries, st->recorded);
	else if (c->seconds_left < sp.c)
		add(&lines[PKI_CHECK_CRITICAL], "crl next update in %s (%s)",
		    sp.left, sp.d);
	else if (c->seconds_left < sp.w) {
		add(&lines[PKI_CHECK_WARNING], "crl next update in %s (%s)",
		    sp.left, sp.d);
		ret = PKI_CHECK_WARNING;
	} else
		ret = PKI_CHECK_OK;
	perf_add(perf, "crl", c->seconds_left, sp.w, sp.c, sp.life);
	return ret;
}

int
pki_status_check(const struct pki_status *s,
    const struct pki_check_threshold *warn,
    const struct pki_check_threshold *crit, struct pki_check_result *out,
    struct pki_error *err)
{
	const struct pki_status_row	*r, *soon = NULL;
	struct pki_buf			 lines[4], perf, text;
	char				 d[32], left[32];
	size_t				 i;
	int				 st, oom = 0, j;

	memset(out, 0, sizeof(*out));
	memset(lines, 0, sizeof(lines));
	memset(&perf, 0, sizeof(perf));
	memset(&text, 0, sizeof(text));
	out->state = PKI_CHECK_OK;
	for (i = 0; i < s->n; i++) {
		r = &s->rows[i];
		if (r->state == PKI_ROW_MISSING) {
			add(&lines[PKI_CHECK_CRITICAL], "%s: missing (%s)",
			    r->name, r->path);
			st = PKI_CHECK_CRITICAL;
		} else if (r->state != PKI_ROW_OK) {
			add(&lines[PKI_CHECK_UNKNOWN], "%s: %s", r->name,
			    r->error != NULL ? r->error : "unreadable");
			st = PKI_CHECK_UNKNOWN;
		} else {
			st = check_row(r, warn, crit, lines, &perf);
			if (soon == NULL || r->f.not_after < soon->f.not_after)
				soon = r;
		}
		/* Readable, but the next renewal would be refused. */
		if (r->gen_refused != NULL) {
			add(&lines[PKI_CHECK_WARNING], "%s", r->gen_refused);
			if (rank(PKI_CHECK_WARNING) > rank(st))
				st = PKI_CHECK_WARNING;
		}
		if (rank(st) > rank(out->state))
			out->state = st;
	}
	for (i = 0; i < s->nlocks; i++)
		if (s->locks[i].busy_runs >= PKI_LOCK_BUSY_RUNS) {
			pki_time_format(s->locks[i].busy_since, d, sizeof(d));
			add(&lines[PKI_CHECK_CRITICAL], "%s: %u runs found the "
			    "lock held since %s", s->locks[i].dir,
			    s->locks[i].busy_runs, d);
			out->state = PKI_CHECK_CRITICAL;
		}
	if (s->crl.st.present && rank(st = check_crl(&s->crl, warn, crit,
	    lines, &perf)) > rank(out->state))
		out->state = st;
	if (s->n == 0) {
		out->state = PKI_CHECK_UNKNOWN;
		pki_buf_add(&text, "no certificates found");
		free(perf.b);	/* the CRL's alone: no perfdata */
		memset(&perf, 0, sizeof(perf));
	} else if (out->state == PKI_CHECK_OK) {
		pki_time_format(soon->f.not_after, d, sizeof(d));
		pki_time_left(soon->seconds_left, left, sizeof(left));
		pki_buf_printf(&text, "%zu certificate%s, soonest %s expires "
		    "in %s (%s)", s->n, s->n == 1 ? "" : "s", soon->name, left,
		    d);
	} else if (lines[out->state].len > 0)
		pki_buf_add(&text, lines[out->state].b);
	for (j = 0; j < 4; j++) {
		oom |= lines[j].oom;
		free(lines[j].b);
	}
	if (oom || text.oom || perf.oom) {
		free(text.b);
		free(perf.b);
		memset(out, 0, sizeof(*out));
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	out->text = text.b != NULL ? text.b : strdup("");
	out->perf = perf.b;	/* NULL: no readable certificate */
	if (out->text == NULL) {
		pki_check_result_clear(out);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	return PKI_OK;
}

void
pki_check_result_clear(struct pki_check_result *r)
{
	free(r->text);
	free(r->perf);
	memset(r, 0, sizeof(*r));
}

/* ---- needs-renewal's verdict -------------------------------------------- */

/* Judges a validity from nb to na for name; why as pki_due_cert says. */
static int
judge(const struct pki_due_rule *rule, int64_t nb, int64_t na,
    const char *name, const char *target, time_t now, struct pki_due *due,
    char *why, size_t whylen, struct pki_error *err)
{
	char	d[32];
	int	r;

	if ((r = pki_due_eval(rule, nb, na, name, now, due, err)) != PKI_OK) {
		if (err != NULL)
			pki_err_prefix(err, target);
		return r;
	}
	if (due->expired) {
		pki_time_format(na, d, sizeof(d));
		snprintf(why, whylen, "expired %s", d);
	} else {
		pki_time_format(due->at, d, sizeof(d));
		snprintf(why, whylen, "%d%% of the lifetime used (renew at %s)",
		    due->used >= 0 ? (int)due->used : 0, d);
	}
	return PKI_OK;
}

int
pki_due_cert(const struct pki_due_rule *rule, const struct pki_cert *cert,
    const char *target, const char *host, time_t now, struct pki_due *due,
    char *why, size_t whylen, struct pki_error *err)
{
	struct pki_cert_facts	 f;
	char			*name = NULL;
	int			 r;

	memset(&f, 0, sizeof(f));
	memset(due, 0, sizeof(*due));
	if ((r = pki_cert_facts(cert, &f, err)) != PKI_OK)
		goto out;
	/* renew's NAME: the file's; for a server, its certificate's CN. */
	if (host != NULL)
		name = strdup(*f.subject_cn != '\0' ? f.subject_cn : host);
	else
		name = pki_cert_path_name(target);
	if (name == NULL)
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
	else
		r = judge(rule, f.not_before, f.not_after, name, target, now,
		    due, why, whylen, err);
 out:
	free(name);
	pki_cert_facts_clear(&f);
	return r;
}

int
pki_due_file(const struct pki_due_rule *rule, const char *buf, size_t len,
    const char *target, time_t now, struct pki_due *due, char *why,
    size_t whylen, struct pki_error *err)
{
	struct pki_cert	*cert = NULL;
	int64_t		 nb, na;
	int		 r;

	memset(due, 0, sizeof(*due));
	if ((r = pki_cert_load(buf, len, target, &cert, err)) == PKI_OK) {
		r = pki_due_cert(rule, cert, target, NULL, now, due, why,
		    whylen, err);
		pki_cert_free(cert);
		return r;
	}
	/* Not a certificate: a CRL renew renews (its NAME is "crl")? */
	if (pki_crl_validity(buf, len, target, &nb, &na, NULL) != PKI_OK)
		return r;
	return judge(rule, nb, na, "crl", target, now, due, why, whylen, err);
}
