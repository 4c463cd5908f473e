/*
 * metrics.h: the node_exporter textfile of status and renew.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <time.h>

struct status_row;

/*
 * The metrics text for rows (Prometheus exposition format, every metric
 * with # HELP and # TYPE gauge): per leaf
 * etcd_pki_certificate_{expiration,renewal,not_before}_timestamp_seconds,
 * per CA etcd_pki_ca_expiration_timestamp_seconds, labelled {name,path};
 * with command not NULL also etcd_pki_last_run_timestamp_seconds and
 * etcd_pki_last_run_exit_code labelled {command}.  Rows that could not be
 * read have no samples.  Returns malloc'ed text, or NULL (out of memory).
 */
char	*metrics_text(const char *command, const struct status_row *rows,
	    size_t n, int exit_code, time_t now);

/*
 * Writes metrics_text(command, ...) to path atomically (temporary file
 * in path's directory, fsync, rename; mode 0644 less the umask).
 * Returns 0, or -1 after logging the error.
 */
int	metrics_write(const char *path, const char *command,
	    const struct status_row *rows, size_t n, int exit_code,
	    time_t now);

#endif
