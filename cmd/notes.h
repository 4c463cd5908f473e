/*
 * notes.h: the engine's notes (struct pki_note) on stdout and stderr,
 * the -record file of a rolling restart, and exit statuses of outcomes.
 */
#ifndef NOTES_H
#define NOTES_H

#include "pki.h"

struct progress;

/* Where notes go: quiet leaves out details and steps; record, when not
 * NULL, receives every step as a JSON line. */
struct notes {
	int			 quiet;
	const char		*record;
	struct json_t		*doc;		/* -format json: every note goes
						   here, not to stdout */
	int			 doc_r;		/* adding to doc */
	struct pki_error	 doc_err;
	struct progress		*pg;		/* cleared before each note */
};

/*
 * The struct pki_notify function (arg: a struct notes): results on
 * stdout as "label: text", details and steps unless quiet, warnings in
 * the log format, errors as "prog: cmd: label: text" on stderr.
 */
void	notes_print(void *arg, const struct pki_note *n);

/* The exit status of a PKI_RUN_* outcome: 0, 10, 75, 3, 1, 4 or 5. */
int	notes_exit(int outcome);

#endif
