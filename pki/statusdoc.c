/*
 * statusdoc.c: what "etcd-pki status" shows of the status model (see
 * pki.h), other than the table it prints: the warnings about sets whose
 * generation renew would refuse, CAs that expire too early, leaves with
 * no renewal time, a CRL that is not what it should be and locks that
 * runs keep finding held, and the JSON document of -o json; and the JSON
 * document of "ca status -o json" (the rotation's status model,
 * pki_rot_status).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

/* The warning of leaf row l of s, malloc'ed; NULL when it has none. */
static int
row_warning(const struct pki_status *s, const struct pki_status_row *l,
    char **out)
{
	const struct pki_status_row	*c;
	char				 d1[32], d2[32], d3[32];
	int				 n;

	*out = NULL;
	if (!l->has_renew_at)
		n = asprintf(out, "%s: no renewal time: %s", l->path,
		    l->renew_error != NULL ? l->renew_error : "?");
	else if (l->ca_warning == PKI_CAWARN_NONE)
		return PKI_OK;
	else {
		c = &s->rows[l->ca];
		pki_time_format(c->f.not_after, d1, sizeof(d1));
		pki_time_format(l->renew_at, d2, sizeof(d2));
		pki_time_format(l->renew_at + l->f.not_after -
		    l->f.not_before, d3, sizeof(d3));
		if (l->ca_warning == PKI_CAWARN_RENEWAL)
			n = asprintf(out, "CA %s expires %s, before %s would "
			    "next be renewed (%s)", c->path, d1, l->name, d2);
		else
			n = asprintf(out, "CA %s expires %s, before a renewal "
			    "of %s at %s would expire (%s)", c->path, d1,
			    l->name, d2, d3);
	}
	if (n == -1) {
		*out = NULL;
		return PKI_ERR_ALLOC;
	}
	return PKI_OK;
}

/* The CRL's warnings: not the CA's, or not listing every revocation. */
static int
crl_warnings(const struct pki_status *s, struct pki_strv *w)
{
	const struct pki_cluster_crl_state	*st = &s->crl.st;
	char					*t = NULL;
	int					 r = PKI_OK;

	if (!st->present || st->state != PKI_ROW_OK)
		return PKI_OK;
	if (!st->verified) {
		if (asprintf(&t, "%s: not signed by the cluster CA (renew or "
		    "cluster issue signs it anew)", st->path) == -1)
			return PKI_ERR_ALLOC;
		r = pki_strv_push(w, t);
		free(t);
		t = NULL;
	}
	if (r == PKI_OK && !st->listed) {
		if (asprintf(&t, "%s: lists %zu revoked certificate%s, the "
		    "inventory records %zu (renew or revoke -cluster publishes "
		    "them)", st->path, st->info.nentries, st->info.nentries ==
		    1 ? "" : "s", st->recorded) == -1)
			return PKI_ERR_ALLOC;
		r = pki_strv_push(w, t);
		free(t);
	}
	return r;
}

/* The warning of a directory whose lock runs found held, if any. */
static int
lock_warning(const struct pki_status_lock *k, struct pki_strv *w)
{
	char	 d[32], *t = NULL;
	int	 r;

	if (k->busy_runs == 0)
		return PKI_OK;
	pki_time_format(k->busy_since, d, sizeof(d));
	if (asprintf(&t, "%s: %u run%s in a row found the lock "
	    "%s/.etcd-pki.lock held, since %s%s", k->dir, k->busy_runs,
	    k->busy_runs == 1 ? "" : "s", k->dir, d, k->busy_runs >=
	    PKI_LOCK_BUSY_RUNS ? ": a run may hang holding it (see "
	    "ps -C etcd-pki)" : "") == -1)
		return PKI_ERR_ALLOC;
	r = pki_strv_push(w, t);
	free(t);
	return r;
}

int
pki_status_warnings(const struct pki_status *s, char ***v, size_t *n,
    struct pki_error *err)
{
	struct pki_strv	 w;
	char		*t = NULL;
	size_t		 i;
	int		 r = PKI_OK;

	*v = NULL;
	*n = 0;
	memset(&w, 0, sizeof(w));
	for (i = 0; i < s->n && r == PKI_OK; i++) {
		if (s->rows[i].gen_refused != NULL)
			r = pki_strv_push(&w, s->rows[i].gen_refused);
		if (r != PKI_OK || s->rows[i].is_ca ||
		    s->rows[i].state != PKI_ROW_OK)
			continue;
		if ((r = row_warning(s, &s->rows[i], &t)) == PKI_OK &&
		    t != NULL)
			r = pki_strv_push(&w, t);
		free(t);
		t = NULL;
	}
	if (r == PKI_OK)
		r = crl_warnings(s, &w);
	for (i = 0; i < s->nlocks && r == PKI_OK; i++)
		r = lock_warning(&s->locks[i], &w);
	if (r != PKI_OK) {
		pki_strv_clear(&w);
		return pki_err(err, r, "out of memory");
	}
	*v = w.v;
	*n = w.n;
	return PKI_OK;
}

