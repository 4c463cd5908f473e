/*
 * statdoc.c: what "status" reports beyond the rows (pki/status.c): the
 * warnings of the CAs and leaves, and the JSON document of -o json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine.h"

/* Appends s (taken; NULL: out of memory) to the list v of n. */
static int
strv_add(char ***v, size_t *n, char *s)
{
	char	**nv;

	if (s == NULL)
		return PKI_ERR_ALLOC;
	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL) {
		free(s);
		return PKI_ERR_ALLOC;
	}
	*v = nv;
	(*v)[(*n)++] = s;
	return PKI_OK;
}

/* The warning of leaf row l, or NULL when it has none (in *t). */
static int
row_warning(const struct pki_status *s, const struct pki_status_row *l,
    char **t)
{
	const struct pki_status_row	*c;
	char				 d1[32], d2[32], d3[32];
	int				 r;

	*t = NULL;
	if (l->is_ca || l->state != PKI_ROW_OK)
		return 0;
	if (!l->has_renew_at)
		return asprintf(t, "%s: no renewal time: %s", l->path,
		    l->renew_error != NULL ? l->renew_error : "?");
	if (l->ca_warning == PKI_CAWARN_NONE)
		return 0;
	c = &s->rows[l->ca];
	pki_time_format(c->f.not_after, d1, sizeof(d1));
	pki_time_format(l->renew_at, d2, sizeof(d2));
	pki_time_format(l->renew_at + l->f.not_after - l->f.not_before, d3,
	    sizeof(d3));
	if (l->ca_warning == PKI_CAWARN_RENEWAL)
		r = asprintf(t, "CA %s expires %s, before %s would next be "
		    "renewed (%s)", c->path, d1, l->name, d2);
	else
		r = asprintf(t, "CA %s expires %s, before a renewal of %s at "
		    "%s would expire (%s)", c->path, d1, l->name, d2, d3);
	return r;
}

int
pki_status_warnings(const struct pki_status *s, char ***v, size_t *n)
{
	char	*t;
	size_t	 i;

	*v = NULL;
	*n = 0;
	for (i = 0; i < s->n; i++) {
		if (row_warning(s, &s->rows[i], &t) == -1 ||
		    (t != NULL && strv_add(v, n, t) != PKI_OK)) {
			pki_strv_free(*v, *n);
			*v = NULL;
			*n = 0;
			return PKI_ERR_ALLOC;
		}
	}
	return PKI_OK;
}

/* ---- the JSON document --------------------------------------------- */

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
json_strv(char *const *v, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* The first members of a leaf's and a CA's object; NULL: no memory. */
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

char *
pki_status_json(const struct pki_status *s, char *const *warnings,
    size_t nwarnings)
{
	json_t	*top = json_object(), *certs = json_array(),
		*cas = json_array();
	char	*text = NULL;
	size_t	 i;

	if (top == NULL || certs == NULL || cas == NULL) {
		json_decref(certs);
		json_decref(cas);
		json_decref(top);
		return NULL;
	}
	put(top, "version", json_integer(1));
	put(top, "generated", json_date(s->now));
	for (i = 0; i < s->n; i++)
		json_array_append_new(s->rows[i].is_ca ? cas : certs,
		    s->rows[i].is_ca ? ca_json(&s->rows[i]) :
		    leaf_json(&s->rows[i]));
	put(top, "certificates", certs);
	put(top, "cas", cas);
	put(top, "warnings", json_strv(warnings, nwarnings));
	text = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(top);
	return text;
}
