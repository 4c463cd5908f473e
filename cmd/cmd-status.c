/*
 * cmd-status.c: "etcd-pki status": a table of every leaf certificate and
 * CA (kubeadm certs check-expiration), as text, JSON or Prometheus
 * metrics.
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
#include "out.h"

static const int status_opts[] = {
	OPT_O_STATUS, OPT_CLUSTER, OPT_MEMBER, OPT_RENEW_BEFORE, OPT_STAGGER,
	OPT_METRICS_FILE, OPT_LOGLEVEL, OPT_END
};

#define OUT_TEXT	OPT_OUT_TEXT
#define OUT_JSON	OPT_OUT_JSON
#define OUT_PROM	OPT_OUT_PROMETHEUS

#define NCOLS	9

static void	print_table(char *(*)[NCOLS], size_t, int);

/* The CRL's table: it is renewed as a certificate is. */
static void
print_crl(const struct pki_status *s)
{
	static const char *const	 h[NCOLS] = { "NAME", "PATH",
	    "THIS UPDATE", "NEXT UPDATE", "LEFT", "USED", "RENEW AT",
	    "NUMBER", "REVOKED" };
	const struct pki_status_crl	*c = &s->crl;
	char				*cells[2][NCOLS], buf[64];
	int				 j;

	memset(cells, 0, sizeof(cells));
	for (j = 0; j < NCOLS; j++)
		cells[0][j] = strdup(h[j]);
	if (c->st.state != PKI_ROW_OK) {
		cells[1][0] = strdup(c->st.state == PKI_ROW_MISSING ?
		    "!MISSING! crl" : "!UNREADABLE! crl");
		cells[1][1] = strdup(c->st.path);
	} else {
		cells[1][0] = strdup("crl");
		cells[1][1] = strdup(c->st.path);
		pki_time_format(c->st.info.this_update, buf, sizeof(buf));
		cells[1][2] = strdup(buf);
		pki_time_format(c->st.info.next_update, buf, sizeof(buf));
		cells[1][3] = strdup(buf);
		pki_time_left(c->seconds_left, buf, sizeof(buf));
		cells[1][4] = strdup(buf);
		snprintf(buf, sizeof(buf), "%d%%", (int)c->percent_used);
		cells[1][5] = strdup(buf);
		if (c->has_renew_at)
			pki_time_format(c->renew_at, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "-");
		cells[1][6] = strdup(buf);
		cells[1][7] = strdup(c->st.info.number[0] != '\0' ?
		    c->st.info.number : "-");
		snprintf(buf, sizeof(buf), "%zu", c->st.info.nentries);
		cells[1][8] = strdup(buf);
	}
	printf("\n");
	print_table(cells, 2, NCOLS);
	for (j = 0; j < NCOLS; j++) {
		free(cells[0][j]);
		free(cells[1][j]);
	}
}

static const char *
key_text(int key)
{
	switch (key) {
	case PKI_ROWKEY_MATCH:
		return "match";
	case PKI_ROWKEY_MISMATCH:
		return "MISMATCH";
	case PKI_ROWKEY_MISSING:
		return "missing";
	default:
		return "unreadable";
	}
}

/* The drift column: "none", "+DNS:x -IP:y subject", "no csr json" or
 * "bad csr json". */
static char *
drift_text(const struct pki_status_row *r)
{
	char	buf[8192];

	if (r->drift_state == PKI_DRIFT_NO_CSR)
		return strdup("no csr json");
	if (r->drift_state == PKI_DRIFT_BAD_CSR)
		return strdup("bad csr json");
	if (!pki_drift_any(&r->drift))
		return strdup("none");
	pki_drift_text(&r->drift, 0, buf, sizeof(buf));
	return strdup(buf);
}

static void
print_table(char *(*cells)[NCOLS], size_t nrows, int ncols)
{
	size_t	w[NCOLS], i;
	int	j;

	memset(w, 0, sizeof(w));
	for (i = 0; i < nrows; i++)
		for (j = 0; j < ncols; j++)
			if (cells[i][j] != NULL && strlen(cells[i][j]) > w[j])
				w[j] = strlen(cells[i][j]);
	for (i = 0; i < nrows; i++) {
		for (j = 0; j < ncols; j++) {
			const char	*c = cells[i][j] != NULL ?
			    cells[i][j] : "";

			if (j == ncols - 1)
				printf("%s\n", c);
			else
				printf("%-*s   ", (int)w[j], c);
		}
	}
}