/* ---- -o json ------------------------------------------------------------ */

/* Sets obj[key] to a new value, stolen; a NULL value becomes null. */
static void
put(json_t *obj, const char *key, json_t *v)
{
	json_object_set_new(obj, key, v != NULL ? v : json_null());
}

static json_t *
json_date(int64_t t)
{
	char	buf[32];

	pki_time_format(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
json_strv(char **v, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/*
 * A new object with the first members of a leaf's and a CA's object;
 * NULL: no memory.
 */
static json_t *
row_json(const struct pki_status_row *r)
{
	json_t	*o = json_object();
	int	 ok = r->state == PKI_ROW_OK;

	if (o == NULL)
		return NULL;
	put(o, "name", json_string(r->name));
	put(o, "path", json_string(r->path));
	put(o, "serial", ok ? json_string(r->f.serial) : NULL);
	put(o, "subject", ok ? json_string(r->f.subject) : NULL);
	return o;
}

/* The last member of both, into o; returns o. */
static json_t *
row_error(json_t *o, const struct pki_status_row *r)
{
	put(o, "error", r->state != PKI_ROW_OK && r->error != NULL ?
	    json_string(r->error) : NULL);
	return o;
}

static json_t *
leaf_json(const struct pki_status_row *r)
{
	json_t	*o = row_json(r), *d;
	int	 ok = r->state == PKI_ROW_OK;

	if (o == NULL)
		return NULL;
	put(o, "issuer", ok ? json_string(r->f.issuer) : NULL);
	put(o, "not_before", ok ? json_date(r->f.not_before) : NULL);
	put(o, "not_after", ok ? json_date(r->f.not_after) : NULL);
	put(o, "seconds_left", ok ? json_integer(r->seconds_left) : NULL);
	put(o, "percent_used", ok ? json_real((double)(long long)(
	    r->percent_used * 100) / 100) : NULL);
	put(o, "renew_at", ok && r->has_renew_at ? json_date(r->renew_at) :
	    NULL);
	put(o, "due", ok && r->has_renew_at ? json_boolean(r->due) :
	    NULL);
	put(o, "key", ok ? json_string(r->key == PKI_ROWKEY_MATCH ? "match" :
	    r->key == PKI_ROWKEY_MISMATCH ? "mismatch" : r->key ==
	    PKI_ROWKEY_MISSING ? "missing" : "unreadable") : NULL);
	put(o, "sans", ok ? json_strv(r->f.sans, r->f.nsans) : NULL);
	d = NULL;
	if (ok && r->drift_state == PKI_DRIFT_NONE && (d = json_object()) !=
	    NULL) {
		put(d, "add", json_strv(r->drift.add, r->drift.nadd));
		put(d, "remove", json_strv(r->drift.remove,
		    r->drift.nremove));
		put(d, "subject", json_boolean(r->drift.subject));
	}
	put(o, "drift", d);
	put(o, "generation", r->generation != NULL ?
	    json_string(r->generation) : NULL);
	return row_error(o, r);
}

static json_t *
ca_json(const struct pki_status_row *r)
{
	json_t	*o = row_json(r);
	int	 ok = r->state == PKI_ROW_OK;

	if (o == NULL)
		return NULL;
	put(o, "not_after", ok ? json_date(r->f.not_after) : NULL);
	put(o, "seconds_left", ok ? json_integer(r->seconds_left) : NULL);
	return row_error(o, r);
}

/* The CRL as JSON, or NULL (null) when CRLs are not in use. */
static json_t *
crl_json(const struct pki_status *s)
{
	const struct pki_status_crl	*c = &s->crl;
	json_t				*o;
	int				 ok = c->st.state == PKI_ROW_OK;

	if (!c->st.present || (o = json_object()) == NULL)
		return NULL;
	put(o, "path", json_string(c->st.path));
	put(o, "number", ok && c->st.info.number[0] != '\0' ?
	    json_string(c->st.info.number) : NULL);
	put(o, "issuer", ok ? json_string(c->st.info.issuer) : NULL);
	put(o, "this_update", ok ? json_date(c->st.info.this_update) : NULL);
	put(o, "next_update", ok ? json_date(c->st.info.next_update) : NULL);
	put(o, "age_seconds", ok ? json_integer(c->age) : NULL);
	put(o, "seconds_left", ok ? json_integer(c->seconds_left) : NULL);
	put(o, "percent_used", ok ? json_real((double)(long long)(
	    c->percent_used * 100) / 100) : NULL);
	put(o, "renew_at", ok && c->has_renew_at ? json_date(c->renew_at) :
	    NULL);
	put(o, "due", ok && c->has_renew_at ? json_boolean(c->due) : NULL);
	put(o, "revoked", ok ? json_integer((json_int_t)c->st.info.nentries) :
	    NULL);
	put(o, "recorded_revoked", c->st.inventory_read ?
	    json_integer((json_int_t)c->st.recorded) : NULL);
	put(o, "verified", ok ? json_boolean(c->st.verified) : NULL);
	put(o, "lists_every_revocation", ok ? json_boolean(c->st.listed) :
	    NULL);
	put(o, "error", !ok && c->st.error != NULL ?
	    json_string(c->st.error) : NULL);
	return o;
}

int
pki_status_json(const struct pki_status *s, struct json_t **out,
    struct pki_error *err)
{
	json_t	*top = json_object(), *certs = json_array(),
		*cas = json_array(), *locks = json_array(), *l;
	char	**w = NULL;
	size_t	 i, nw = 0;
	int	 r = PKI_ERR_ALLOC;

	*out = NULL;
	if (top == NULL || certs == NULL || cas == NULL || locks == NULL ||
	    (r = pki_status_warnings(s, &w, &nw, err)) != PKI_OK) {
		json_decref(certs);
		json_decref(cas);
		json_decref(locks);
		json_decref(top);
		return r == PKI_ERR_ALLOC ? pki_err(err, r, "out of memory") :
		    r;
	}
	for (i = 0; i < s->nlocks; i++) {
		put(l = json_object(), "dir", json_string(s->locks[i].dir));
		put(l, "busy_runs", json_integer(s->locks[i].busy_runs));
		put(l, "busy_since", s->locks[i].busy_runs > 0 ?
		    json_date(s->locks[i].busy_since) : NULL);
		json_array_append_new(locks, l);
	}
	put(top, "version", json_integer(1));
	put(top, "generated", json_date(s->now));
	for (i = 0; i < s->n; i++)
		json_array_append_new(s->rows[i].is_ca ? cas : certs,
		    s->rows[i].is_ca ? ca_json(&s->rows[i]) :
		    leaf_json(&s->rows[i]));
	put(top, "certificates", certs);
	put(top, "cas", cas);
	put(top, "locks", locks);
	put(top, "crl", crl_json(s));
	put(top, "warnings", json_strv(w, nw));
	pki_strv_free(w, nw);
	*out = top;
	return PKI_OK;
}

/* ---- ca status -o json -------------------------------------------------- */

static json_t *
rot_ca_json(const struct pki_rot_ca_status *c)
{
	char	na[32];

	if (!c->present)
		return json_null();
	pki_time_format(c->not_after, na, sizeof(na));
	return json_pack("{s:s, s:s, s:s, s:s, s:b}", "path", c->path,
	    "serial", c->serial, "subject", c->subject, "not_after", na,
	    "key", c->has_key);
}

static json_t *
jword(const char *w)
{
	return w != NULL ? json_string(w) : json_null();
}

static json_t *
jbool(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

static json_t *
rot_leaf_json(const struct pki_rot_leaf_status *l)
{
	if (!l->member)
		return json_pack("{s:s, s:s, s:o}", "name", l->name, "bundle",
		    l->bundle, "leaf", jword(l->leaf));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "name",
	    l->name, "bundle", l->bundle, "leaf", jword(l->leaf),
	    "served_client", jword(l->served_client), "served_peer",
	    jword(l->served_peer), "trusts_new", jbool(l->trusts_new),
	    "trusts_old", jbool(l->trusts_old), "error", l->error != NULL ?
	    json_string(l->error) : json_null());
}

int
pki_rot_status_json(const struct pki_rot_status *st, struct json_t **out,
    struct pki_error *err)
{
	json_t	*top = NULL, *mem = NULL, *cli = NULL, *e;
	char	 now[32];
	size_t	 i;

	*out = NULL;
	pki_time_format((int64_t)st->now, now, sizeof(now));
	if ((top = json_object()) == NULL || (mem = json_array()) == NULL ||
	    (cli = json_array()) == NULL)
		goto oom;
	json_object_set_new(top, "version", json_integer(1));
	json_object_set_new(top, "generated", json_string(now));
	json_object_set_new(top, "phase",
	    json_string(pki_rot_phase_name(st->phase)));
	json_object_set_new(top, "verified", json_boolean(st->verified));
	json_object_set_new(top, "ca", rot_ca_json(&st->ca[PKI_CA_CUR]));
	json_object_set_new(top, "next", rot_ca_json(&st->ca[PKI_CA_NEXT]));
	json_object_set_new(top, "prev", rot_ca_json(&st->ca[PKI_CA_PREV]));
	for (i = 0; i < st->n; i++)
		if ((e = rot_leaf_json(&st->leaves[i])) == NULL ||
		    json_array_append_new(st->leaves[i].member ? mem : cli,
		    e) != 0)
			goto oom;
	json_object_set_new(top, "members", mem);
	json_object_set_new(top, "clients", cli);
	*out = top;
	return PKI_OK;
 oom:
	json_decref(top);
	json_decref(mem);
	json_decref(cli);
	return pki_err(err, PKI_ERR_ALLOC, "out of memory");
}
