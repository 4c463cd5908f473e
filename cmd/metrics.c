/*
 * metrics.c: the node_exporter textfile collector format of status and
 * renew, on standard output or written atomically to a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki.h"
#include "log.h"
#include "metrics.h"
#include "status.h"

/* Writes a label value with Prometheus escaping (\\, \", \n). */
static void
label_value(FILE *f, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void
header(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void
sample(FILE *f, const char *name, const struct status_row *r, int64_t v)
{
	fprintf(f, "%s{name=\"", name);
	label_value(f, r->name);
	fputs("\",path=\"", f);
	label_value(f, r->path);
	fprintf(f, "\"} %lld\n", (long long)v);
}

#define WHICH_EXPIRY	0
#define WHICH_RENEWAL	1
#define WHICH_NB	2
#define WHICH_CA	3

static void
family(FILE *f, const char *name, const char *help,
    const struct status_row *rows, size_t n, int which)
{
	const struct status_row	*r;
	size_t			 i;
	int			 any = 0;

	for (i = 0; i < n; i++) {
		r = &rows[i];
		if (r->state != ROW_OK || r->is_ca != (which == WHICH_CA) ||
		    (which == WHICH_RENEWAL && !r->has_renew_at))
			continue;
		if (!any)
			header(f, name, help);
		any = 1;
		sample(f, name, r, which == WHICH_RENEWAL ? r->renew_at :
		    which == WHICH_NB ? r->f.not_before : r->f.not_after);
	}
}

char *
metrics_text(const char *command, const struct status_row *rows, size_t n,
    int exit_code, time_t now)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	family(f, "etcd_pki_certificate_expiration_timestamp_seconds",
	    "The date after which the certificate expires (notAfter).",
	    rows, n, WHICH_EXPIRY);
	family(f, "etcd_pki_certificate_renewal_timestamp_seconds",
	    "The date from which the certificate is due for renewal.",
	    rows, n, WHICH_RENEWAL);
	family(f, "etcd_pki_certificate_not_before_timestamp_seconds",
	    "The date from which the certificate is valid (notBefore).",
	    rows, n, WHICH_NB);
	family(f, "etcd_pki_ca_expiration_timestamp_seconds",
	    "The date after which the CA certificate expires (notAfter).",
	    rows, n, WHICH_CA);
	if (command != NULL) {
		header(f, "etcd_pki_last_run_timestamp_seconds",
		    "When etcd-pki last ran this command.");
		fprintf(f, "etcd_pki_last_run_timestamp_seconds{command=\"");
		label_value(f, command);
		fprintf(f, "\"} %lld\n", (long long)now);
		header(f, "etcd_pki_last_run_exit_code",
		    "The exit status of the last run of this command.");
		fprintf(f, "etcd_pki_last_run_exit_code{command=\"");
		label_value(f, command);
		fprintf(f, "\"} %d\n", exit_code);
	}
	if (ferror(f)) {
		(void)fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int
metrics_write(const char *path, const char *command,
    const struct status_row *rows, size_t n, int exit_code, time_t now)
{
	struct pki_error	 err;
	struct pki_file		 file;
	char			*text;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((text = metrics_text(command, rows, n, exit_code, now)) == NULL) {
		log_err("%s: out of memory", path);
		return -1;
	}
	file.path = path;
	file.data = text;
	file.len = strlen(text);
	file.mode = 0644;
	if ((r = pki_file_write_set(&file, 1, &err)) != 0) {
		log_pki(&err, r);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}
