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
	OPT_O_STATUS, OPT_FORMAT_STATUS, OPT_CLUSTER, OPT_MEMBER, OPT_RENEW_BEFORE, OPT_STAGGER,
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
print_text(const struct pki_status *s, char **w, size_t nw)
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
	if (nw > 0 && (nl > 1 || nc > 1 || s->crl.st.present))
		printf("\n");
	for (i = 0; i < nw; i++)
		printf("warning: %s\n", w[i]);
}

static int
cmd_status_exec(struct opts *o)
{
	struct pki_renew_policy	 pol;
	struct pki_error	 err;
	struct pki_cluster	*cl = NULL;
	struct pki_status	 s;
	const char		*mf;
	json_t			*doc = NULL;
	char			*text = NULL, **w = NULL;
	size_t			 i, nw = 0;
	int			 out, r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	out = opts_enum(o, OPT_FORMAT_STATUS, opts_enum(o, OPT_O_STATUS,
	    OUT_TEXT));
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
	for (i = 0; i < s.n; i++)
		if (s.rows[i].state != PKI_ROW_OK && s.rows[i].error != NULL)
			log_err("%s", s.rows[i].error);
	if (s.crl.st.present && s.crl.st.state != PKI_ROW_OK &&
	    s.crl.st.error != NULL)
		log_err("%s", s.crl.st.error);

	ret = pki_status_problems(&s) > 0 ? CMD_RETURN_ERROR :
	    CMD_RETURN_NORMAL;
	if (out == OUT_JSON) {
		r = pki_status_json(&s, &doc, &err);
		if (out_json_doc(r, doc, &err) != 0)
			ret = CMD_RETURN_ERROR;
	} else if (out == OUT_PROM) {
		if ((r = pki_status_metrics(&s, NULL, 0, &text, &err)) != 0) {
			log_pki(&err, r);
			ret = CMD_RETURN_ERROR;
		} else
			fputs(text, stdout);
	} else if (out == OUT_TEXT) {
		if ((r = pki_status_warnings(&s, &w, &nw, &err)) != 0) {
			log_pki(&err, r);
			ret = CMD_RETURN_ERROR;
		} else
			print_text(&s, w, nw);
	}
	if ((mf = opts_str(o, OPT_METRICS_FILE)) != NULL &&
	    (r = pki_status_metrics_write(&s, mf, "status", ret, &err)) != 0) {
		log_pki(&err, r);
		ret = CMD_RETURN_ERROR;
	}
 out:
	free(text);
	pki_strv_free(w, nw);
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
