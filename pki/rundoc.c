/*
 * rundoc.c: the JSON documents of -format json (cluster issue, cluster
 * verify, renew, needs-renewal, check): built from the engine's events,
 * notes and results, never printed here.  Every key is set when the
 * document is made, so that the order is the same in every run.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

/* Sets key of obj to v (a new reference; NULL is null); -1 on failure. */
static int
put(json_t *obj, const char *key, json_t *v)
{
	return json_object_set_new(obj, key, v != NULL ? v : json_null());
}

static json_t *
date_or_null(int64_t t)
{
	char	buf[32];

	if (t == 0)
		return json_null();
	pki_time_format(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

static int
oom(struct pki_error *err)
{
	return pki_err(err, PKI_ERR_ALLOC, "out of memory");
}

/* {"version": 1, "command": command}, or NULL. */
static json_t *
doc_new(const char *command)
{
	json_t	*d;

	if ((d = json_object()) == NULL)
		return NULL;
	if (put(d, "version", json_integer(PKI_DOC_VERSION)) != 0 ||
	    put(d, "command", json_string(command)) != 0) {
		json_decref(d);
		return NULL;
	}
	return d;
}

/* Appends v (a new reference) to the array doc[key]. */
static int
append(json_t *doc, const char *key, json_t *v, struct pki_error *err)
{
	if (v == NULL || json_array_append_new(json_object_get(doc, key),
	    v) != 0)
		return oom(err);
	return PKI_OK;
}

/* A document of command for dir with ok, error and the keys in rest. */
static int
dir_doc(const char *command, const char *dir, const char *const *rest,
    json_t **out, struct pki_error *err)
{
	json_t	*d;

	*out = NULL;
	if ((d = doc_new(command)) == NULL ||
	    put(d, "dir", json_string(dir)) != 0 ||
	    put(d, "ok", json_true()) != 0 ||
	    put(d, "error", NULL) != 0)
		goto fail;
	for (; *rest != NULL; rest++)
		if (put(d, *rest, strcmp(*rest, "counts") == 0 ?
		    json_pack("{s:i,s:i,s:i,s:i}", "new", 0, "reissued", 0,
		    "updated", 0, "kept", 0) : json_array()) != 0)
			goto fail;
	*out = d;
	return PKI_OK;
 fail:
	json_decref(d);
	return oom(err);
}

int
pki_doc_fail(json_t *doc, const char *text, struct pki_error *err)
{
	if (put(doc, "ok", json_false()) != 0 ||
	    put(doc, "error", json_string(text)) != 0)
		return oom(err);
	return PKI_OK;
}

/* ---- cluster issue ------------------------------------------------- */

static const char *const issue_what[] = {
	"kept", "new", "reissued", "updated", "crl", "recorded"
};

int
pki_doc_issue_new(const char *dir, json_t **out, struct pki_error *err)
{
	static const char *const rest[] = { "counts", "files", NULL };

	return dir_doc("cluster issue", dir, rest, out, err);
}

/* The SANs ", "-joined, as an array. */
static json_t *
sans_array(const char *sans)
{
	json_t		*a;
	const char	*p, *e;

	if (sans == NULL)
		return json_null();
	if ((a = json_array()) == NULL)
		return NULL;
	for (p = sans; *p != '\0'; p = *e != '\0' ? e + 2 : e) {
		if ((e = strstr(p, ", ")) == NULL)
			e = p + strlen(p);
		if (json_array_append_new(a, json_stringn(p,
		    (size_t)(e - p))) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int
pki_doc_issue_event(json_t *doc, const struct pki_issue_event *ev,
    struct pki_error *err)
{
	json_t	*f, *counts, *c;
	int	 cert = ev->subject != NULL;

	if (ev->what < 0 || ev->what > PKI_ISSUE_RECORDED)
		return pki_err(err, PKI_ERR_ARG, "unknown event %d", ev->what);
	if ((f = json_object()) == NULL ||
	    put(f, "action", json_string(issue_what[ev->what])) != 0 ||
	    put(f, "path", json_string(ev->path)) != 0 ||
	    put(f, "reason", str_or_null(ev->reason)) != 0 ||
	    put(f, "subject", cert ? json_string(ev->subject) : NULL) != 0 ||
	    put(f, "sans", cert ? sans_array(ev->sans) : NULL) != 0 ||
	    put(f, "not_after", date_or_null(ev->not_after)) != 0) {
		json_decref(f);
		return oom(err);
	}
	counts = json_object_get(doc, "counts");
	if (ev->what <= PKI_ISSUE_UPDATED &&
	    (c = json_object_get(counts, issue_what[ev->what])) != NULL)
		json_integer_set(c, json_integer_value(c) + 1);
	return append(doc, "files", f, err);
}

void
pki_issue_event_text(const struct pki_issue_event *ev, char *buf,
    size_t len)
{
	const char	*what = ev->what >= 0 && ev->what <= PKI_ISSUE_RECORDED ?
			    issue_what[ev->what] : "?";
	const char	*rs = ev->reason != NULL ? ev->reason : "";
	int		 re = ev->what == PKI_ISSUE_REISSUED;
	char		 when[32];

	if (ev->what == PKI_ISSUE_CRL || ev->what == PKI_ISSUE_RECORDED)
		snprintf(buf, len, "%-9s %s  %s", what, ev->path, rs);
	else if (ev->subject == NULL)
		snprintf(buf, len, "%-9s %s%s%s%s", what, ev->path,
		    *rs != '\0' ? " (" : "", rs, *rs != '\0' ? ")" : "");
	else {
		pki_time_format(ev->not_after, when, sizeof(when));
		snprintf(buf, len, "%-9s %s  CN=%s  expires %s  SANs: %s%s%s%s",
		    what, ev->path, ev->subject, when, ev->sans != NULL &&
		    *ev->sans != '\0' ? ev->sans : "(none)", re ? "  (" : "",
		    re ? rs : "", re ? ")" : "");
	}
}

/* ---- cluster verify ------------------------------------------------ */

int
pki_doc_verify_new(const char *dir, json_t **out, struct pki_error *err)
{
	static const char *const rest[] = { "problems", NULL };

	return dir_doc("cluster verify", dir, rest, out, err);
}

int
pki_doc_verify_problem(json_t *doc, const char *text, struct pki_error *err)
{
	const char	*sep = strstr(text, ": ");
	json_t		*p;

	if ((p = json_object()) == NULL ||
	    put(p, "path", sep != NULL ? json_stringn(text,
	    (size_t)(sep - text)) : NULL) != 0 ||
	    put(p, "problem", json_string(sep != NULL ? sep + 2 : text)) != 0 ||
	    put(doc, "ok", json_false()) != 0) {
		json_decref(p);
		return oom(err);
	}
	return append(doc, "problems", p, err);
}

/* ---- renew ----------------------------------------------------------- */

const char *
pki_run_outcome_name(int outcome)
{
	static const char *const names[] = {
		"ok", "changed", "busy", "refused", "failed", "rolled-back",
		"rollback-failed"
	};

	if (outcome < 0 || outcome > PKI_RUN_ROLLBACK_FAILED)
		return "failed";
	return names[outcome];
}

int
pki_doc_renew_new(int dry_run, json_t **out, struct pki_error *err)
{
	json_t	*d;

	*out = NULL;
	if ((d = doc_new("renew")) == NULL ||
	    put(d, "dry_run", json_boolean(dry_run)) != 0 ||
	    put(d, "outcome", NULL) != 0 || put(d, "exit", NULL) != 0 ||
	    put(d, "sets", json_array()) != 0 ||
	    put(d, "messages", json_array()) != 0) {
		json_decref(d);
		return oom(err);
	}
	*out = d;
	return PKI_OK;
}

int
pki_doc_renew_note(json_t *doc, const struct pki_note *n,
    struct pki_error *err)
{
	static const char *const kinds[] = {
		"result", "info", "step", "warning", "error"
	};
	json_t	*m;

	if ((m = json_object()) == NULL ||
	    put(m, "set", str_or_null(n->label)) != 0 ||
	    put(m, "kind", json_string(n->kind >= 0 && n->kind <=
	    PKI_NOTE_ERROR ? kinds[n->kind] : "info")) != 0 ||
	    put(m, "event", str_or_null(n->event)) != 0 ||
	    put(m, "text", json_string(n->text)) != 0) {
		json_decref(m);
		return oom(err);
	}
	return append(doc, "messages", m, err);
}

/* What happened to a set, in one word. */
static const char *
set_state(const struct pki_renew_result *res)
{
	if (res->status == PKI_RUN_CHANGED)
		return res->dry_run ? "would-renew" : "renewed";
	if (res->status == PKI_RUN_OK)
		return res->due ? "ok" : "not-due";
	return pki_run_outcome_name(res->status);
}

int
pki_doc_renew_result(json_t *doc, const struct pki_renew_result *res,
    struct pki_error *err)
{
	json_t	*s;
	int	 ex = res->examined;

	if ((s = json_object()) == NULL ||
	    put(s, "name", json_string(res->name)) != 0 ||
	    put(s, "label", json_string(res->label)) != 0 ||
	    put(s, "cert", str_or_null(res->cert)) != 0 ||
	    put(s, "state", json_string(set_state(res))) != 0 ||
	    put(s, "due", ex ? json_boolean(res->due) : NULL) != 0 ||
	    put(s, "renew_at", ex ? date_or_null(res->renew_at) : NULL) != 0 ||
	    put(s, "not_after", ex ? date_or_null(res->not_after) : NULL) !=
	    0 || put(s, "serial", str_or_null(res->serial)) != 0 ||
	    put(s, "new_serial", str_or_null(res->new_serial)) != 0 ||
	    put(s, "generation", str_or_null(res->generation)) != 0) {
		json_decref(s);
		return oom(err);
	}
	return append(doc, "sets", s, err);
}

int
pki_doc_renew_finish(json_t *doc, int outcome, int exit_status,
    struct pki_error *err)
{
	if (put(doc, "outcome", json_string(pki_run_outcome_name(outcome))) !=
	    0 || put(doc, "exit", json_integer(exit_status)) != 0)
		return oom(err);
	return PKI_OK;
}

/* ---- needs-renewal ------------------------------------------------------ */

static const char *
due_state(int st)
{
	switch (st) {
	case PKI_DUE_STATE_DUE:
		return "due";
	case PKI_DUE_STATE_NOT_DUE:
		return "not-due";
	case PKI_DUE_STATE_MISSING:
		return "missing";
	default:
		return "error";
	}
}

int
pki_doc_due_new(json_t **out, struct pki_error *err)
{
	json_t	*d;

	*out = NULL;
	if ((d = doc_new("needs-renewal")) == NULL ||
	    put(d, "verdict", NULL) != 0 || put(d, "exit", NULL) != 0 ||
	    put(d, "certificates", json_array()) != 0) {
		json_decref(d);
		return oom(err);
	}
	*out = d;
	return PKI_OK;
}

int
pki_doc_due_add(json_t *doc, const char *target, int state,
    const struct pki_due *due, const char *why, struct pki_error *err)
{
	json_t	*c;

	if ((c = json_object()) == NULL ||
	    put(c, "target", json_string(target)) != 0 ||
	    put(c, "state", json_string(due_state(state))) != 0 ||
	    put(c, "percent_used", due != NULL ? json_real((double)(long long)(
	    due->used * 100) / 100) : NULL) != 0 ||
	    put(c, "due_at", due != NULL ? date_or_null(due->at) : NULL) !=
	    0 || put(c, "expired", due != NULL ? json_boolean(due->expired) :
	    NULL) != 0 || put(c, "why", str_or_null(why)) != 0) {
		json_decref(c);
		return oom(err);
	}
	return append(doc, "certificates", c, err);
}

int
pki_doc_due_finish(json_t *doc, int st, struct pki_error *err)
{
	if (put(doc, "verdict", json_string(due_state(st))) != 0 ||
	    put(doc, "exit", json_integer(st)) != 0)
		return oom(err);
	return PKI_OK;
}

/* ---- check ------------------------------------------------------------ */

int
pki_doc_check(const struct pki_check_result *res, const char *text,
    json_t **out, struct pki_error *err)
{
	json_t	*d;
	int	 st = res != NULL ? res->state : PKI_CHECK_UNKNOWN;

	*out = NULL;
	if ((d = doc_new("check")) == NULL ||
	    put(d, "state", json_string(pki_check_state_name(st))) != 0 ||
	    put(d, "exit", json_integer(st)) != 0 ||
	    put(d, "text", json_string(res != NULL ? res->text : text)) != 0 ||
	    put(d, "perfdata", res != NULL ? str_or_null(res->perf) : NULL) !=
	    0) {
		json_decref(d);
		return oom(err);
	}
	*out = d;
	return PKI_OK;
}

/* ---- rollback, ca renew, ca rotate, revoke ------------------------------ */

int
pki_doc_run_new(const char *command, json_t *extra, json_t **out,
    struct pki_error *err)
{
	json_t		*d, *v;
	const char	*k;

	*out = NULL;
	if ((d = doc_new(command)) == NULL)
		goto fail;
	json_object_foreach(extra, k, v)
		if (put(d, k, json_incref(v)) != 0)
			goto fail;
	if (put(d, "outcome", NULL) != 0 || put(d, "exit", NULL) != 0 ||
	    put(d, "messages", json_array()) != 0)
		goto fail;
	json_decref(extra);
	*out = d;
	return PKI_OK;
 fail:
	json_decref(extra);
	json_decref(d);
	return oom(err);
}

/* ---- cluster inventory -------------------------------------------------- */

static const char *
inv_status(const struct pki_inv_cert *c, int64_t now)
{
	if (c->revoked)
		return "revoked";
	return c->not_after <= now ? "expired" : "good";
}

/* One certificate of the inventory, or NULL. */
static json_t *
inv_cert(const struct pki_inv_cert *c, int64_t now)
{
	json_t	*j;

	if ((j = json_object()) == NULL ||
	    put(j, "kind", json_string(pki_inventory_kind_name(c->kind))) !=
	    0 || put(j, "name", str_or_null(c->name)) != 0 ||
	    put(j, "serial", json_string(c->serial)) != 0 ||
	    put(j, "aki", str_or_null(c->aki)) != 0 ||
	    put(j, "subject", str_or_null(c->subject)) != 0 ||
	    put(j, "sans", sans_array(c->sans != NULL ? c->sans : "")) != 0 ||
	    put(j, "not_before", date_or_null(c->not_before)) != 0 ||
	    put(j, "not_after", date_or_null(c->not_after)) != 0 ||
	    put(j, "issued_at", date_or_null(c->issued_at)) != 0 ||
	    put(j, "origin", str_or_null(c->origin)) != 0 ||
	    put(j, "status", json_string(inv_status(c, now))) != 0 ||
	    put(j, "revoked_at", c->revoked ? date_or_null(c->revoked_at) :
	    NULL) != 0 || put(j, "reason", c->revoked ? json_string(
	    c->reason > 0 ? pki_crl_reason_name(c->reason) : "unspecified") :
	    NULL) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int
pki_doc_inventory(const char *dir, const char *member,
    const struct pki_inv_cert *v, size_t n, int64_t now, json_t **out,
    struct pki_error *err)
{
	json_t	*d;
	size_t	 i;
	int	 r;

	*out = NULL;
	if ((d = doc_new("cluster inventory")) == NULL ||
	    put(d, "dir", json_string(dir)) != 0 ||
	    put(d, "member", str_or_null(member)) != 0 ||
	    put(d, "certificates", json_array()) != 0) {
		json_decref(d);
		return oom(err);
	}
	for (i = 0; i < n; i++)
		if ((r = append(d, "certificates", inv_cert(&v[i], now),
		    err)) != PKI_OK) {
			json_decref(d);
			return r;
		}
	*out = d;
	return PKI_OK;
}

/* ---- gencrl --------------------------------------------------------------- */

/* The entries of crl ({"serial","revoked_at","reason"}), or NULL. */
static json_t *
crl_entries(const struct pki_crl *crl, size_t n, struct pki_error *err)
{
	struct pki_crl_entry	 e;
	json_t			*a, *j;
	size_t			 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (pki_crl_entry(crl, i, &e, err) != PKI_OK ||
		    (j = json_object()) == NULL ||
		    json_array_append_new(a, j) != 0 ||
		    put(j, "serial", json_string(e.serial)) != 0 ||
		    put(j, "revoked_at", date_or_null(e.revoked_at)) != 0 ||
		    put(j, "reason", str_or_null(pki_crl_reason_name(
		    e.reason))) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int
pki_doc_gencrl(const char *b64, json_t **out, struct pki_error *err)
{
	struct pki_crl_info	 info;
	struct pki_crl		*crl = NULL;
	unsigned char		*der = NULL;
	json_t			*d = NULL;
	size_t			 len = 0;
	int			 r;

	*out = NULL;
	memset(&info, 0, sizeof(info));
	if ((r = pki_b64_decode(b64, &der, &len)) != PKI_OK) {
		r = pki_err(err, r, "gencrl: the CRL is not base64");
		goto out;
	}
	if ((r = pki_crl_load((const char *)der, len, "gencrl", &crl,
	    err)) != PKI_OK || (r = pki_crl_info(crl, &info, err)) != PKI_OK)
		goto out;
	r = oom(err);
	if ((d = doc_new("gencrl")) == NULL ||
	    put(d, "number", str_or_null(info.number)) != 0 ||
	    put(d, "issuer", str_or_null(info.issuer)) != 0 ||
	    put(d, "aki", str_or_null(info.aki)) != 0 ||
	    put(d, "this_update", date_or_null(info.this_update)) != 0 ||
	    put(d, "next_update", date_or_null(info.next_update)) != 0 ||
	    put(d, "entries", crl_entries(crl, info.nentries, err)) != 0 ||
	    json_is_null(json_object_get(d, "entries")) ||
	    put(d, "der", json_string(b64)) != 0)
		goto out;
	*out = d;
	d = NULL;
	r = PKI_OK;
 out:
	json_decref(d);
	free(der);
	pki_crl_info_clear(&info);
	pki_crl_free(crl);
	return r;
}

int
pki_doc_export(const char *name, const char *out,
    const struct pki_cluster_exported *x, json_t **doc, struct pki_error *err)
{
	json_t	*d = NULL, *paths;
	size_t	 i;
	int	 r;

	*doc = NULL;
	r = oom(err);
	if ((d = doc_new("cluster export")) == NULL ||
	    put(d, "name", json_string(name)) != 0 ||
	    put(d, "kind", json_string(x->member ? "member" : "client")) != 0 ||
	    put(d, "out", json_string(out)) != 0 ||
	    put(d, "paths", paths = json_array()) != 0)
		goto out;
	for (i = 0; i < x->npaths; i++)
		if (json_array_append_new(paths, json_string(x->paths[i])) != 0)
			goto out;
	*doc = d;
	d = NULL;
	r = PKI_OK;
 out:
	json_decref(d);
	return r;
}
