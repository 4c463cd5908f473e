/*
 * schedplan.c: the command lines a scheduled renewal runs (see pki.h):
 * renew's arguments with every file made absolute, what renew writes
 * (the sandbox's writable paths), and needs-renewal's arguments with
 * renew's timing and every certificate renew looks at.  The files that
 * hold them are schedule.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

/* Appends s, which is taken over (NULL: out of memory). */
static int
plan_own(char ***v, size_t *n, char *s, struct pki_error *err)
{
	char	**nv;

	if (s == NULL || (nv = reallocarray(*v, *n + 1, sizeof(*nv))) ==
	    NULL) {
		free(s);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	*v = nv;
	(*v)[(*n)++] = s;
	return PKI_OK;
}

static int
plan_add(char ***v, size_t *n, const char *s, struct pki_error *err)
{
	return plan_own(v, n, strdup(s), err);
}

/*
 * path made absolute (pki_path_absolute with flags) into *out; errors
 * read "WHAT PATH: problem".
 */
static int
abs_path(const char *path, const char *what, int flags, char **out,
    struct pki_error *err)
{
	struct pki_error	 e;
	int			 r;

	memset(&e, 0, sizeof(e));
	if ((r = pki_path_absolute(path, flags, out, &e)) != PKI_OK)
		return pki_err(err, r, "%s %s", what, e.text[0] != '\0' ?
		    e.text : pki_strerror(r));
	return PKI_OK;
}

/*
 * The value of flag f made absolute when it names a file: inputs must
 * exist, outputs need not.
 */
static int
abs_flag(const struct pki_schedule_flag *f, char **out,
    struct pki_error *err)
{
	char	what[64];

	*out = NULL;
	snprintf(what, sizeof(what), "-%s", f->name);
	switch (f->kind) {
	case PKI_SCHED_ARG_SPEC:
		return abs_path(f->value, what, PKI_ABS_EXISTS | PKI_ABS_SPEC,
		    out, err);
	case PKI_SCHED_ARG_PATH:
		return abs_path(f->value, what, PKI_ABS_EXISTS, out, err);
	case PKI_SCHED_ARG_OUTPUT:
		return abs_path(f->value, what, 0, out, err);
	default:
		if ((*out = strdup(f->value)) == NULL)
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		return PKI_OK;
	}
}

int
pki_schedule_plan_run(const struct pki_schedule_renew *rq,
    struct pki_schedule_plan *p, struct pki_error *err)
{
	const struct pki_schedule_flag	*f;
	char				*s;
	size_t				 i;
	int				 r;

	if ((r = plan_add(&p->run, &p->nrun, "renew", err)) != PKI_OK ||
	    (r = plan_add(&p->run, &p->nrun, "-quiet", err)) != PKI_OK)
		return r;
	for (i = 0; i < rq->nflags; i++) {
		f = &rq->flags[i];
		if (asprintf(&s, "-%s", f->name) == -1)
			s = NULL;
		if ((r = plan_own(&p->run, &p->nrun, s, err)) != PKI_OK)
			return r;
		if (f->kind == PKI_SCHED_ARG_BOOL)
			continue;
		if ((r = abs_flag(f, &s, err)) != PKI_OK ||
		    (r = plan_own(&p->run, &p->nrun, s, err)) != PKI_OK ||
		    (f->kind == PKI_SCHED_ARG_OUTPUT && (r = plan_add(&p->rw,
		    &p->nrw, s, err)) != PKI_OK))
			return r;
	}
	for (i = 0; i < rq->nargs; i++)
		if ((r = abs_path(rq->args[i], rq->cluster != NULL ? "DIR" :
		    "CERT", PKI_ABS_EXISTS, &s, err)) != PKI_OK ||
		    (r = plan_own(&p->run, &p->nrun, s, err)) != PKI_OK ||
		    (r = plan_add(&p->rw, &p->nrw, s, err)) != PKI_OK)
			return r;
	return PKI_OK;
}

int
pki_schedule_plan_cond(const struct pki_schedule_renew *rq,
    struct pki_schedule_plan *p, struct pki_error *err)
{
	struct pki_cldir_leaf	*v = NULL;
	char			*s;
	size_t			 i, n = 0;
	int			 r;

	if ((r = plan_add(&p->cond, &p->ncond, "needs-renewal", err)) !=
	    PKI_OK || (rq->renew_before != NULL && ((r = plan_add(&p->cond,
	    &p->ncond, "-renew-before", err)) != PKI_OK || (r = plan_add(
	    &p->cond, &p->ncond, rq->renew_before, err)) != PKI_OK)) ||
	    (r = plan_add(&p->cond, &p->ncond, "-stagger", err)) != PKI_OK ||
	    (r = plan_add(&p->cond, &p->ncond, rq->stagger != NULL ?
	    rq->stagger : "5%", err)) != PKI_OK)
		return r;
	if (rq->cl == NULL) {
		/* The certificates, as pki_schedule_plan_run made them. */
		for (i = 0; i < rq->nargs; i++)
			if ((r = plan_add(&p->cond, &p->ncond,
			    p->run[p->nrun - rq->nargs + i], err)) != PKI_OK)
				return r;
		return PKI_OK;
	}
	if ((r = pki_cldir_leaves(rq->cl, p->run[p->nrun - 1], rq->member,
	    &v, &n, err)) != PKI_OK)
		goto out;
	if (n == 0) {
		r = pki_err(err, PKI_ERR_ARG, "renew -member %s: no member or "
		    "client of that name in %s", rq->member != NULL ?
		    rq->member : "", rq->cluster);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&s, "%s/%s.pem", v[i].dir, v[i].name) == -1)
			s = NULL;
		if (s != NULL && access(s, F_OK) == -1)
			pki_note(&rq->nt, PKI_NOTE_WARNING, NULL, "%s: %s "
			    "(needs-renewal exits 2 for it until it is issued)",
			    s, strerror(errno));
		if ((r = plan_own(&p->cond, &p->ncond, s, err)) != PKI_OK)
			goto out;
	}
	/* The CRL renew renews: due at the same share of its lifetime. */
	if (asprintf(&s, "%s/%s", p->run[p->nrun - 1], PKI_CLDIR_CRL_DER) ==
	    -1)
		s = NULL;
	if (s != NULL && access(s, F_OK) == -1)
		free(s);
	else
		r = plan_own(&p->cond, &p->ncond, s, err);
 out:
	pki_cldir_leaves_free(v, n);
	return r;
}

void
pki_schedule_plan_clear(struct pki_schedule_plan *p)
{
	pki_strv_free(p->run, p->nrun);
	pki_strv_free(p->cond, p->ncond);
	pki_strv_free(p->rw, p->nrw);
	memset(p, 0, sizeof(*p));
}
