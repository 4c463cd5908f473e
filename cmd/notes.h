/*
 * notes.h: the engine's notes (struct pki_note) on stdout and stderr,
 * the -record file of a rolling restart, exit statuses of outcomes, and
 * the progress line of long runs (progress.c): one updating line on
 * stderr, only on a terminal (the text is pki_progress_format's).
 */
#ifndef NOTES_H
#define NOTES_H

#include <jansson.h>

#include "pki.h"

/* Starts p for a run named what; off when quiet or stderr is no tty. */
void	progress_start(struct pki_progress *p, const char *what, int quiet);
/* Shows done of total once the run has lasted a second, at most 10/s. */
void	progress_update(struct pki_progress *p, size_t done, size_t total);
/* Erases the line, if shown, before other output; updates redraw it. */
void	progress_clear(struct pki_progress *p);
/* Draws p's line again with its last counts (after a note). */
void	progress_redraw(struct pki_progress *p);
/* Erases whichever line is shown (log.c, before each message). */
void	progress_erase(void);

/* Where notes go: quiet leaves out details and steps; record, when not
 * NULL, receives every step as a JSON line. */
struct notes {
	int			 quiet;
	const char		*record;
	struct json_t		*doc;		/* -format json: every note goes
						   here, not to stdout */
	int			 doc_r;		/* adding to doc */
	struct pki_error	 doc_err;
	struct pki_progress	*pg;		/* cleared before each note */
};

/*
 * The struct pki_notify function (arg: a struct notes): results on
 * stdout as "label: text", details and steps unless quiet, warnings in
 * the log format, errors as "prog: cmd: label: text" on stderr.
 */
void	notes_print(void *arg, const struct pki_note *n);

/* The engine's progress callback (arg: a struct notes): its pg's line. */
void	notes_progress(void *arg, size_t done, size_t total);

/* The exit status of a PKI_RUN_* outcome: 0, 10, 75, 3, 1, 4 or 5. */
int	notes_exit(int outcome);

struct opts;
/*
 * With -format json, no->doc becomes the run document of command
 * (pki_doc_run_new; extra is stolen, NULL for none).  Returns
 * CMD_RETURN_NORMAL, or CMD_RETURN_ERROR after printing why.
 */
int	notes_doc_start(struct notes *no, const struct opts *o,
	    const char *command, struct json_t *extra);
/*
 * Prints no->doc, if any, with outcome and exit_status (< 0: that of
 * outcome, notes_exit) and frees it (a usage error prints none).  Returns exit_status, or
 * CMD_RETURN_ERROR if the document could not be printed.
 */
int	notes_doc_end(struct notes *no, int outcome, int exit_status);

#endif
