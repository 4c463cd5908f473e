/*
 * schedplan.c: the command lines a scheduled renewal runs (see pki.h):
 * renew's arguments with every file made absolute, what renew writes
 * (the sandbox's writable paths), and needs-renewal's arguments with
 * renew's timing and every certificate renew looks at.  The files that
 * hold them are schedule.c's.
 */
#include <sys/stat.h>

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

/* The value of renew's flag -name in rq, or NULL. */
static const char *
flag_value(const struct pki_schedule_renew *rq, const char *name)
{
	size_t	i;

	for (i = 0; i < rq->nflags; i++)
		if (strcmp(rq->flags[i].name, name) == 0)
			return rq->flags[i].value;
	return NULL;
}

/*
 * The auth key of the CA server renew signs through (-config's profile,
 * -remote): a key file becomes p->auth_key_file (a credential of the
 * unit); a key in the configuration is only as secret as that file, and
 * an env: key is not in a unit's environment: warnings.  Anything renew
 * itself would refuse is left to renew's run (and its error).
 */
static int
plan_auth(const struct pki_schedule_renew *rq, struct pki_schedule_plan *p,
    struct pki_error *err)
{
	const char			*path = flag_value(rq, "config");
	const char			*override = flag_value(rq, "remote");
	const struct pki_profile	*prof = NULL;
	struct pki_config		*cfg = NULL;
	struct pki_remote		 rm;
	struct pki_error		 e;
	struct stat			 st;
	char				*buf = NULL;
	size_t				 len = 0;
	int				 r = PKI_OK;

	memset(&rm, 0, sizeof(rm));
	memset(&e, 0, sizeof(e));
	if (path == NULL || pki_input_read(path, 0, PKI_MAX_INPUT, &buf, &len,
	    &e) != PKI_OK || pki_config_parse(buf, len, path, NULL, &cfg,
	    &e) != PKI_OK || (pki_config_profile(cfg, flag_value(rq,
	    "profile"), &prof, &e) != PKI_OK && (override == NULL ||
	    pki_config_profile(cfg, NULL, &prof, &e) != PKI_OK)) ||
	    (override == NULL && !pki_profile_is_remote(prof)) ||
	    pki_remote_for_profile(cfg, prof, override, &rm, &e) != PKI_OK ||
	    rm.auth_key == NULL)
		goto out;
	if (strncmp(rm.auth_key, "file:", 5) == 0) {
		if ((r = pki_path_absolute(rm.auth_key + 5, PKI_ABS_EXISTS,
		    &p->auth_key_file, &e)) != PKI_OK)
			r = pki_err(err, r, "%s: auth_keys.%s.key: %s", path,
			    rm.auth_key_name, e.text);
	} else if (strncmp(rm.auth_key, "env:", 4) == 0)
		pki_note(&rq->nt, PKI_NOTE_WARNING, NULL, "%s: auth_keys.%s.key "
		    "is %s: a scheduled run's environment does not have it; "
		    "use file:PATH (a root-only file, loaded as a credential)",
		    path, rm.auth_key_name, rm.auth_key);
	else if (stat(path, &st) == 0 && (st.st_mode & 044) != 0)
		pki_note(&rq->nt, PKI_NOTE_WARNING, NULL, "%s: mode %04o: "
		    "holds the auth key auth_keys.%s.key and is readable by "
		    "group or others: chmod 600 it, or use file:PATH",
		    path, (unsigned)(st.st_mode & 07777), rm.auth_key_name);
 out:
	pki_config_free(cfg);
	free(buf);
	return r;
}

/*
 * A rolling restart from a node (no -cluster) reaches etcd with the
 * etcdctl settings: a unit or cron job has none of the shell's ETCDCTL_*
 * variables, so the flags must say them.
 */
static int
plan_node(const struct pki_schedule_renew *rq, struct pki_error *err)
{
	const char	*r = flag_value(rq, "restart");

	if (rq->cluster != NULL || r == NULL || strcmp(r, "rolling") != 0 ||
	    (flag_value(rq, "etcd-endpoints") != NULL &&
	    flag_value(rq, "etcd-cacert") != NULL &&
	    flag_value(rq, "etcd-cert") != NULL &&
	    flag_value(rq, "etcd-key") != NULL))
		return PKI_OK;
	return pki_err(err, PKI_ERR_ARG, "renew -restart rolling without "
	    "-cluster: the job does not have this shell's ETCDCTL_* "
	    "variables; give renew -etcd-endpoints, -etcd-cacert, -etcd-cert "
	    "and -etcd-key (the values of the node's etcdctl.env)");
}

int
pki_schedule_plan_run(const struct pki_schedule_renew *rq,
    struct pki_schedule_plan *p, struct pki_error *err)
{
	const struct pki_schedule_flag	*f;
	char				*s;
	size_t				 i;
	int				 r;

	if ((r = plan_node(rq, err)) != PKI_OK)
		return r;
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
	return plan_auth(rq, p, err);
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
	free(p->auth_key_file);
	memset(p, 0, sizeof(*p));
}
