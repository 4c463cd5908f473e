/*
 * notes.h: the engine's notes (struct pki_note) on stdout and stderr,
 * the -record file of a rolling restart, and exit statuses of outcomes.
 */
#ifndef NOTES_H
#define NOTES_H

#include "pki.h"

struct json_t;
struct progress;

/* Where notes go: quiet leaves out details and steps; record, when not
 * NULL, receives every step as a JSON line; doc, when not NULL (-format
 * json), receives every note (pki_doc_renew_note) instead of stdout;
 * pg, when not NULL, is the progress line cleared before each note. */
struct notes {
	int			 quiet;
	const char		*record;
	struct json_t		*doc;
	int			 doc_r;		/* adding to doc */
	struct pki_error	 doc_err;
	struct progress		*pg;
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
