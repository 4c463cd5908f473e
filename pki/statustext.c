/*
 * statustext.c: the text "etcd-pki status" prints of the status model
 * (kubeadm certs check-expiration's table): the leaves, the CAs, the
 * cluster's CRL and the warnings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define NCOLS	9

static void	print_table(struct pki_buf *, char *(*)[NCOLS], size_t, int);

/* The CRL's table: it is renewed as a certificate is. */
static void
print_crl(struct pki_buf *b, const struct pki_status *s)
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
	pki_buf_add(b, "\n");
	print_table(b, cells, 2, NCOLS);
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
print_table(struct pki_buf *b, char *(*cells)[NCOLS], size_t nrows,
    int ncols)
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
				pki_buf_printf(b, "%s\n", c);
			else
				pki_buf_printf(b, "%-*s   ", (int)w[j], c);
		}
	}
}

/* The table of leaves, the table of CAs, the CRL's, the warnings w. */
static int
print_text(struct pki_buf *b, const struct pki_status *s, char **w,
    size_t nw)
{
	static const char *const	 lh[NCOLS] = { "NAME", "PATH",
	    "NOT AFTER", "LEFT", "USED", "RENEW AT", "ISSUER", "KEY",
	    "DRIFT" };
	const struct pki_status_row	*r;
	char				*(*cells)[NCOLS];
	char				 buf[64];
	size_t				 i, nl = 1, nc = 1;
	int				 j, pass;

	if ((cells = calloc(s->n + 1, sizeof(*cells))) == NULL)
		return -1;
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
				pki_buf_add(b, "\n");
			print_table(b, cells, n, pass == 0 ? NCOLS : 4);
		}
		for (i = 0; i < n; i++)
			for (j = 0; j < NCOLS; j++) {
				free(cells[i][j]);
				cells[i][j] = NULL;
			}
	}
	free(cells);
	if (s->crl.st.present)
		print_crl(b, s);
	if (nw > 0 && (nl > 1 || nc > 1 || s->crl.st.present))
		pki_buf_add(b, "\n");
	for (i = 0; i < nw; i++)
		pki_buf_printf(b, "warning: %s\n", w[i]);
	return 0;
}

int
pki_status_text(const struct pki_status *s, char **out,
    struct pki_error *err)
{
	struct pki_buf	 b;
	char		**w = NULL;
	size_t		 nw = 0;
	int		 r;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	if ((r = pki_status_warnings(s, &w, &nw, err)) != PKI_OK)
		return r;
	pki_buf_add(&b, "");
	if (print_text(&b, s, w, nw) != 0 || b.oom) {
		pki_strv_free(w, nw);
		free(b.b);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	pki_strv_free(w, nw);
	*out = b.b;
	return PKI_OK;
}

static const char *
yesno(int v)
{
	return v < 0 ? "?" : v ? "yes" : "no";
}

int
pki_rot_status_text(const struct pki_rot_status *st, char **out,
    struct pki_error *err)
{
	static const char *const names[3] = { "ca", "ca-next", "ca-prev" };
	const struct pki_rot_leaf_status	*l;
	char					 na[32];
	size_t					 i;
	struct pki_buf				 b;
	int					 k;

	*out = NULL;
	memset(&b, 0, sizeof(b));

	pki_buf_printf(&b, "phase: %s%s\n", pki_rot_phase_name(st->phase), !st->verified ?
	    " (unverified: computed from the files only for unreachable "
	    "members)" : "");
	for (k = 0; k < 3; k++) {
		if (!st->ca[k].present)
			continue;
		pki_time_format(st->ca[k].not_after, na, sizeof(na));
		pki_buf_printf(&b, "%-8s %s: serial %s, not after %s\n", names[k],
		    st->ca[k].path, st->ca[k].serial, na);
	}
	pki_buf_printf(&b, "\n%-16s %-14s %-6s %-13s %-11s %-10s %s\n", "MEMBER",
	    "BUNDLE", "LEAF", "SERVED-CLIENT", "SERVED-PEER", "TRUSTS-NEW",
	    "TRUSTS-OLD");
	for (i = 0; i < st->n; i++) {
		l = &st->leaves[i];
		if (!l->member)
			continue;
		pki_buf_printf(&b, "%-16s %-14s %-6s %-13s %-11s %-10s %s\n", l->name,
		    l->bundle, l->leaf != NULL ? l->leaf : "missing",
		    l->served_client != NULL ? l->served_client : "?",
		    l->served_peer != NULL ? l->served_peer : "?",
		    yesno(l->trusts_new), yesno(l->trusts_old));
	}
	pki_buf_printf(&b, "\n%-16s %-14s %s\n", "CLIENT", "BUNDLE", "LEAF");
	for (i = 0; i < st->n; i++) {
		l = &st->leaves[i];
		if (!l->member)
			pki_buf_printf(&b, "%-16s %-14s %s\n", l->name, l->bundle,
			    l->leaf != NULL ? l->leaf : "missing");
	}
	if (b.oom) {
		free(b.b);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	*out = b.b;
	return PKI_OK;
}
