/*
 * notes.c: printing the engine's notes, and -record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "pki.h"
#include "log.h"
#include "notes.h"

/* Appends one JSON line to -record: {"time","pid","member","event",
 * "detail"}. */
static void
record(const char *file, const struct pki_note *n)
{
	struct timespec	 ts;
	json_t		*o = NULL;
	char		*line = NULL;
	int		 fd = -1;
	size_t		 len;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, "time", json_real((double)ts.tv_sec +
	    ts.tv_nsec / 1e9)) != 0 ||
	    json_object_set_new(o, "pid", json_integer(getpid())) != 0 ||
	    json_object_set_new(o, "member", json_string(n->name != NULL ?
	    n->name : "")) != 0 ||
	    json_object_set_new(o, "event", json_string(n->event != NULL ?
	    n->event : "")) != 0 ||
	    json_object_set_new(o, "detail", json_string(n->text)) != 0 ||
	    (line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(17))) == NULL) {
		log_err("-record: out of memory");
		goto out;
	}
	len = strlen(line);
	if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1) {
		log_err("-record: %s: %s", file, strerror(errno));
		goto out;
	}
	/* One write per line: O_APPEND keeps concurrent runs' lines whole. */
	line[len] = '\n';
	if (write(fd, line, len + 1) != (ssize_t)(len + 1))
		log_err("-record: %s: %s", file, strerror(errno));
 out:
	if (fd != -1)
		(void)close(fd);
	free(line);
	json_decref(o);
}

void
notes_print(void *arg, const struct pki_note *n)
{
	const struct notes	*no = arg;
	const char		*sep = n->label != NULL ? ": " : "";
	const char		*label = n->label != NULL ? n->label : "";

	switch (n->kind) {
	case PKI_NOTE_ERROR:
		log_err("%s%s%s", label, sep, n->text);
		return;
	case PKI_NOTE_WARNING:
		log_msg(LOG_WARNING, "%s%s%s", label, sep, n->text);
		return;
	case PKI_NOTE_STEP:
		if (!no->quiet) {
			printf("%s%s%s\n", label, sep, n->text);
			(void)fflush(stdout);
		}
		if (no->record != NULL)
			record(no->record, n);
		return;
	case PKI_NOTE_INFO:
		if (no->quiet)
			return;
		break;
	default:
		break;
	}
	printf("%s%s%s\n", label, sep, n->text);
}

int
notes_exit(int outcome)
{
	static const int status[] = { 0, 10, 75, 3, 1, 4, 5 };

	if (outcome < 0 || outcome >= (int)(sizeof(status) /
	    sizeof(status[0])))
		return 1;
	return status[outcome];
}