static void
print_text(const struct pki_status *s, char *const *wv, size_t wn)
{
	static const char *const	 lh[NCOLS] = { "NAME", "PATH",
	    "NOT AFTER", "LEFT", "USED", "RENEW AT", "ISSUER", "KEY",
	    "DRIFT" };
	const struct pki_status_row	*r;
	char				*(*cells)[NCOLS];
	char				 buf[64];
	size_t				 i, nl = 1, nc = 1;
	int				 j, pass;

	if ((cells = calloc(s->n + 1, sizeof(*cells))) == NULL) {
		log_err("out of memory");
		return;
	}
	for (pass = 0; pass < 2; pass++) {
		size_t	n = 1;

		for (j = 0; j < NCOLS; j++)
			cells[0][j] = strdup(lh[j]);
		for (i = 0; i < s->n; i++) {
			r = &s->rows[i];
			if (r->is_ca != pass)
				continue;
			if (r->state != PKI_ROW_OK) {
				if (asprintf(&cells[n][0], "%s %s",
				    r->state == PKI_ROW_MISSING ? "!MISSING!" :
				    "!UNREADABLE!", r->name) == -1)
					cells[n][0] = NULL;
				cells[n][1] = strdup(r->path);
				n++;
				continue;
			}
			cells[n][0] = strdup(r->name);
			cells[n][1] = strdup(r->path);
			pki_time_format(r->f.not_after, buf, sizeof(buf));
			cells[n][2] = strdup(buf);
			pki_time_left(r->seconds_left, buf, sizeof(buf));
			cells[n][3] = strdup(buf);
			if (!pass) {
				snprintf(buf, sizeof(buf), "%d%%",
				    (int)r->percent_used);
				cells[n][4] = strdup(buf);
				if (r->has_renew_at)
					pki_time_format(r->renew_at, buf,
					    sizeof(buf));
				else
					snprintf(buf, sizeof(buf), "-");
				cells[n][5] = strdup(buf);
				cells[n][6] = strdup(*r->f.issuer_cn != '\0' ?
				    r->f.issuer_cn : r->f.issuer);
				cells[n][7] = strdup(key_text(r->key));
				cells[n][8] = drift_text(r);
			}
			n++;
		}
		if (pass == 0)
			nl = n;
		else
			nc = n;
		if (n > 1) {
			if (pass == 1 && nl > 1)
				printf("\n");
			print_table(cells, n, pass == 0 ? NCOLS : 4);
		}
		for (i = 0; i < n; i++)
			for (j = 0; j < NCOLS; j++) {
				free(cells[i][j]);
				cells[i][j] = NULL;
			}
	}
	free(cells);
	if (s->crl.st.present)
		print_crl(s);
	if (wn > 0 && (nl > 1 || nc > 1 || s->crl.st.present))
		printf("\n");
	for (i = 0; i < wn; i++)
		printf("warning: %s\n", wv[i]);
}

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

static json_t *
leaf_json(const struct pki_status_row *r)
{
	json_t	*o = json_object(), *d;
	int	 ok = r->state == PKI_ROW_OK;

	if (o == NULL)
		return NULL;
	put(o, "name", json_string(r->name));
	put(o, "path", json_string(r->path));
	put(o, "serial", ok ? json_string(r->f.serial) : NULL);
	put(o, "subject", ok ? json_string(r->f.subject) : NULL);
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
	put(o, "error", r->state != PKI_ROW_OK && r->error != NULL ?
	    json_string(r->error) : NULL);
	return o;
}

