/*
 * record.c: the -record file of a rolling restart (see pki.h): one JSON
 * line per step, appended whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"

int
pki_note_record(const char *file, const struct pki_note *n,
    struct pki_error *err)
{
	struct timespec	 ts;
	json_t		*o = NULL;
	char		*line = NULL;
	int		 fd = -1, r = PKI_OK;
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
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	len = strlen(line);
	if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1) {
		r = pki_err_sys(err, errno, "%s", file);
		goto out;
	}
	/* One write per line: O_APPEND keeps concurrent runs' lines whole. */
	line[len] = '\n';
	if (write(fd, line, len + 1) != (ssize_t)(len + 1))
		r = pki_err_sys(err, errno, "%s", file);
 out:
	if (fd != -1)
		(void)close(fd);
	free(line);
	json_decref(o);
	return r;
}
