/*
 * log.c: stderr output of the CLI, in cfssl's formats.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pki.h"
#include "log.h"
#include "notes.h"

static const char	*log_prog = "etcd-pki";
static const char	*log_cmd;
static int		 log_level = LOG_INFO;

static const char *const level_names[] = {
	"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "FATAL"
};

void
log_init(const char *prog, const char *cmd, int level)
{
	log_prog = prog;
	log_cmd = cmd;
	log_level = level;
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list		 ap;
	time_t		 now;
	struct tm	 tm;
	char		 ts[32];
	size_t		 len;

	if (level < log_level)
		return;
	progress_erase();
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y/%m/%d %H:%M:%S", &tm) == 0)
		ts[0] = '\0';
	fprintf(stderr, "%s [%s] ", ts, level_names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	len = strlen(fmt);
	if (len == 0 || fmt[len - 1] != '\n')
		fputc('\n', stderr);
}

void
log_err(const char *fmt, ...)
{
	va_list	ap;

	progress_erase();
	if (log_cmd != NULL)
		fprintf(stderr, "%s: %s: ", log_prog, log_cmd);
	else
		fprintf(stderr, "%s: ", log_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
log_pki(const struct pki_error *err, int code)
{
	if (err != NULL && err->text[0] != '\0')
		log_err("%s", err->text);
	else
		log_err("%s", pki_strerror(code));
}

void
log_parse_warning(void *arg, const char *text)
{
	(void)arg;
	log_msg(LOG_WARNING, "%s", text);
}