static json_t *
ca_json(const struct pki_status_row *r)
{
	json_t	*o = json_object();
	int	 ok = r->state == PKI_ROW_OK;

	if (o == NULL)
		return NULL;
	put(o, "name", json_string(r->name));
	put(o, "path", json_string(r->path));
	put(o, "serial", ok ? json_string(r->f.serial) : NULL);
	put(o, "subject", ok ? json_string(r->f.subject) : NULL);
	put(o, "not_after", ok ? json_date(r->f.not_after) : NULL);
	put(o, "seconds_left", ok ? json_integer(r->seconds_left) : NULL);
	put(o, "error", r->state != PKI_ROW_OK && r->error != NULL ?
	    json_string(r->error) : NULL);
	return o;
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

static int
print_json(const struct pki_status *s, char **wv, size_t wn)
{
	json_t	*top = json_object(), *certs = json_array(),
		*cas = json_array(), *locks = json_array(), *l;
	size_t	 i;

	if (top == NULL || certs == NULL || cas == NULL || locks == NULL) {
		json_decref(certs);
		json_decref(cas);
		json_decref(locks);
		json_decref(top);
		return out_json(NULL);
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
	put(top, "warnings", json_strv(wv, wn));
	return out_json(top);
}

static int
cmd_status_exec(struct opts *o)
{
	struct pki_renew_policy	 pol;
	struct pki_error	 err;
	struct pki_cluster	*cl = NULL;
	struct pki_status	 s;
	const char		*mf;
	char			*text = NULL, **wv = NULL;
	size_t			 i, wn = 0;
	int			 out, r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	out = opts_enum(o, OPT_O_STATUS, OUT_TEXT);
	opts_renew_policy(o, &pol);
	pki_status_init(&s, time(NULL), &pol, NULL);
	if (opts_str(o, OPT_CLUSTER) != NULL) {
		if (o->nargs != 1) {
			log_err("-cluster DESC takes one directory, got %d "
			    "arguments", o->nargs);
			return CMD_RETURN_USAGE;
		}
	} else if (o->nargs < 1) {
		log_err("no certificate, directory or -cluster given");
		return CMD_RETURN_USAGE;
	} else if (opts_str(o, OPT_MEMBER) != NULL) {
		log_err("-member goes with -cluster");
		return CMD_RETURN_USAGE;
	}
	if ((opts_str(o, OPT_CLUSTER) != NULL && load_cluster(o,
	    opts_str(o, OPT_CLUSTER), &cl) != CMD_RETURN_NORMAL) ||
	    load_status(o, cl, o->nargs, &s, NULL) != CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_status_warnings(&s, &wv, &wn, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	for (i = 0; i < s.n; i++)
		if (s.rows[i].state != PKI_ROW_OK && s.rows[i].error != NULL)
			log_err("%s", s.rows[i].error);
	if (s.crl.st.present && s.crl.st.state != PKI_ROW_OK &&
	    s.crl.st.error != NULL)
		log_err("%s", s.crl.st.error);

	ret = pki_status_problems(&s) > 0 ? CMD_RETURN_ERROR :
	    CMD_RETURN_NORMAL;
	if (out == OUT_JSON && print_json(&s, wv, wn) != 0)
		ret = CMD_RETURN_ERROR;
	else if (out == OUT_PROM) {
		if ((r = pki_status_metrics(&s, NULL, 0, &text, &err)) != 0) {
			log_pki(&err, r);
			ret = CMD_RETURN_ERROR;
		} else
			fputs(text, stdout);
	} else if (out == OUT_TEXT)
		print_text(&s, wv, wn);
	if ((mf = opts_str(o, OPT_METRICS_FILE)) != NULL &&
	    (r = pki_status_metrics_write(&s, mf, "status", ret, &err)) != 0) {
		log_pki(&err, r);
		ret = CMD_RETURN_ERROR;
	}
 out:
	free(text);
	pki_strv_free(wv, wn);
	pki_status_free(&s);
	pki_cluster_free(cl);
	return ret;
}

const struct cmd_entry cmd_status_entry = {
	"status",
	"show every certificate's expiry, renewal time, key and drift",
	"        PROG status [-o text|json|prometheus] [-renew-before P]\n"
	"            [-stagger P] [-metrics-file FILE] PATH...\n"
	"        PROG status [flags] -cluster DESC [-member NAME] DIR\n"
	"\n"
	"PATH is a certificate, or a directory whose NAME.pem files with a\n"
	"NAME-key.pem beside them are leaves and whose ca.pem is a CA.  With\n"
	"-cluster, the cluster's CRL too (renewed as a certificate is).\n"
	"Exits 0 when every input was read, whatever the dates; 1 when a\n"
	"certificate (or the CRL) is missing or unreadable.",
	status_opts,
	cmd_status_exec,
	1,
	0
};
